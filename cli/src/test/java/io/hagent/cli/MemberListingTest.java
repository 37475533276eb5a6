package io.hagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.cluster.Failover;
import io.hagent.common.cluster.Leader;
import io.hagent.common.cluster.Member;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemberListingTest {

  private static String render(Cluster c, boolean extended, String fmt) {
    StringWriter sw = new StringWriter();
    PrintWriter pw = new PrintWriter(sw);
    MemberListing.print(pw, c, "batman", extended, fmt);
    pw.flush();
    return sw.toString();
  }

  @Test
  void prettyMatchesPatroni41Layout() {
    String expected =
        String.join(
            "\n",
            "+ Cluster: batman (7277694203142172922) -+-----------+----+-------------+-----+------------+-----+",
            "| Member      | Host           | Role    | State     | TL | Receive LSN | Lag | Replay LSN | Lag |",
            "+-------------+----------------+---------+-----------+----+-------------+-----+------------+-----+",
            "| postgresql0 | 127.0.0.1:5432 | Leader  | running   |  5 |             |     |            |     |",
            "| postgresql1 | 127.0.0.1:5433 | Replica | streaming |  5 |   0/40004E8 |   0 |  0/40004E8 |   0 |",
            "+-------------+----------------+---------+-----------+----+-------------+-----+------------+-----+",
            "");
    assertEquals(expected, render(FakeStore.batman(null, null, Map.of()), false, "pretty"));
  }

  @Test
  void tsvHasClusterColumnAndFullLagNames() {
    String expected =
        String.join(
            "\n",
            "Cluster\tMember\tHost\tRole\tState\tTL\tReceive LSN\tReceive Lag\tReplay LSN\tReplay Lag",
            "batman\tpostgresql0\t127.0.0.1:5432\tLeader\trunning\t5\t\t\t\t",
            "batman\tpostgresql1\t127.0.0.1:5433\tReplica\tstreaming\t5\t0/40004E8\t0\t0/40004E8\t0",
            "");
    assertEquals(expected, render(FakeStore.batman(null, null, Map.of()), false, "tsv"));
  }

  @Test
  void jsonOmitsEmptyCellsAndKeepsNumbers() {
    String expected =
        "[{\"Cluster\": \"batman\", \"Member\": \"postgresql0\", \"Host\": \"127.0.0.1:5432\", "
            + "\"Role\": \"Leader\", \"State\": \"running\", \"TL\": 5}, "
            + "{\"Cluster\": \"batman\", \"Member\": \"postgresql1\", \"Host\": \"127.0.0.1:5433\", "
            + "\"Role\": \"Replica\", \"State\": \"streaming\", \"TL\": 5, \"Receive LSN\": \"0/40004E8\", "
            + "\"Receive Lag\": 0, \"Replay LSN\": \"0/40004E8\", \"Replay Lag\": 0}]\n";
    assertEquals(expected, render(FakeStore.batman(null, null, Map.of()), false, "json"));
  }

  @Test
  void yamlSortsKeys() {
    String expected =
        String.join(
            "\n",
            "- Cluster: batman",
            "  Host: 127.0.0.1:5432",
            "  Member: postgresql0",
            "  Role: Leader",
            "  State: running",
            "  TL: 5",
            "- Cluster: batman",
            "  Host: 127.0.0.1:5433",
            "  Member: postgresql1",
            "  Receive LSN: 0/40004E8",
            "  Receive Lag: 0",
            "  Replay LSN: 0/40004E8",
            "  Replay Lag: 0",
            "  Role: Replica",
            "  State: streaming",
            "  TL: 5",
            "",
            "");
    assertEquals(expected, render(FakeStore.batman(null, null, Map.of()), false, "yaml"));
  }

  @Test
  void hostsWithoutPortWhenAllOn5432AndDistinct_lagInMbAndUnknownLsn_pendingAndTags() {
    Member leader =
        FakeStore.member(
            "a",
            null,
            Map.of(
                "conn_url",
                "postgres://10.0.0.1:5432/postgres",
                "state",
                "running",
                "role",
                "primary",
                "timeline",
                2,
                "pending_restart",
                true));
    Member lagging =
        FakeStore.member(
            "b",
            null,
            Map.of(
                "conn_url",
                "postgres://10.0.0.2:5432/postgres",
                "state",
                "running",
                "role",
                "replica",
                "replication_state",
                "streaming",
                "timeline",
                2,
                "receive_lsn",
                0L,
                "replay_lsn",
                0L,
                "tags",
                Map.of("nofailover", true)));
    Member unknown =
        FakeStore.member(
            "c",
            null,
            Map.of(
                "conn_url",
                "postgres://10.0.0.3:5432/postgres",
                "state",
                "stopped",
                "role",
                "replica"));
    Cluster c =
        new Cluster(
            "7277694203142172922",
            Map.of("pause", true),
            1,
            new Leader("a", 1, 1),
            new ClusterStatus(3L * 1048576 + 600000, Map.of(), List.of()),
            List.of(lagging, leader, unknown),
            new Failover("a", "b", "2030-01-01T10:00:00+00:00", 4),
            null,
            List.of(),
            null,
            5);
    String expected =
        String.join(
            "\n",
            "+ Cluster: batman (7277694203142172922) --+----+-------------+-----+------------+-----+-----------------+------------------+",
            "| Member | Host     | Role    | State     | TL | Receive LSN | Lag | Replay LSN | Lag | Pending restart | Tags             |",
            "+--------+----------+---------+-----------+----+-------------+-----+------------+-----+-----------------+------------------+",
            "| a      | 10.0.0.1 | Leader  | running   |  2 |             |     |            |     | *               |                  |",
            "| b      | 10.0.0.2 | Replica | streaming |  2 |         0/0 |   4 |        0/0 |   4 |                 | nofailover: true |",
            "| c      | 10.0.0.3 | Replica | stopped   |    |     unknown |     |    unknown |     |                 |                  |",
            "+--------+----------+---------+-----------+----+-------------+-----+------------+-----+-----------------+------------------+",
            " Maintenance mode: on",
            " Switchover scheduled at: 2030-01-01T10:00:00+00:00",
            "                    from: a",
            "                      to: b",
            "");
    assertEquals(expected, render(c, false, "pretty"));
  }

  @Test
  void emptyClusterShowsUninitializedHeader() {
    String out = render(Cluster.empty(), false, "pretty");
    assertEquals(
        "+ Cluster: batman (uninitialized) --+-------------+-----+------------+-----+",
        out.lines().findFirst().orElseThrow());
  }

  @Test
  void topologyPutsCascadingReplicasUnderTheirUpstream() {
    Member leader =
        FakeStore.member(
            "a", null, Map.of("conn_url", "postgres://h1:5432/postgres", "state", "running"));
    Member r1 =
        FakeStore.member(
            "b",
            null,
            Map.of(
                "conn_url",
                "postgres://h2:5432/postgres",
                "state",
                "running",
                "replication_state",
                "streaming"));
    Member r2 =
        FakeStore.member(
            "c",
            null,
            Map.of(
                "conn_url",
                "postgres://h3:5432/postgres",
                "state",
                "running",
                "tags",
                Map.of("replicatefrom", "b")));
    Cluster c =
        new Cluster(
            "1234567890",
            null,
            0,
            new Leader("a", 1, 1),
            ClusterStatus.EMPTY,
            List.of(r2, r1, leader),
            null,
            null,
            List.of(),
            null,
            1);
    List<String> names =
        render(c, false, "topology")
            .lines()
            .skip(3)
            .limit(3)
            .map(l -> l.substring(2, l.indexOf('|', 2)).stripTrailing())
            .toList();
    assertEquals(List.of("a", "+ b", "  + c"), names);
  }
}
