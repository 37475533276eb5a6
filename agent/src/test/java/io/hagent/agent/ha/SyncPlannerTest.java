package io.hagent.agent.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.postgres.StandbyNames;
import io.hagent.agent.postgres.SyncStatus;
import io.hagent.agent.postgres.SyncStatus.WalSender;
import io.hagent.common.cluster.Member;
import io.hagent.common.cluster.SyncState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** §6.2 as a table: facts of one cycle on the primary → effects in the order they must happen. */
class SyncPlannerTest {

  static final SyncPlanner.Settings ON = new SyncPlanner.Settings("on", false, 1, -1);
  static final SyncPlanner.Settings STRICT = new SyncPlanner.Settings("on", true, 1, -1);
  static final SyncPlanner.Settings ON2 = new SyncPlanner.Settings("on", false, 2, -1);
  static final SyncPlanner.Settings LAG = new SyncPlanner.Settings("on", false, 1, 1000);
  static final SyncPlanner.Settings OFF = new SyncPlanner.Settings("off", false, 1, -1);
  static final SyncPlanner.Settings QUORUM = new SyncPlanner.Settings("quorum", false, 2, -1);
  static final SyncPlanner.Settings QUORUM_STRICT = new SyncPlanner.Settings("quorum", true, 2, -1);

  static final String N2 = "FIRST 1 (\"node2\")";
  static final String N3 = "FIRST 1 (\"node3\")";
  static final String HOLD = "FIRST 1 (\"" + StandbyNames.PLACEHOLDER + "\")";

  static Member member(String name, Map<String, Object> tags) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("state", "running");
    data.put("role", "replica");
    if (!tags.isEmpty()) {
      data.put("tags", tags);
    }
    return new Member(name, data, 1);
  }

  static final List<Member> MEMBERS =
      List.of(
          member("node1", Map.of()),
          member("node2", Map.of()),
          member("node3", Map.of()),
          member("node4", Map.of()));

  static WalSender ws(String name, String state, String syncState, long lsn) {
    return new WalSender(1, name, state, syncState, lsn, lsn, lsn);
  }

  static WalSender streaming(String name, String syncState, long lsn) {
    return ws(name, "streaming", syncState, lsn);
  }

  static SyncStatus status(String ssn, long confirmedFrom, WalSender... senders) {
    return new SyncStatus(ssn, "on", 1000, confirmedFrom, List.of(senders), true);
  }

  static SyncState key(String... standbys) {
    return new SyncState("node1", List.of(standbys), 0, 7);
  }

  /** Effects as short strings; log lines are checked separately. */
  static List<String> describe(List<Effect> effects) {
    List<String> out = new ArrayList<>();
    for (Effect e : effects) {
      if (e instanceof Effect.WriteSync w) {
        out.add(
            "key " + w.leader() + " " + w.standbys() + " q" + w.quorum() + " @" + w.modRevision());
      } else if (e instanceof Effect.SetStandbyNames n) {
        out.add("ssn " + n.value());
      } else if (e instanceof Effect.DeleteSync) {
        out.add("delete key");
      }
    }
    return out;
  }

  static List<String> logs(List<Effect> effects) {
    return effects.stream()
        .filter(e -> e instanceof Effect.Log)
        .map(e -> ((Effect.Log) e).message())
        .toList();
  }

  record Row(
      String situation,
      SyncPlanner.Settings settings,
      List<Member> members,
      SyncState key,
      SyncStatus status,
      List<String> effects) {
    @Override
    public String toString() {
      return situation;
    }
  }

  static Stream<Arguments> rows() {
    List<Member> nosync2 =
        List.of(
            member("node1", Map.of()),
            member("node2", Map.of("nosync", true)),
            member("node3", Map.of()));
    List<Member> prio3 =
        List.of(
            member("node1", Map.of()),
            member("node2", Map.of()),
            member("node3", Map.of("sync_priority", 2)));
    List<Member> node2Stopped =
        List.of(member("node1", Map.of()), stoppedMember("node2"), member("node3", Map.of()));
    List<Row> rows =
        List.of(
            new Row(
                "no key yet: enable it first",
                ON,
                MEMBERS,
                null,
                status("", 0, streaming("node2", "async", 1000)),
                List.of("key node1 [] q0 @0")),
            new Row(
                "key names another leader: take it over",
                ON,
                MEMBERS,
                new SyncState("node9", List.of("node2"), 0, 7),
                status("", 0, streaming("node2", "async", 1000)),
                List.of("key node1 [] q0 @7")),
            new Row(
                "a streaming member: set the setting, not yet the key",
                ON,
                MEMBERS,
                key(),
                status("", 0, streaming("node2", "async", 1000), streaming("node3", "async", 900)),
                List.of("ssn " + N2)),
            new Row(
                "reported sync and caught up: publish it",
                ON,
                MEMBERS,
                key(),
                status(N2, 1000, streaming("node2", "sync", 1000)),
                List.of("key node1 [node2] q0 @7")),
            new Row(
                "reported sync but not caught up yet: wait",
                ON,
                MEMBERS,
                key(),
                status(N2, 1000, streaming("node2", "sync", 990)),
                List.of()),
            new Row(
                "steady state",
                ON,
                MEMBERS,
                key("node2"),
                status(N2, 500, streaming("node2", "sync", 990)),
                List.of()),
            new Row(
                "steady state after an agent restart: take ownership of the value",
                ON,
                MEMBERS,
                key("node2"),
                new SyncStatus(
                    N2, "on", 1000, 500, List.of(streaming("node2", "sync", 990)), false),
                List.of("ssn " + N2)),
            new Row(
                "sync standby gone, non-strict: key first, then asynchronous",
                ON,
                MEMBERS,
                key("node2"),
                status(N2, 500),
                List.of("key node1 [] q0 @7", "ssn ")),
            new Row(
                "sync standby gone, strict: key first, then wait for nobody",
                STRICT,
                MEMBERS,
                key("node2"),
                status(N2, 500),
                List.of("key node1 [] q0 @7", "ssn " + HOLD)),
            new Row(
                "strict, only non-members stream: never acknowledged by them",
                STRICT,
                MEMBERS,
                key(),
                status(
                    "",
                    0,
                    streaming("pg_receivewal", "async", 1000),
                    streaming("barman_receive_wal", "async", 1000),
                    streaming("sub1", "async", 1000)),
                List.of("ssn " + HOLD)),
            new Row(
                "member still catching up is not a candidate",
                ON,
                MEMBERS,
                key(),
                status("", 0, ws("node2", "catchup", "async", 10)),
                List.of()),
            new Row(
                "stopped member is not a candidate",
                ON,
                node2Stopped,
                key(),
                status("", 0, streaming("node2", "async", 1000), streaming("node3", "async", 10)),
                List.of("ssn " + N3)),
            new Row(
                "replacement: new standby listed after the old left the key",
                ON,
                MEMBERS,
                key("node2"),
                status(N2, 500, streaming("node3", "async", 1000)),
                List.of("key node1 [] q0 @7", "ssn " + N3)),
            new Row(
                "lagging sync standby past maximum_lag_on_syncnode is replaced",
                LAG,
                MEMBERS,
                key("node2"),
                status(N2, 500, streaming("node2", "sync", 100), streaming("node3", "async", 5000)),
                List.of("key node1 [] q0 @7", "ssn " + N3)),
            new Row(
                "lag within maximum_lag_on_syncnode keeps the sync standby",
                LAG,
                MEMBERS,
                key("node2"),
                status(
                    N2, 500, streaming("node2", "sync", 4500), streaming("node3", "async", 5000)),
                List.of()),
            new Row(
                "nosync member never chosen",
                ON,
                nosync2,
                key(),
                status("", 0, streaming("node2", "async", 2000), streaming("node3", "async", 10)),
                List.of("ssn " + N3)),
            new Row(
                "sync_priority decides before position",
                ON,
                prio3,
                key(),
                status("", 0, streaming("node2", "async", 2000), streaming("node3", "async", 10)),
                List.of("ssn " + N3)),
            new Row(
                "synchronous_node_count 2",
                ON2,
                MEMBERS,
                key(),
                status(
                    "",
                    0,
                    streaming("node2", "async", 1000),
                    streaming("node3", "async", 1000),
                    streaming("node4", "async", 900)),
                List.of("ssn FIRST 2 (\"node2\",\"node3\")")),
            new Row(
                "turned off: delete the key and give the setting back",
                OFF,
                MEMBERS,
                key("node2"),
                status(N2, 0, streaming("node2", "sync", 1000)),
                List.of("delete key", "ssn null")),
            new Row(
                "off and never managed: nothing",
                OFF,
                MEMBERS,
                null,
                new SyncStatus("", "on", 1000, 0, List.of(), false),
                List.of()),
            new Row(
                "quorum: widen the key before the setting",
                QUORUM,
                MEMBERS,
                key(),
                status(
                    "",
                    0,
                    streaming("node2", "async", 1000),
                    streaming("node3", "async", 1000),
                    streaming("node4", "async", 1000)),
                List.of(
                    "key node1 [node2, node3, node4] q3 @7",
                    "ssn ANY 2 (\"node2\",\"node3\",\"node4\")")),
            new Row(
                "quorum: narrow once enough voters caught up",
                QUORUM,
                MEMBERS,
                new SyncState("node1", List.of("node2", "node3", "node4"), 3, 7),
                status(
                    "ANY 2 (\"node2\",\"node3\",\"node4\")",
                    1000,
                    streaming("node2", "quorum", 1000),
                    streaming("node3", "quorum", 1000),
                    streaming("node4", "quorum", 900)),
                List.of("key node1 [node2, node3, node4] q1 @7")),
            new Row(
                "quorum: not narrowed before voters caught up",
                QUORUM,
                MEMBERS,
                new SyncState("node1", List.of("node2", "node3", "node4"), 3, 7),
                status(
                    "ANY 2 (\"node2\",\"node3\",\"node4\")",
                    1000,
                    streaming("node2", "quorum", 1000),
                    streaming("node3", "quorum", 900),
                    streaming("node4", "quorum", 900)),
                List.of()),
            new Row(
                "quorum: a voter leaves, setting first, key keeps it meanwhile",
                QUORUM,
                MEMBERS,
                new SyncState("node1", List.of("node2", "node3", "node4"), 1, 7),
                status(
                    "ANY 2 (\"node2\",\"node3\",\"node4\")",
                    1000,
                    streaming("node2", "quorum", 1000),
                    streaming("node3", "quorum", 1000)),
                List.of("ssn ANY 2 (\"node2\",\"node3\")")),
            new Row(
                "quorum strict with nobody: wait for a member",
                QUORUM_STRICT,
                MEMBERS,
                new SyncState("node1", List.of("node2"), 0, 7),
                status("ANY 1 (\"node2\")", 1000),
                List.of("ssn ANY 1 (\"" + StandbyNames.PLACEHOLDER + "\")")));
    return rows.stream().map(Arguments::of);
  }

  static Member stoppedMember(String name) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("state", "stopped");
    return new Member(name, data, 1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decides(Row row) {
    List<Effect> effects =
        SyncPlanner.plan("node1", row.settings(), row.members(), row.key(), row.status());
    assertEquals(row.effects(), describe(effects), row.situation());
  }

  @Test
  void logsInPatronisWords() {
    List<Effect> assign =
        SyncPlanner.plan(
            "node1", ON, MEMBERS, key(), status("", 0, streaming("node2", "async", 1000)));
    assertEquals(List.of("Assigning synchronous standby status to ['node2']"), logs(assign));
    List<Effect> assigned =
        SyncPlanner.plan(
            "node1", ON, MEMBERS, key(), status(N2, 1000, streaming("node2", "sync", 1000)));
    assertEquals(List.of("Synchronous standby status assigned to ['node2']"), logs(assigned));
    List<Effect> gone = SyncPlanner.plan("node1", STRICT, MEMBERS, key("node2"), status(N2, 0));
    assertEquals(
        List.of(
            "Updating synchronous privilege temporarily from ['node2'] to []",
            "No active replication connections from Patroni members and synchronous_mode_strict"
                + " is requested. Commits will be delayed.",
            "Assigning synchronous standby status to []"),
        logs(gone));
    assertTrue(
        logs(SyncPlanner.plan("node1", ON, MEMBERS, null, status("", 0)))
            .contains("Enabled synchronous replication"));
    assertTrue(
        logs(SyncPlanner.plan("node1", OFF, MEMBERS, key(), status("", 0)))
            .contains("Disabled synchronous replication"));
  }

  @Test
  void standbyNamesRoundTrip() {
    StandbyNames v = StandbyNames.first(List.of("b", "a\"x"));
    assertEquals("FIRST 2 (\"a\"\"x\",\"b\")", v.value());
    assertEquals(v, StandbyNames.parse(v.value()));
    assertEquals(StandbyNames.any(1, List.of("n1")), StandbyNames.parse("ANY 1 (n1)"));
    assertEquals(new StandbyNames(false, 1, List.of("n1", "n2")), StandbyNames.parse("N1, n2"));
    assertEquals(new StandbyNames(false, 2, List.of("a", "b")), StandbyNames.parse("2 (a,b)"));
    assertEquals("", StandbyNames.parse("").value());
    assertTrue(StandbyNames.parse("*").lists("*"));
  }
}
