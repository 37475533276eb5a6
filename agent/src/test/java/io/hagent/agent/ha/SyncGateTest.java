package io.hagent.agent.ha;

import static io.hagent.agent.ha.HaDecisionTest.NOW;
import static io.hagent.agent.ha.HaDecisionTest.SYSID;
import static io.hagent.agent.ha.HaDecisionTest.member;
import static io.hagent.agent.ha.HaDecisionTest.peer;
import static io.hagent.agent.ha.HaDecisionTest.replica;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.ha.Plan.Kind;
import io.hagent.agent.postgres.StandbyNames;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.cluster.Failover;
import io.hagent.common.cluster.Member;
import io.hagent.common.cluster.SyncState;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.DynamicConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The leader race in synchronous mode (§5.6 (g), (j), rule 7; §6.2): node1, a replica, races for
 * the key of a leaderless cluster whose last primary (node9) is gone.
 */
class SyncGateTest {

  static final DynamicConfig ON = DynamicConfig.from(Map.of("synchronous_mode", true));
  static final DynamicConfig STRICT =
      DynamicConfig.from(Map.of("synchronous_mode", true, "synchronous_mode_strict", true));
  static final DynamicConfig QUORUM = DynamicConfig.from(Map.of("synchronous_mode", "quorum"));
  static final DynamicConfig OFF = DynamicConfig.DEFAULTS;

  static Cluster unlocked(SyncState sync, Failover failover) {
    Member[] members = {
      member("node1", "replica", 100, Map.of()),
      member("node2", "replica", 100, Map.of()),
      member("node3", "replica", 100, Map.of())
    };
    return new Cluster(
        SYSID,
        Map.of("ttl", 30),
        1,
        null,
        new ClusterStatus(100, Map.of(), List.of()),
        List.of(members),
        failover,
        sync,
        List.of(),
        null,
        10);
  }

  static SyncState key(int quorum, String... standbys) {
    return new SyncState("node9", List.of(standbys), quorum, 5);
  }

  record Row(
      String situation,
      DynamicConfig config,
      SyncState sync,
      Failover failover,
      long myWal,
      List<PeerStatus> peers,
      Map<String, Object> tags,
      Kind expected) {
    @Override
    public String toString() {
      return situation;
    }
  }

  static Stream<Arguments> rows() {
    PeerStatus n2 = peer("node2", "replica", 100, 1);
    PeerStatus n2Ahead = peer("node2", "replica", 200, 1);
    PeerStatus n3 = peer("node3", "replica", 100, 1);
    PeerStatus n3Ahead = peer("node3", "replica", 200, 1);
    Failover switchoverToMe = new Failover("node9", "node1", null, 3);
    Failover failoverToMe = new Failover(null, "node1", null, 3);
    List<Row> rows =
        List.of(
            new Row(
                "off: the healthiest replica wins",
                OFF,
                key(0, "node2"),
                null,
                100,
                List.of(n2, n3),
                Map.of(),
                Kind.ACQUIRE_LOCK),
            new Row(
                "on: not listed in the sync key, may not race",
                ON,
                key(0, "node2"),
                null,
                100,
                List.of(n2, n3),
                Map.of(),
                Kind.FOLLOW),
            new Row(
                "on: listed, races even when the sync standby is unreachable",
                ON,
                key(0, "node1"),
                null,
                100,
                List.of(),
                Map.of(),
                Kind.ACQUIRE_LOCK),
            new Row(
                "on: listed; an async replica ahead does not count",
                ON,
                key(0, "node1"),
                null,
                100,
                List.of(n3Ahead),
                Map.of(),
                Kind.ACQUIRE_LOCK),
            new Row(
                "on: another listed standby ahead wins",
                ON,
                key(0, "node1", "node2"),
                null,
                100,
                List.of(n2Ahead),
                Map.of(),
                Kind.FOLLOW),
            new Row(
                "on: the key has no standby: nobody but the old leader",
                STRICT,
                key(0),
                null,
                100,
                List.of(n2, n3),
                Map.of(),
                Kind.FOLLOW),
            new Row(
                "on: key written by no primary yet (no leader): normal race",
                ON,
                new SyncState(null, List.of(), 0, 5),
                null,
                100,
                List.of(n2, n3),
                Map.of(),
                Kind.ACQUIRE_LOCK),
            new Row(
                "nofailover is never a candidate, even listed",
                ON,
                key(0, "node1"),
                null,
                100,
                List.of(),
                Map.of("nofailover", true),
                Kind.FOLLOW),
            new Row(
                "switchover to a non-synchronous member is refused",
                ON,
                key(0, "node2"),
                switchoverToMe,
                100,
                List.of(n2),
                Map.of(),
                Kind.FOLLOW),
            new Row(
                "manual failover may target an asynchronous member",
                ON,
                key(0, "node2"),
                failoverToMe,
                100,
                List.of(n2),
                Map.of(),
                Kind.ACQUIRE_LOCK),
            new Row(
                "quorum: switchover only to a voter",
                QUORUM,
                key(1, "node2", "node3"),
                switchoverToMe,
                100,
                List.of(n2, n3),
                Map.of(),
                Kind.FOLLOW),
            new Row(
                "quorum: enough voters answered, none ahead",
                QUORUM,
                key(1, "node1", "node2", "node3"),
                null,
                100,
                List.of(n2),
                Map.of(),
                Kind.ACQUIRE_LOCK),
            new Row(
                "quorum: not enough voters answered",
                QUORUM,
                key(1, "node1", "node2", "node3"),
                null,
                100,
                List.of(),
                Map.of(),
                Kind.FOLLOW),
            new Row(
                "quorum: a voter has newer WAL",
                QUORUM,
                key(1, "node1", "node2", "node3"),
                null,
                100,
                List.of(n2Ahead, n3),
                Map.of(),
                Kind.FOLLOW),
            new Row(
                "quorum: a non-voter needs one vote more",
                QUORUM,
                key(1, "node2", "node3"),
                null,
                100,
                List.of(n2),
                Map.of(),
                Kind.FOLLOW),
            new Row(
                "quorum: a non-voter with quorum+1 votes",
                QUORUM,
                key(1, "node2", "node3"),
                null,
                100,
                List.of(n2, n3),
                Map.of(),
                Kind.ACQUIRE_LOCK));
    return rows.stream().map(Arguments::of);
  }

  static HaInput input(Row row) {
    Map<String, PeerStatus> peers = new LinkedHashMap<>();
    row.peers().forEach(p -> peers.put(p.name(), p));
    return new HaInput(
        "node1",
        unlocked(row.sync(), row.failover()),
        replica(row.myWal()),
        row.config(),
        new Tags(row.tags()),
        LockState.NOT_HOLDER,
        peers,
        true,
        NOW);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void race(Row row) {
    assertEquals(row.expected(), HaDecision.decide(input(row)).kind(), row.situation());
  }

  /** Promotion in on mode: the key names us with no standby before PostgreSQL is promoted. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("promotions")
  void beforePromote(String situation, DynamicConfig config, SyncState key, List<String> steps) {
    Row row =
        new Row(
            situation,
            config,
            key,
            null,
            100,
            List.of(peer("node2", "replica", 100, 1)),
            Map.of(),
            Kind.ACQUIRE_LOCK);
    Plan p = HaDecision.decide(input(row));
    List<String> seen =
        p.steps().stream()
            .map(Plan.Step::effect)
            .filter(
                e ->
                    e instanceof Effect.WriteSync
                        || e instanceof Effect.SetStandbyNames
                        || e instanceof Effect.Promote)
            .map(
                e ->
                    e instanceof Effect.WriteSync w
                        ? "key " + w.leader() + " " + w.standbys() + " @" + w.modRevision()
                        : e instanceof Effect.SetStandbyNames n ? "ssn " + n.value() : "promote")
            .toList();
    assertEquals(steps, seen, situation);
    assertTrue(p.kind() == Kind.ACQUIRE_LOCK);
  }

  static Stream<Arguments> promotions() {
    return Stream.of(
        Arguments.of("off: just promote", OFF, key(0, "node1"), List.of("promote")),
        Arguments.of(
            "on: own the key, then promote",
            ON,
            key(0, "node1"),
            List.of("key node1 [] @5", "ssn ", "promote")),
        Arguments.of(
            "strict: commits wait for a member from the first one",
            STRICT,
            key(0, "node1"),
            List.of(
                "key node1 [] @5",
                "ssn FIRST 1 (\"" + StandbyNames.PLACEHOLDER + "\")",
                "promote")),
        Arguments.of(
            "quorum: keep the other voters, enough of them",
            QUORUM,
            key(1, "node1", "node2", "node3"),
            List.of("ssn ANY 1 (\"node2\",\"node3\")", "promote")));
  }
}
