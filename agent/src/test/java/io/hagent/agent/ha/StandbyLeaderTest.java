package io.hagent.agent.ha;

import static io.hagent.agent.ha.HaDecisionTest.ME_PRIMARY;
import static io.hagent.agent.ha.HaDecisionTest.N2_REPLICA;
import static io.hagent.agent.ha.HaDecisionTest.NOW;
import static io.hagent.agent.ha.HaDecisionTest.cluster;
import static io.hagent.agent.ha.HaDecisionTest.emptyDir;
import static io.hagent.agent.ha.HaDecisionTest.member;
import static io.hagent.agent.ha.HaDecisionTest.noInitialize;
import static io.hagent.agent.ha.HaDecisionTest.primary;
import static io.hagent.agent.ha.HaDecisionTest.replica;
import static io.hagent.agent.ha.HaDecisionTest.stopped;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.hagent.agent.ha.Plan.Kind;
import io.hagent.agent.node.Role;
import io.hagent.agent.postgres.LocalState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.StandbyCluster;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decisions of a standby cluster (§3.6 standby_cluster, §5.6-§5.8): one row per situation,
 * input -> action, log sentence, role to publish and the effects in order.
 */
class StandbyLeaderTest {

  static final Map<String, Object> SECTION =
      Map.of("host", "10.0.0.9", "port", 5433, "primary_slot_name", "dc2");
  static final DynamicConfig STANDBY = DynamicConfig.from(Map.of("standby_cluster", SECTION));
  static final DynamicConfig NORMAL = DynamicConfig.DEFAULTS;
  static final Member ME_STANDBY_LEADER = member("node1", "standby_leader", 100, Map.of());
  static final Member N2_STANDBY_LEADER = member("node2", "standby_leader", 100, Map.of());

  record Row(
      String situation,
      DynamicConfig config,
      Cluster cluster,
      LocalState pg,
      LockState lock,
      Kind kind,
      String message,
      Role role,
      List<String> effects) {
    @Override
    public String toString() {
      return situation;
    }
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row(
            "empty dir, brand new standby cluster: clone from the remote side",
            STANDBY,
            noInitialize(cluster(null, null, 0)),
            emptyDir(),
            LockState.NOT_HOLDER,
            Kind.BOOTSTRAP,
            "trying to bootstrap a new standby leader",
            Role.STANDBY_LEADER,
            List.of("ClaimInitialize", "Clone", "Start", "FinishBootstrap", "Callback", "Log")),
        new Row(
            "empty dir, a standby leader exists: clone from it",
            STANDBY,
            cluster("node2", null, 0, N2_STANDBY_LEADER),
            emptyDir(),
            LockState.NOT_HOLDER,
            Kind.CLONE,
            "trying to bootstrap from leader 'node2'",
            Role.REPLICA,
            List.of("Clone", "Start", "Callback", "Log")),
        new Row(
            "holder, standby running: stay standby leader following the remote side",
            STANDBY,
            cluster("node1", null, 0, ME_STANDBY_LEADER),
            replica(100),
            LockState.HELD,
            Kind.NONE,
            "no action. I am (node1), the standby leader with the lock",
            Role.STANDBY_LEADER,
            List.of("Follow")),
        new Row(
            "holder, a replica that just took the key: becomes standby leader",
            STANDBY,
            cluster("node1", null, 0, member("node1", "replica", 100, Map.of())),
            replica(100),
            LockState.HELD,
            Kind.PROMOTE,
            "promoted self to a standby leader because i had the session lock",
            Role.STANDBY_LEADER,
            List.of("Follow", "Callback")),
        new Row(
            "holder, PostgreSQL down: start following the remote side",
            STANDBY,
            cluster("node1", null, 0, ME_STANDBY_LEADER),
            stopped("shut down in recovery"),
            LockState.HELD,
            Kind.START_REPLICA,
            "starting as a standby leader because i had the session lock",
            Role.STANDBY_LEADER,
            List.of("Start", "Callback")),
        new Row(
            "holder runs as primary, standby_cluster set (demote-cluster)",
            STANDBY,
            cluster("node1", null, 0, ME_PRIMARY),
            primary(100),
            LockState.HELD,
            Kind.DEMOTE,
            "demoted self to a standby leader following the remote side",
            Role.STANDBY_LEADER,
            List.of(
                "Log",
                "Stop",
                "DisableWatchdog",
                "Callback",
                "PublishRole",
                "Rewind",
                "Start",
                "PublishRole",
                "Callback")),
        new Row(
            "standby_cluster removed (promote-cluster): the standby leader promotes",
            NORMAL,
            cluster("node1", null, 0, ME_STANDBY_LEADER),
            replica(100),
            LockState.HELD,
            Kind.PROMOTE,
            "promoted self to leader because I had the session lock",
            Role.PRIMARY,
            List.of("ActivateWatchdog", "Promote", "PublishRole", "Callback", "RecordHistory")),
        new Row(
            "replica follows the standby leader",
            STANDBY,
            cluster("node2", null, 0, N2_STANDBY_LEADER),
            replica(100),
            LockState.NOT_HOLDER,
            Kind.FOLLOW,
            "no action. I am (node1), a secondary, and following a standby leader (node2)",
            null,
            List.of("Follow")),
        new Row(
            "a primary without the key in a standby cluster demotes",
            STANDBY,
            cluster("node2", null, 0, N2_STANDBY_LEADER),
            primary(100),
            LockState.NOT_HOLDER,
            Kind.DEMOTE,
            "cannot be a real primary in a standby cluster",
            Role.DEMOTED,
            List.of("Log", "ForgetLease", "Stop", "DisableWatchdog", "Callback", "PublishRole")),
        new Row(
            "standby leader gone: the healthiest replica takes the key and follows the remote"
                + " side, never promotes",
            STANDBY,
            cluster(null, null, 0, N2_REPLICA),
            replica(100),
            LockState.NOT_HOLDER,
            Kind.ACQUIRE_LOCK,
            "promoted self to a standby leader by acquiring session lock",
            Role.STANDBY_LEADER,
            List.of("AcquireLeader", "SyncSlots", "Follow", "PublishRole", "Callback")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decides(Row row) {
    HaInput in =
        new HaInput(
            "node1",
            row.cluster(),
            row.pg(),
            row.config(),
            new Tags(Map.of()),
            row.lock(),
            Map.of(),
            true,
            NOW);
    Plan p = HaDecision.decide(in);
    assertEquals(row.message(), p.message());
    assertEquals(row.kind(), p.kind());
    assertEquals(row.role(), p.role());
    assertEquals(
        row.effects(), p.effects().stream().map(e -> e.getClass().getSimpleName()).toList());
    boolean standby = row.config() == STANDBY;
    for (Effect e : p.effects()) {
      if (e instanceof Effect.Promote) {
        assertFalse(standby, "a standby cluster never promotes");
      }
      Member target =
          e instanceof Effect.Follow f
              ? f.leader()
              : e instanceof Effect.Start s ? s.follow() : null;
      if (target != null && row.lock() != LockState.NOT_HOLDER) {
        // the standby leader follows the remote side, with the section's slot
        assertEquals(StandbyCluster.REMOTE_MEMBER, target.name());
        assertEquals("10.0.0.9", target.hostPort().host());
        assertEquals(5433, target.hostPort().port());
        assertEquals("dc2", StandbyCluster.of(target).primarySlotName());
      }
    }
  }

  @Test
  void sectionWithoutSourceIsNoStandbyCluster() {
    assertNull(StandbyCluster.of(DynamicConfig.from(Map.of("standby_cluster", Map.of()))));
    assertNull(StandbyCluster.of(NORMAL));
    StandbyCluster sc =
        StandbyCluster.parse(
            Map.of(
                "host",
                "db.dc1",
                "restore_command",
                "cp /a/%f %p",
                "create_replica_methods",
                List.of("pgbackrest", "basebackup")));
    assertEquals(5432, sc.port());
    assertNull(sc.primarySlotName());
    assertEquals(Map.of("restore_command", "cp /a/%f %p"), sc.recovery());
    assertEquals(List.of("pgbackrest", "basebackup"), sc.createReplicaMethods());
    assertEquals("postgres://db.dc1:5432/postgres", sc.remoteMember().connUrl());
  }
}
