package io.hagent.agent.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.ha.Plan.Kind;
import io.hagent.agent.postgres.LocalState;
import io.hagent.agent.postgres.LocalState.DataDirState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.cluster.Failover;
import io.hagent.common.cluster.Leader;
import io.hagent.common.cluster.Member;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.DynamicConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per situation of §5.2-§5.9: cluster view + local state -> action and log sentence. */
class HaDecisionTest {

  static final String SYSID = "7277694203142172922";
  static final Instant NOW = Instant.parse("2026-11-21T22:00:00Z");

  // ---- local PostgreSQL states

  static LocalState primary(long flush) {
    return pg(DataDirState.INITIALIZED, true, false, flush, null, null, "in production");
  }

  static LocalState replica(long received) {
    return pg(
        DataDirState.INITIALIZED, true, true, null, received, received, "in archive recovery");
  }

  static LocalState stopped(String controlState) {
    return pg(DataDirState.INITIALIZED, false, null, null, null, null, controlState);
  }

  static LocalState emptyDir() {
    return new LocalState(
        DataDirState.EMPTY,
        false,
        "stopped",
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        List.of(),
        false,
        Map.of());
  }

  static LocalState pg(
      DataDirState dir,
      boolean running,
      Boolean inRecovery,
      Long flush,
      Long receive,
      Long replay,
      String controlState) {
    return new LocalState(
        dir,
        running,
        running ? "running" : "stopped",
        inRecovery,
        1,
        flush,
        receive,
        replay,
        null,
        Boolean.TRUE.equals(inRecovery) ? "streaming" : null,
        SYSID,
        controlState,
        150010,
        null,
        null,
        null,
        List.of(),
        false,
        Map.of());
  }

  // ---- cluster views

  static Member member(String name, String role, long xlog, Map<String, Object> tags) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("conn_url", "postgres://127.0.0.1:5432/postgres");
    data.put("api_url", "http://127.0.0.1:8008/patroni");
    data.put("state", "running");
    data.put("role", role);
    data.put("xlog_location", xlog);
    data.put("timeline", 1);
    if (!tags.isEmpty()) {
      data.put("tags", tags);
    }
    return new Member(name, data, 1);
  }

  static Cluster cluster(String leader, Failover failover, long optime, Member... members) {
    return new Cluster(
        SYSID,
        Map.of("ttl", 30),
        1,
        leader == null ? null : new Leader(leader, 5, 1),
        new ClusterStatus(optime, Map.of(), List.of()),
        List.of(members),
        failover,
        null,
        List.of(),
        null,
        10);
  }

  static Cluster paused(Cluster c) {
    return new Cluster(
        c.initialize(),
        Map.of("pause", true),
        1,
        c.leader(),
        c.status(),
        c.members(),
        c.failover(),
        c.sync(),
        c.history(),
        c.failsafe(),
        c.revision());
  }

  static Cluster noInitialize(Cluster c) {
    return new Cluster(
        null,
        c.config(),
        1,
        c.leader(),
        c.status(),
        c.members(),
        c.failover(),
        c.sync(),
        c.history(),
        c.failsafe(),
        c.revision());
  }

  static PeerStatus peer(String name, String role, long wal, int priority) {
    return new PeerStatus(name, true, role, "running", wal, priority <= 0, priority, false);
  }

  record Row(
      String situation,
      Cluster cluster,
      LocalState pg,
      LockState lock,
      List<PeerStatus> peers,
      Map<String, Object> tags,
      Kind action,
      String message,
      String note) {

    HaInput input() {
      Map<String, PeerStatus> byName = new LinkedHashMap<>();
      peers.forEach(p -> byName.put(p.name(), p));
      return new HaInput(
          "node1", cluster, pg, DynamicConfig.DEFAULTS, new Tags(tags), lock, byName, true, NOW);
    }

    @Override
    public String toString() {
      return situation;
    }
  }

  static Row row(
      String situation,
      Cluster cluster,
      LocalState pg,
      LockState lock,
      Kind action,
      String message) {
    return new Row(situation, cluster, pg, lock, List.of(), Map.of(), action, message, null);
  }

  static Row row(
      String situation,
      Cluster cluster,
      LocalState pg,
      LockState lock,
      List<PeerStatus> peers,
      Map<String, Object> tags,
      Kind action,
      String message,
      String note) {
    return new Row(situation, cluster, pg, lock, peers, tags, action, message, note);
  }

  static final Member ME_PRIMARY = member("node1", "primary", 100, Map.of());
  static final Member ME_REPLICA = member("node1", "replica", 100, Map.of());
  static final Member N2_PRIMARY = member("node2", "primary", 100, Map.of());
  static final Member N2_REPLICA = member("node2", "replica", 100, Map.of());
  static final Member N3_REPLICA = member("node3", "replica", 100, Map.of());

  static Stream<Arguments> rows() {
    List<Row> rows = new ArrayList<>();
    // DCS unreachable (§5.8)
    rows.add(
        row(
            "DCS down, I run as primary",
            null,
            primary(100),
            LockState.NOT_HOLDER,
            Kind.DEMOTE,
            "demoted self because DCS is not accessible and I was a leader"));
    rows.add(
        row(
            "DCS down, I am a replica",
            null,
            replica(100),
            LockState.NOT_HOLDER,
            Kind.NONE,
            "DCS is not accessible"));
    // empty data directory (§5.2 step 9, §5.11)
    rows.add(
        row(
            "empty dir, brand new cluster",
            noInitialize(cluster(null, null, 0)),
            emptyDir(),
            LockState.NOT_HOLDER,
            Kind.BOOTSTRAP,
            "trying to bootstrap a new cluster"));
    rows.add(
        row(
            "empty dir, another node is bootstrapping",
            cluster(null, null, 0),
            emptyDir(),
            LockState.NOT_HOLDER,
            Kind.NONE,
            "waiting for leader to bootstrap"));
    rows.add(
        row(
            "empty dir, leader exists",
            cluster("node2", null, 0, N2_PRIMARY),
            emptyDir(),
            LockState.NOT_HOLDER,
            Kind.CLONE,
            "trying to bootstrap from leader 'node2'"));
    rows.add(
        row(
            "empty dir, clonefrom replica exists",
            cluster(
                "node2",
                null,
                0,
                N2_PRIMARY,
                member("node3", "replica", 100, Map.of("clonefrom", true))),
            emptyDir(),
            LockState.NOT_HOLDER,
            Kind.CLONE,
            "trying to bootstrap from replica 'node3'"));
    rows.add(
        row(
            "empty dir while holding the lock",
            cluster("node1", null, 0, ME_PRIMARY),
            emptyDir(),
            LockState.HELD,
            Kind.RELEASE_LOCK,
            "released leader key voluntarily as data dir empty and currently leader"));
    // system identifier (§5.2 step 10)
    rows.add(
        row(
            "sysid mismatch",
            new Cluster(
                "6000000000000000001",
                Map.of(),
                1,
                null,
                ClusterStatus.EMPTY,
                List.of(),
                null,
                null,
                List.of(),
                null,
                1),
            replica(100),
            LockState.NOT_HOLDER,
            Kind.EXIT_FATAL,
            "system ID mismatch, node node1 belongs to a different cluster: 6000000000000000001 != "
                + SYSID));
    rows.add(
        row(
            "no initialize key, existing primary data",
            noInitialize(cluster(null, null, 0)),
            primary(100),
            LockState.NOT_HOLDER,
            Kind.ADOPT_SYSID,
            "No initialize key in DCS, adopting the existing data directory (system ID "
                + SYSID
                + ")"));
    rows.add(
        row(
            "no initialize key, running replica",
            noInitialize(cluster(null, null, 0)),
            replica(100),
            LockState.NOT_HOLDER,
            Kind.EXIT_FATAL,
            "No initialize key in DCS and PostgreSQL is running as replica, aborting start"));
    // PostgreSQL not running (§5.7)
    rows.add(
        row(
            "holder, crashed primary",
            cluster("node1", null, 0, ME_PRIMARY),
            stopped("in production"),
            LockState.HELD,
            Kind.START_PRIMARY,
            "starting primary after failure"));
    rows.add(
        row(
            "holder, stopped replica",
            cluster("node1", null, 0, ME_REPLICA),
            stopped("shut down in recovery"),
            LockState.HELD,
            Kind.START_REPLICA,
            "starting as readonly because i had the session lock"));
    rows.add(
        row(
            "not holder, stopped",
            cluster("node2", null, 0, N2_PRIMARY),
            stopped("in production"),
            LockState.NOT_HOLDER,
            Kind.START_REPLICA,
            "starting as a secondary"));
    rows.add(
        row(
            "paused, stopped, holder",
            paused(cluster("node1", null, 0, ME_PRIMARY)),
            stopped("shut down"),
            LockState.HELD,
            Kind.RELEASE_LOCK,
            "removed leader lock because postgres is not running"));
    rows.add(
        row(
            "paused, stopped",
            paused(cluster("node2", null, 0, N2_PRIMARY)),
            stopped("shut down"),
            LockState.NOT_HOLDER,
            Kind.NONE,
            "postgres is not running"));
    // healthy cluster (§5.4)
    rows.add(
        row(
            "leader with the lock",
            cluster("node1", null, 0, ME_PRIMARY, N2_REPLICA),
            primary(100),
            LockState.HELD,
            Kind.NONE,
            "no action. I am (node1), the leader with the lock"));
    rows.add(
        row(
            "holder running as replica",
            cluster("node1", null, 0, ME_REPLICA),
            replica(100),
            LockState.HELD,
            Kind.PROMOTE,
            "promoted self to leader because I had the session lock"));
    rows.add(
        row(
            "failed to refresh the lock as primary",
            cluster("node1", null, 0, ME_PRIMARY),
            primary(100),
            LockState.LOST,
            Kind.DEMOTE,
            "demoted self because failed to update leader lock in DCS"));
    rows.add(
        row(
            "failed to refresh the lock as primary, paused",
            paused(cluster("node1", null, 0, ME_PRIMARY)),
            primary(100),
            LockState.LOST,
            Kind.NONE,
            "continue to run as primary after failing to update leader lock in DCS"));
    rows.add(
        row(
            "failed to refresh the lock as replica",
            cluster("node1", null, 0, ME_REPLICA),
            replica(100),
            LockState.LOST,
            Kind.NONE,
            "not promoting because failed to update leader lock in DCS"));
    rows.add(
        row(
            "secondary following",
            cluster("node2", null, 0, N2_PRIMARY, ME_REPLICA),
            replica(100),
            LockState.NOT_HOLDER,
            Kind.FOLLOW,
            "no action. I am (node1), a secondary, and following a leader (node2)"));
    rows.add(
        row(
            "primary without the lock",
            cluster("node2", null, 0, N2_PRIMARY),
            primary(100),
            LockState.NOT_HOLDER,
            Kind.DEMOTE,
            "demoting self because I do not have the lock and I was a leader"));
    rows.add(
        row(
            "primary without the lock, paused",
            paused(cluster("node2", null, 0, N2_PRIMARY)),
            primary(100),
            LockState.NOT_HOLDER,
            Kind.NONE,
            "continue to run as primary without lock"));
    // leader race (§5.3, §5.6)
    rows.add(
        row(
            "race: only healthy node",
            cluster(null, null, 100, N2_REPLICA),
            replica(100),
            LockState.NOT_HOLDER,
            List.of(PeerStatus.unreachable("node2")),
            Map.of(),
            Kind.ACQUIRE_LOCK,
            "promoted self to leader by acquiring session lock",
            null));
    rows.add(
        row(
            "race: primary still alive",
            cluster(null, null, 100, N2_PRIMARY),
            replica(100),
            LockState.NOT_HOLDER,
            List.of(peer("node2", "primary", 100, 1)),
            Map.of(),
            Kind.FOLLOW,
            "following a different leader because i am not the healthiest node",
            "Primary (node2) is still alive"));
    rows.add(
        row(
            "race: peer ahead",
            cluster(null, null, 100, N2_REPLICA),
            replica(90),
            LockState.NOT_HOLDER,
            List.of(peer("node2", "replica", 100, 1)),
            Map.of(),
            Kind.FOLLOW,
            "following a different leader because i am not the healthiest node",
            "Wal position of node2 is ahead of my wal position"));
    rows.add(
        row(
            "race: equal wal, peer has higher priority",
            cluster(null, null, 100, N2_REPLICA),
            replica(100),
            LockState.NOT_HOLDER,
            List.of(peer("node2", "replica", 100, 2)),
            Map.of(),
            Kind.FOLLOW,
            "following a different leader because i am not the healthiest node",
            "node2 has equally tolerable WAL position and priority 2, while this node has priority"
                + " 1"));
    rows.add(
        row(
            "race: equal wal and priority",
            cluster(null, null, 100, N2_REPLICA),
            replica(100),
            LockState.NOT_HOLDER,
            List.of(peer("node2", "replica", 100, 1)),
            Map.of(),
            Kind.ACQUIRE_LOCK,
            "promoted self to leader by acquiring session lock",
            null));
    rows.add(
        row(
            "race: too far behind",
            cluster(null, null, 100 + 2 * 1048576L, N2_REPLICA),
            replica(100),
            LockState.NOT_HOLDER,
            List.of(),
            Map.of(),
            Kind.FOLLOW,
            "following a different leader because i am not the healthiest node",
            "My wal position exceeds maximum replication lag"));
    rows.add(
        row(
            "race: nofailover",
            cluster(null, null, 100, N2_REPLICA),
            replica(100),
            LockState.NOT_HOLDER,
            List.of(),
            Map.of("nofailover", true),
            Kind.FOLLOW,
            "following a different leader because I am not allowed to promote",
            null));
    rows.add(
        row(
            "race: nofailover peer ahead is ignored",
            cluster(null, null, 100, N2_REPLICA),
            replica(90),
            LockState.NOT_HOLDER,
            List.of(peer("node2", "replica", 100, 0)),
            Map.of(),
            Kind.ACQUIRE_LOCK,
            "promoted self to leader by acquiring session lock",
            null));
    rows.add(
        row(
            "race: running primary takes the lock",
            cluster(null, null, 100, N2_REPLICA),
            primary(100),
            LockState.NOT_HOLDER,
            List.of(peer("node2", "replica", 200, 1)),
            Map.of(),
            Kind.ACQUIRE_LOCK,
            "acquired session lock as a leader",
            null));
    rows.add(
        row(
            "race: failover candidate is me",
            cluster(null, new Failover("node2", "node1", null, 3), 100, N2_REPLICA),
            replica(50),
            LockState.NOT_HOLDER,
            List.of(peer("node2", "replica", 100, 1)),
            Map.of(),
            Kind.ACQUIRE_LOCK,
            "promoted self to leader by acquiring session lock",
            null));
    rows.add(
        row(
            "race: healthy failover candidate is another node",
            cluster(null, new Failover("node2", "node3", null, 3), 100, N3_REPLICA),
            replica(100),
            LockState.NOT_HOLDER,
            List.of(peer("node3", "replica", 90, 1)),
            Map.of(),
            Kind.FOLLOW,
            "following a different leader because i am not the healthiest node",
            "switchover: to node3, i am node1"));
    rows.add(
        row(
            "race: former leader of a switchover stands back",
            cluster(null, new Failover("node1", null, null, 3), 100, N2_REPLICA),
            replica(100),
            LockState.NOT_HOLDER,
            List.of(peer("node2", "replica", 100, 1)),
            Map.of(),
            Kind.FOLLOW,
            "following a different leader because i am not the healthiest node",
            "switchover: I am the former leader, leaving the race to the other members"));
    rows.add(
        row(
            "race: former leader still answering as primary is ignored",
            cluster(null, new Failover("node2", null, null, 3), 100, N2_REPLICA),
            replica(100),
            LockState.NOT_HOLDER,
            List.of(peer("node2", "primary", 100, 1)),
            Map.of(),
            Kind.ACQUIRE_LOCK,
            "promoted self to leader by acquiring session lock",
            null));
    rows.add(
        row(
            "race: former leader takes the lock back when nobody else can",
            cluster(null, new Failover("node1", null, null, 3), 100, N2_REPLICA),
            replica(100),
            LockState.NOT_HOLDER,
            List.of(PeerStatus.unreachable("node2")),
            Map.of(),
            Kind.ACQUIRE_LOCK,
            "promoted self to leader by acquiring session lock",
            null));
    rows.add(
        row(
            "race: replica ignores the former leader of a switchover without candidate",
            cluster(null, new Failover("node2", null, null, 3), 100, N2_REPLICA),
            replica(100),
            LockState.NOT_HOLDER,
            List.of(peer("node2", "replica", 100, 5)),
            Map.of(),
            Kind.ACQUIRE_LOCK,
            "promoted self to leader by acquiring session lock",
            null));
    rows.add(
        row(
            "race: paused, replica does not race",
            paused(cluster(null, null, 100, N2_REPLICA)),
            replica(100),
            LockState.NOT_HOLDER,
            List.of(),
            Map.of(),
            Kind.NONE,
            "no action. I am (node1)",
            null));
    // switchover on the leader (§5.9)
    rows.add(
        row(
            "switchover to a healthy replica",
            cluster("node1", new Failover("node1", "node2", null, 3), 100, ME_PRIMARY, N2_REPLICA),
            primary(100),
            LockState.HELD,
            Kind.SWITCHOVER,
            "switchover: demoted myself, following node2"));
    rows.add(
        row(
            "switchover without candidate picks a replica",
            cluster("node1", new Failover("node1", null, null, 3), 100, ME_PRIMARY, N2_REPLICA),
            primary(100),
            LockState.HELD,
            Kind.SWITCHOVER,
            "switchover: demoted myself, following node2"));
    rows.add(
        row(
            "switchover from another leader name",
            cluster("node1", new Failover("node9", "node2", null, 3), 100, ME_PRIMARY, N2_REPLICA),
            primary(100),
            LockState.HELD,
            List.of(),
            Map.of(),
            Kind.CLEAR_FAILOVER,
            "no action. I am (node1), the leader with the lock",
            "switchover: leader name does not match: node9 != node1"));
    rows.add(
        row(
            "switchover to a lagging replica",
            cluster("node1", new Failover("node1", "node2", null, 3), 0, ME_PRIMARY, N2_REPLICA),
            primary(100 + 2 * 1048576L),
            LockState.HELD,
            List.of(),
            Map.of(),
            Kind.CLEAR_FAILOVER,
            "no action. I am (node1), the leader with the lock",
            "switchover: no healthy members found, switchover is not possible"));
    rows.add(
        row(
            "scheduled switchover in the future",
            cluster(
                "node1",
                new Failover("node1", "node2", "2026-11-21T22:05:00+00:00", 3),
                100,
                ME_PRIMARY,
                N2_REPLICA),
            primary(100),
            LockState.HELD,
            Kind.NONE,
            "Awaiting switchover at 2026-11-21T22:05:00+00:00 (in 300 seconds)"));
    rows.add(
        row(
            "scheduled switchover less than a second ahead still waits",
            cluster(
                "node1",
                new Failover("node1", "node2", "2026-11-21T22:00:00.6+00:00", 3),
                100,
                ME_PRIMARY,
                N2_REPLICA),
            primary(100),
            LockState.HELD,
            Kind.NONE,
            "Awaiting switchover at 2026-11-21T22:00:00.6+00:00 (in 1 seconds)"));
    rows.add(
        row(
            "stale scheduled switchover",
            cluster(
                "node1",
                new Failover("node1", "node2", "2026-11-21T21:00:00+00:00", 3),
                100,
                ME_PRIMARY,
                N2_REPLICA),
            primary(100),
            LockState.HELD,
            List.of(),
            Map.of(),
            Kind.CLEAR_FAILOVER,
            "no action. I am (node1), the leader with the lock",
            "Found a stale switchover value, cleaning up"));
    // switchover/failover in pause (issue #10 item 8), Patroni's rules and wording
    rows.add(
        row(
            "paused: switchover to a named candidate, the leader demotes",
            paused(
                cluster(
                    "node1", new Failover("node1", "node2", null, 3), 100, ME_PRIMARY, N2_REPLICA)),
            primary(100),
            LockState.HELD,
            Kind.SWITCHOVER,
            "switchover: demoted myself, following node2"));
    rows.add(
        row(
            "paused: switchover key without a candidate is cleaned up",
            paused(
                cluster(
                    "node1", new Failover("node1", null, null, 3), 100, ME_PRIMARY, N2_REPLICA)),
            primary(100),
            LockState.HELD,
            List.of(),
            Map.of(),
            Kind.CLEAR_FAILOVER,
            "no action. I am (node1), the leader with the lock",
            "Switchover is possible only to a specific candidate in a paused state"));
    rows.add(
        row(
            "paused: scheduled switchover waits until resume, key kept",
            paused(
                cluster(
                    "node1",
                    new Failover("node1", "node2", "2026-11-21T22:05:00+00:00", 3),
                    100,
                    ME_PRIMARY,
                    N2_REPLICA)),
            primary(100),
            LockState.HELD,
            Kind.NONE,
            "no action. I am (node1), the leader with the lock"));
    rows.add(
        row(
            "paused: the named candidate takes the lock after the leader stepped down",
            paused(cluster(null, new Failover("node2", "node1", null, 3), 100, N2_REPLICA)),
            replica(100),
            LockState.NOT_HOLDER,
            List.of(peer("node2", "replica", 100, 1)),
            Map.of(),
            Kind.ACQUIRE_LOCK,
            "promoted self to leader by acquiring session lock",
            null));
    rows.add(
        row(
            "paused: a nofailover candidate does not take the lock",
            paused(cluster(null, new Failover("node2", "node1", null, 3), 100, N2_REPLICA)),
            replica(100),
            LockState.NOT_HOLDER,
            List.of(peer("node2", "replica", 100, 1)),
            Map.of("nofailover", true),
            Kind.NONE,
            "no action. I am (node1)",
            null));
    rows.add(
        row(
            "paused: another member is the candidate, I wait",
            paused(
                cluster(
                    null, new Failover("node2", "node3", null, 3), 100, N2_REPLICA, N3_REPLICA)),
            replica(100),
            LockState.NOT_HOLDER,
            List.of(peer("node2", "replica", 100, 1), peer("node3", "replica", 100, 1)),
            Map.of(),
            Kind.NONE,
            "no action. I am (node1)",
            null));
    rows.add(
        row(
            "paused: a primary without lock waits while the named candidate exists",
            paused(
                cluster(
                    null, new Failover("node2", "node3", null, 3), 100, N2_REPLICA, N3_REPLICA)),
            primary(100),
            LockState.NOT_HOLDER,
            List.of(),
            Map.of(),
            Kind.NONE,
            "no action. I am (node1)",
            null));
    rows.add(
        row(
            "paused: primary without lock removes a key whose candidate is gone, then takes the lock",
            paused(cluster(null, new Failover("node2", "node3", null, 3), 100, N2_REPLICA)),
            primary(100),
            LockState.NOT_HOLDER,
            List.of(peer("node2", "replica", 100, 1)),
            Map.of(),
            Kind.ACQUIRE_LOCK,
            "acquired session lock as a leader",
            "switchover: removing failover key because failover candidate is not running"));
    rows.add(
        row(
            "paused: candidate holds the lock while its promote runs",
            paused(
                cluster(
                    "node1", new Failover(null, "node1", null, 3), 100, ME_REPLICA, N2_REPLICA)),
            replica(100),
            LockState.HELD,
            Kind.NONE,
            "waiting to become primary after promote..."));
    rows.add(
        row(
            "paused: the new primary clears the key it kept",
            paused(
                cluster(
                    "node1", new Failover(null, "node1", null, 3), 100, ME_PRIMARY, N2_REPLICA)),
            primary(100),
            LockState.HELD,
            List.of(),
            Map.of(),
            Kind.CLEAR_FAILOVER,
            "no action. I am (node1), the leader with the lock",
            "manual failover: I am already the leader, no need to failover"));
    rows.add(
        row(
            "manual failover to a lagging replica: Patroni's wording",
            cluster("node1", new Failover(null, "node2", null, 3), 0, ME_PRIMARY, N2_REPLICA),
            primary(100 + 2 * 1048576L),
            LockState.HELD,
            List.of(),
            Map.of(),
            Kind.CLEAR_FAILOVER,
            "no action. I am (node1), the leader with the lock",
            "manual failover: no healthy members found, failover is not possible"));
    return rows.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decides(Row row) {
    Plan d = HaDecision.decide(row.input());
    assertEquals(row.action(), d.kind(), "kind");
    assertEquals(row.message(), d.message(), "message");
    if (row.note() != null) {
      assertTrue(d.notes().contains(row.note()), "notes " + d.notes() + " lack: " + row.note());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void stopsPostgresOnlyWhenDemoting(Row row) {
    Plan d = HaDecision.decide(row.input());
    boolean stops = d.effects().stream().anyMatch(e -> e instanceof Effect.Stop);
    boolean demotes = d.kind() == Kind.DEMOTE || d.kind() == Kind.SWITCHOVER;
    assertEquals(demotes, stops, "a demotion stops PostgreSQL, nothing else does: " + d.effects());
    if (demotes) {
      assertTrue(demoteMode(d) != null, "a demotion logs its mode");
    }
  }

  /** The mode a demotion plan logs ("Demoting self (immediate-nolock)"), or null. */
  static String demoteMode(Plan d) {
    return d.effects().stream()
        .filter(e -> e instanceof Effect.Log l && l.message().startsWith("Demoting self ("))
        .map(e -> ((Effect.Log) e).message().replaceAll("^Demoting self \\((.*)\\)$", "$1"))
        .findFirst()
        .orElse(null);
  }

  @org.junit.jupiter.api.Test
  void crashedPrimaryWithZeroStartTimeoutFailsOverInsteadOfRestarting() {
    DynamicConfig noRestart = DynamicConfig.from(Map.of("primary_start_timeout", 0));
    HaInput withReplica =
        new HaInput(
            "node1",
            cluster("node1", null, 0, ME_PRIMARY, N2_REPLICA),
            stopped("in production"),
            noRestart,
            new Tags(Map.of()),
            LockState.HELD,
            Map.of(),
            true,
            NOW);
    Plan d = HaDecision.decide(withReplica);
    assertEquals(Kind.DEMOTE, d.kind());
    assertEquals("immediate", demoteMode(d));
    assertEquals("stopped PostgreSQL to fail over after a crash", d.message());
    assertEquals(List.of("Primary crashed. Failing over."), d.notes());

    HaInput alone =
        new HaInput(
            "node1",
            cluster("node1", null, 0, ME_PRIMARY),
            stopped("in production"),
            noRestart,
            new Tags(Map.of()),
            LockState.HELD,
            Map.of(),
            true,
            NOW);
    assertEquals(Kind.START_PRIMARY, HaDecision.decide(alone).kind(), "nobody to fail over to");
  }

  @org.junit.jupiter.api.Test
  void lostLockDemotesImmediatelyWithoutReleasingTheKey() {
    Plan d =
        HaDecision.decide(
            row(
                    "x",
                    cluster("node1", null, 0, ME_PRIMARY),
                    primary(100),
                    LockState.LOST,
                    Kind.DEMOTE,
                    "")
                .input());
    assertEquals("immediate-nolock", demoteMode(d));
    assertTrue(
        d.effects().stream().noneMatch(e -> e instanceof Effect.DeleteLeader),
        "the key is not ours any more: " + d.effects());
  }

  @org.junit.jupiter.api.Test
  void unreachableDcsDemotesOffline() {
    Plan d =
        HaDecision.decide(
            row("x", null, primary(100), LockState.NOT_HOLDER, Kind.DEMOTE, "").input());
    assertEquals("offline", demoteMode(d));
  }

  // ---- follow-up choices and background tasks, as plans

  static HaInput stoppedReplicaInput(HaInput.RewindCheck check, HaInput.LocalSettings local) {
    return row(
            "x",
            cluster("node2", null, 0, N2_PRIMARY),
            stopped("shut down in recovery"),
            LockState.NOT_HOLDER,
            Kind.START_REPLICA,
            "")
        .input()
        .withRewind(check)
        .withLocal(local);
  }

  @org.junit.jupiter.api.Test
  void divergedReplicaIsRewoundThenStartedAndARewindFailureFollowsTheSettings() {
    HaInput.LocalSettings keep = new HaInput.LocalSettings(60, false, false);
    Plan p = HaDecision.decide(stoppedReplicaInput(new HaInput.RewindCheck(true, true), keep));
    assertEquals(Kind.REWIND, p.kind());
    assertEquals("running pg_rewind from node2", p.message());
    assertTrue(p.effects().get(0) instanceof Effect.Rewind);
    assertTrue(p.effects().stream().anyMatch(e -> e instanceof Effect.Start s && !s.asPrimary()));
    Plan onFailure = p.steps().get(0).onFailure();
    assertEquals("pg_rewind from node2 failed; not starting PostgreSQL", onFailure.message());
    assertTrue(onFailure.effects().isEmpty(), "nothing is removed unless configured");

    HaInput.LocalSettings remove = new HaInput.LocalSettings(60, true, false);
    Plan p2 = HaDecision.decide(stoppedReplicaInput(new HaInput.RewindCheck(true, true), remove));
    assertEquals(
        List.of(new Effect.RemoveDataDirectory()), p2.steps().get(0).onFailure().effects());
  }

  @org.junit.jupiter.api.Test
  void divergedReplicaWithoutRewindIsRemovedOnlyWhenConfigured() {
    Plan refuse =
        HaDecision.decide(
            stoppedReplicaInput(
                new HaInput.RewindCheck(true, false), new HaInput.LocalSettings(60, false, false)));
    assertEquals(Kind.NONE, refuse.kind());
    assertTrue(refuse.message().startsWith("local timeline diverged from leader node2"));
    Plan remove =
        HaDecision.decide(
            stoppedReplicaInput(
                new HaInput.RewindCheck(true, false), new HaInput.LocalSettings(60, false, true)));
    assertEquals(Kind.REMOVE_DATA_DIRECTORY, remove.kind());
    assertEquals("reinitializing due to diverged timelines", remove.message());
    assertEquals(List.of(new Effect.RemoveDataDirectory()), remove.effects());
  }

  @org.junit.jupiter.api.Test
  void aLongActionKeepsTheLeaderLeaderAndOthersWaiting() {
    HaInput leader =
        row(
                "x",
                cluster("node1", null, 0, ME_PRIMARY),
                stopped("shut down"),
                LockState.HELD,
                Kind.NONE,
                "")
            .input()
            .busyWith("restart");
    Plan p = HaDecision.decide(leader);
    assertEquals("updated leader lock during restart", p.message());
    assertTrue(p.effects().isEmpty(), "PostgreSQL belongs to the task");

    HaInput cloning =
        row(
                "x",
                cluster("node2", null, 0, N2_PRIMARY),
                emptyDir(),
                LockState.NOT_HOLDER,
                Kind.NONE,
                "")
            .input()
            .busyWith("bootstrap from leader 'node2'");
    assertEquals("bootstrap from leader 'node2' in progress", HaDecision.decide(cloning).message());

    HaInput leaderless =
        row(
                "x",
                cluster(null, null, 0, N2_REPLICA),
                replica(100),
                LockState.NOT_HOLDER,
                Kind.NONE,
                "")
            .input()
            .busyWith("starting");
    assertEquals("not healthy enough for leader race", HaDecision.decide(leaderless).message());

    // The cycle's DCS view is from before our own bootstrap took the leader key; PostgreSQL
    // already runs as primary. No race (it would fail on our own key and demote us) and no demote.
    HaInput bootstrapEnding =
        row(
                "x",
                cluster(null, null, 0, ME_PRIMARY),
                primary(100),
                LockState.NOT_HOLDER,
                Kind.NONE,
                "")
            .input()
            .busyWith("bootstrap");
    Plan ending = HaDecision.decide(bootstrapEnding);
    assertEquals(Kind.NONE, ending.kind(), ending.message());
    assertTrue(ending.effects().isEmpty(), ending.effects().toString());
  }

  @org.junit.jupiter.api.Test
  void aPrimaryThatLosesTheLockDuringARestartCancelsItAndStops() {
    HaInput lost =
        row("x", cluster("node1", null, 0, ME_PRIMARY), primary(100), LockState.LOST, Kind.NONE, "")
            .input()
            .busyWith("restart");
    Plan p = HaDecision.decide(lost);
    assertEquals(Kind.DEMOTE, p.kind());
    assertEquals("lost leader lock during restart", p.message());
    assertEquals(
        List.of(
            new Effect.Log("Demoting primary during restart"),
            new Effect.CancelTask(),
            new Effect.ForgetLease(),
            new Effect.Stop(io.hagent.agent.postgres.Postgres.StopMode.IMMEDIATE, false, 30),
            Plans.STOPPED_PRIMARY),
        p.effects());
  }

  @org.junit.jupiter.api.Test
  void pausedSwitchoverCandidateTakesTheLockAndPromotes() {
    Cluster c =
        paused(
            cluster(
                null,
                new Failover("node2", "node1", null, 9),
                0,
                ME_REPLICA,
                member("node2", "replica", 100, Map.of())));
    Plan p =
        HaDecision.decide(row("x", c, replica(100), LockState.NOT_HOLDER, Kind.NONE, "").input());
    assertEquals(Kind.ACQUIRE_LOCK, p.kind());
    assertEquals("promoted self to leader by acquiring session lock", p.message());
    assertTrue(
        p.effects().contains(new Effect.SetFailover("{\"member\":\"node1\"}", 9)),
        p.effects().toString());
    assertTrue(p.effects().stream().anyMatch(e -> e instanceof Effect.Promote));

    Plan other =
        HaDecision.decide(
            row(
                    "x",
                    paused(cluster(null, new Failover("node2", "node3", null, 9), 0, ME_REPLICA)),
                    replica(100),
                    LockState.NOT_HOLDER,
                    Kind.NONE,
                    "")
                .input());
    assertEquals(Kind.NONE, other.kind(), "in pause only the named candidate races");
  }

  @org.junit.jupiter.api.Test
  void pausedReplicaLeavesPostgresAlone() {
    Plan p =
        HaDecision.decide(
            row(
                    "x",
                    paused(cluster("node2", null, 0, N2_PRIMARY, ME_REPLICA)),
                    replica(100),
                    LockState.NOT_HOLDER,
                    Kind.FOLLOW,
                    "")
                .input());
    assertTrue(p.effects().isEmpty(), "pause: no re-pointing of replication");
  }
}
