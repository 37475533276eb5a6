package io.hagent.common.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.dcs.ClusterParser.RawKey;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterParserTest {

  @Test
  void emptyPrefixIsAnEmptyCluster() {
    Cluster cluster = ClusterParser.parse(List.of(), 7);
    assertNull(cluster.leader());
    assertTrue(cluster.members().isEmpty());
    assertEquals(0, cluster.status().optime());
    assertTrue(cluster.history().isEmpty());
    assertEquals(7, cluster.revision());
  }

  @Test
  void readsAHealthyPatroniCluster() {
    Cluster cluster =
        ClusterParser.parse(
            List.of(
                new RawKey("leader", "node1", 10, 0x7587a1b2L),
                new RawKey(
                    "members/node1",
                    "{\"conn_url\":\"postgres://10.0.0.1:5432/postgres\",\"role\":\"primary\"}",
                    9,
                    0x7587a1b2L),
                new RawKey("initialize", "7412345678901234567", 2, 0),
                new RawKey("config", "{\"ttl\":30}", 3, 0),
                new RawKey("failover", "{\"leader\":\"node1\",\"member\":\"node2\"}", 11, 0),
                new RawKey(
                    "sync", "{\"leader\":\"node1\",\"quorum\":1,\"sync_standby\":\"n2,n3\"}", 5, 0),
                new RawKey("status", "{\"optime\":100,\"slots\":{\"n2\":90}}", 12, 0),
                new RawKey("history", "[[1,25165984,\"no recovery target specified\"]]", 4, 0),
                new RawKey("failsafe", "{\"node1\":\"http://10.0.0.1:8008/patroni\"}", 6, 0)),
            12);
    assertEquals("node1", cluster.leader().name());
    assertEquals(10, cluster.leader().modRevision());
    assertEquals(0x7587a1b2L, cluster.leader().leaseId());
    assertEquals("primary", cluster.leaderMember().orElseThrow().role());
    assertEquals(3, cluster.configModRevision());
    assertEquals("node2", cluster.failover().member());
    assertEquals(11, cluster.failover().modRevision());
    assertEquals(List.of("n2", "n3"), cluster.sync().syncStandbys());
    assertEquals(1, cluster.sync().quorum());
    assertEquals(Map.of("n2", 90L), cluster.status().slots());
    assertEquals(2, cluster.historyTimeline());
    assertEquals("http://10.0.0.1:8008/patroni", cluster.failsafe().get("node1"));
  }

  @Test
  void legacyMemberStringAndOptimeKeyAreUnderstood() {
    Cluster cluster =
        ClusterParser.parse(
            List.of(
                new RawKey(
                    "members/old",
                    "postgres://rep:pw@10.0.0.2:5433/postgres?application_name=http%3A%2F%2F10.0.0.2%3A8008%2Fpatroni",
                    3,
                    1),
                new RawKey("optime/leader", "4242", 4, 0),
                new RawKey("status", "{\"slots\":{\"a\":1}}", 5, 0)),
            5);
    assertEquals("http://10.0.0.2:8008/patroni", cluster.members().get(0).apiUrl());
    assertEquals(5433, cluster.members().get(0).hostPort().port());
    assertEquals(4242, cluster.status().optime());
    assertEquals(Map.of("a", 1L), cluster.status().slots());
  }

  @Test
  void emptyFailoverMeansNone() {
    Cluster cluster = ClusterParser.parse(List.of(new RawKey("failover", "{}", 3, 0)), 3);
    assertNull(cluster.failover());
  }
}
