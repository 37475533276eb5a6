package io.hagent.agent.ha;

import io.hagent.agent.ha.Decision.Action;
import io.hagent.agent.ha.Decision.DemoteMode;
import io.hagent.agent.postgres.LocalState;
import io.hagent.agent.postgres.LocalState.DataDirState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Failover;
import io.hagent.common.cluster.Member;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The HA decision of one cycle (§5.2-§5.9) as a pure function: no I/O, no clock, no state. The same
 * input always gives the same decision, so every row of the spec is a table test.
 */
public final class HaDecision {

  /** Control-data states of a cluster that was running as a primary when it stopped. */
  private static final Set<String> PRIMARY_CONTROL_STATES =
      Set.of("in production", "in crash recovery", "shutting down", "shut down");

  private HaDecision() {}

  public static Decision decide(HaInput in) {
    Cluster cluster = in.cluster();
    LocalState pg = in.pg();
    boolean paused = cluster != null ? cluster.isPaused() : in.config().pause();

    if (cluster == null) {
      return dcsUnreachable(pg, paused);
    }
    if (pg.dataDir() == DataDirState.EMPTY) {
      return emptyDataDirectory(in, cluster, paused);
    }
    if (pg.dataDir() == DataDirState.INVALID) {
      return Decision.none(
          "data dir for the cluster is not empty, but system ID is invalid; consider doing"
              + " reinitialize");
    }
    Decision sysid = checkSystemId(in, cluster, pg);
    if (sysid != null) {
      return sysid;
    }
    if (!pg.running()) {
      return postgresNotRunning(in, cluster, pg, paused);
    }
    if (cluster.isUnlocked()) {
      return unlockedCluster(in, cluster, pg, paused);
    }
    if (in.lock() != LockState.NOT_HOLDER) {
      return holdingTheLock(in, cluster, pg, paused);
    }
    return followTheLeader(in, cluster, pg, paused);
  }

  private static Decision dcsUnreachable(LocalState pg, boolean paused) {
    if (!paused && pg.isPrimary()) {
      return Decision.demote(
          DemoteMode.OFFLINE, "demoted self because DCS is not accessible and I was a leader");
    }
    return Decision.none("DCS is not accessible");
  }

  private static Decision emptyDataDirectory(HaInput in, Cluster cluster, boolean paused) {
    if (in.lock() != LockState.NOT_HOLDER) {
      return Decision.of(
          Action.RELEASE_LOCK,
          "released leader key voluntarily as data dir empty and currently leader",
          null);
    }
    if (paused) {
      return Decision.none("running with empty data directory");
    }
    Optional<Member> leader = cluster.leaderMember();
    if (leader.isPresent()) {
      Optional<Member> cloneSource = cloneSource(in, cluster);
      if (cloneSource.isPresent()) {
        return Decision.of(
            Action.CLONE,
            "trying to bootstrap from replica '" + cloneSource.get().name() + "'",
            cloneSource.get());
      }
      return Decision.of(
          Action.CLONE,
          "trying to bootstrap from leader '" + leader.get().name() + "'",
          leader.get());
    }
    if (cluster.isUnlocked() && cluster.initialize() == null && in.canBootstrap()) {
      return Decision.of(Action.BOOTSTRAP, "trying to bootstrap a new cluster", null);
    }
    return Decision.none("waiting for leader to bootstrap");
  }

  /** A running replica tagged clonefrom (other than us and the leader), if any. */
  private static Optional<Member> cloneSource(HaInput in, Cluster cluster) {
    String leader = cluster.leader().name();
    return cluster.members().stream()
        .filter(m -> !m.name().equals(in.me()) && !m.name().equals(leader))
        .filter(m -> m.tagView().clonefrom() && "running".equals(m.state()))
        .min(Comparator.comparing(Member::name));
  }

  private static Decision checkSystemId(HaInput in, Cluster cluster, LocalState pg) {
    if (pg.sysid() == null) {
      return null;
    }
    if (cluster.hasValidSysid() && !cluster.initialize().equals(pg.sysid())) {
      return Decision.of(
          Action.EXIT_FATAL,
          "system ID mismatch, node "
              + in.me()
              + " belongs to a different cluster: "
              + cluster.initialize()
              + " != "
              + pg.sysid(),
          null);
    }
    if (cluster.initialize() == null && cluster.isUnlocked()) {
      if (pg.isReplica()) {
        return Decision.of(
            Action.EXIT_FATAL,
            "No initialize key in DCS and PostgreSQL is running as replica, aborting start",
            null);
      }
      return Decision.of(
          Action.ADOPT_SYSID,
          "No initialize key in DCS, adopting the existing data directory (system ID "
              + pg.sysid()
              + ")",
          null);
    }
    return null;
  }

  private static Decision postgresNotRunning(
      HaInput in, Cluster cluster, LocalState pg, boolean paused) {
    boolean holder = in.lock() == LockState.HELD;
    if (paused) {
      if (holder) {
        return Decision.of(
            Action.RELEASE_LOCK, "removed leader lock because postgres is not running", null);
      }
      return Decision.none("postgres is not running");
    }
    if (holder) {
      if (pg.controlState() != null && PRIMARY_CONTROL_STATES.contains(pg.controlState())) {
        // §5.7 step 1: primary_start_timeout 0 means "fail over at once rather than restart".
        if (in.config().primaryStartTimeout() == 0 && failoverPossible(in, cluster)) {
          return new Decision(
              Action.DEMOTE,
              "stopped PostgreSQL to fail over after a crash",
              null,
              DemoteMode.IMMEDIATE,
              List.of("Primary crashed. Failing over."));
        }
        return Decision.of(Action.START_PRIMARY, "starting primary after failure", null);
      }
      return Decision.of(
          Action.START_REPLICA, "starting as readonly because i had the session lock", null);
    }
    Member leader = cluster.leaderMember().filter(m -> !m.name().equals(in.me())).orElse(null);
    return Decision.of(Action.START_REPLICA, "starting as a secondary", leader);
  }

  /** Another member could take over: running, allowed to fail over, with a REST API. */
  private static boolean failoverPossible(HaInput in, Cluster cluster) {
    return cluster.members().stream()
        .anyMatch(
            m ->
                !m.name().equals(in.me())
                    && "running".equals(m.state())
                    && !m.tagView().nofailover()
                    && m.apiUrl() != null);
  }

  private static Decision unlockedCluster(
      HaInput in, Cluster cluster, LocalState pg, boolean paused) {
    if (paused) {
      if (pg.isPrimary()) {
        return Decision.of(Action.ACQUIRE_LOCK, "acquired session lock as a leader", null);
      }
      return Decision.none(noActionSecondary(in.me(), null));
    }
    List<String> notes = new ArrayList<>();
    if (isHealthiest(in, cluster, pg, notes)) {
      return Decision.of(Action.ACQUIRE_LOCK, "acquiring session lock", null).withNotes(notes);
    }
    boolean notAllowed = in.tags().nofailover();
    if (pg.isPrimary()) {
      return Decision.demote(
              DemoteMode.IMMEDIATE_NOLOCK,
              notAllowed
                  ? "demoting self because I am not allowed to become primary"
                  : "demoting self because i am not the healthiest node")
          .withNotes(notes);
    }
    return Decision.of(
            Action.FOLLOW,
            notAllowed
                ? "following a different leader because I am not allowed to promote"
                : "following a different leader because i am not the healthiest node",
            null)
        .withNotes(notes);
  }

  /** §5.6 is_healthiest_node(); appends the reason to {@code notes} when the answer is no. */
  static boolean isHealthiest(HaInput in, Cluster cluster, LocalState pg, List<String> notes) {
    if (pg.isPrimary()) {
      Integer tl = pg.timeline();
      int clusterTl = cluster.historyTimeline();
      if (in.config().checkTimeline() && tl != null && tl < clusterTl) {
        notes.add("My timeline " + tl + " is behind last known cluster timeline " + clusterTl);
        return false;
      }
      return true;
    }
    if (in.tags().nofailover()) {
      return false;
    }
    String formerLeader = null;
    Failover failover = cluster.failover();
    if (failover != null && !failover.isEmpty()) {
      String kind = failover.leader() == null ? "manual failover" : "switchover";
      if (failover.member() != null) {
        if (failover.member().equals(in.me())) {
          return true;
        }
        PeerStatus candidate = in.peers().get(failover.member());
        if (candidate != null && candidate.reachable() && !candidate.nofailover()) {
          notes.add(kind + ": to " + failover.member() + ", i am " + in.me());
          return false;
        }
      }
      formerLeader = failover.leader();
      // The node being switched away from takes the lock back only if nobody else can.
      if (in.me().equals(formerLeader)
          && in.peers().values().stream().anyMatch(p -> p.reachable() && !p.nofailover())) {
        notes.add(kind + ": I am the former leader, leaving the race to the other members");
        return false;
      }
    }
    long myWal = pg.walPosition();
    long optime = cluster.status().optime();
    if (optime - myWal > in.config().maximumLagOnFailover()) {
      notes.add("My wal position exceeds maximum replication lag");
      return false;
    }
    if (in.config().checkTimeline()) {
      Integer tl = pg.timeline();
      if (tl == null || tl < cluster.historyTimeline()) {
        notes.add(
            "My timeline "
                + tl
                + " is behind last known cluster timeline "
                + cluster.historyTimeline());
        return false;
      }
    }
    int myPriority = in.tags().failoverPriority();
    for (PeerStatus peer : in.peers().values()) {
      if (!peer.reachable() || peer.name().equals(formerLeader) || peer.watchdogFailed()) {
        continue;
      }
      if ("primary".equals(peer.role())) {
        notes.add("Primary (" + peer.name() + ") is still alive");
        return false;
      }
      if (peer.nofailover()) {
        continue;
      }
      if (peer.walPosition() > myWal) {
        notes.add("Wal position of " + peer.name() + " is ahead of my wal position");
        return false;
      }
      if (peer.walPosition() == myWal && peer.failoverPriority() > myPriority) {
        notes.add(
            peer.name()
                + " has equally tolerable WAL position and priority "
                + peer.failoverPriority()
                + ", while this node has priority "
                + myPriority);
        return false;
      }
    }
    return true;
  }

  private static Decision holdingTheLock(
      HaInput in, Cluster cluster, LocalState pg, boolean paused) {
    if (in.lock() == LockState.LOST) {
      if (pg.isPrimary()) {
        if (paused) {
          return Decision.none(
              "continue to run as primary after failing to update leader lock in DCS");
        }
        return Decision.demote(
            DemoteMode.IMMEDIATE_NOLOCK,
            "demoted self because failed to update leader lock in DCS");
      }
      return Decision.none("not promoting because failed to update leader lock in DCS");
    }
    if (!pg.isPrimary()) {
      if (paused) {
        return Decision.of(
            Action.RELEASE_LOCK,
            "removed leader lock because postgres is not running as primary",
            null);
      }
      return Decision.of(
          Action.PROMOTE, "promoted self to leader because I had the session lock", null);
    }
    Decision failover = manualFailover(in, cluster, paused);
    if (failover != null) {
      return failover;
    }
    return Decision.none("no action. I am (" + in.me() + "), the leader with the lock");
  }

  /** §5.9 step 2: the leader's handling of a pending switchover/failover request. */
  private static Decision manualFailover(HaInput in, Cluster cluster, boolean paused) {
    Failover failover = cluster.failover();
    if (failover == null || failover.isEmpty()) {
      return null;
    }
    String kind = failover.leader() == null ? "manual failover" : "switchover";
    if (failover.scheduledAt() != null) {
      if (paused) {
        return Decision.of(Action.CLEAR_FAILOVER, "Cleaning up failover key", null)
            .withNotes(List.of("Can't schedule switchover in the paused state"));
      }
      Instant at;
      try {
        at = OffsetDateTime.parse(failover.scheduledAt().replace(' ', 'T')).toInstant();
      } catch (DateTimeParseException e) {
        return Decision.of(Action.CLEAR_FAILOVER, "Cleaning up failover key", null)
            .withNotes(List.of("Unable to parse scheduled_at " + failover.scheduledAt()));
      }
      Duration ahead = Duration.between(in.now(), at);
      long secondsAhead = ahead.toSeconds();
      // not toSeconds() > 0: that truncates, so 0.9 s ahead acted early
      if (ahead.toMillis() > 0) {
        return Decision.none(
            "Awaiting "
                + kind
                + " at "
                + failover.scheduledAt()
                + " (in "
                + Math.round(ahead.toMillis() / 1000.0)
                + " seconds)");
      }
      if (-secondsAhead > 1.5 * in.config().loopWait() + 1) {
        return Decision.of(Action.CLEAR_FAILOVER, "Cleaning up failover key", null)
            .withNotes(List.of("Found a stale " + kind + " value, cleaning up"));
      }
    }
    if (failover.leader() != null && !failover.leader().equals(in.me())) {
      return Decision.of(Action.CLEAR_FAILOVER, "Cleaning up failover key", null)
          .withNotes(
              List.of(
                  kind + ": leader name does not match: " + failover.leader() + " != " + in.me()));
    }
    if (in.me().equals(failover.member())) {
      return Decision.of(Action.CLEAR_FAILOVER, "Cleaning up failover key", null)
          .withNotes(List.of(kind + ": I am already the leader, no need to " + kind));
    }
    Optional<Member> candidate = switchoverCandidate(in, cluster, failover);
    if (candidate.isEmpty()) {
      return Decision.of(Action.CLEAR_FAILOVER, "Cleaning up failover key", null)
          .withNotes(List.of(kind + ": no healthy members found, " + kind + " is not possible"));
    }
    return new Decision(
        Action.SWITCHOVER,
        kind + ": demoting myself",
        candidate.get(),
        DemoteMode.GRACEFUL,
        List.of());
  }

  /**
   * The member a switchover would hand over to, judged from the member keys: running, a replica,
   * allowed to fail over, and within maximum_lag_on_failover of our position.
   */
  private static Optional<Member> switchoverCandidate(
      HaInput in, Cluster cluster, Failover failover) {
    long optime = in.pg().walPosition();
    return cluster.members().stream()
        .filter(m -> !m.name().equals(in.me()))
        .filter(m -> failover.member() == null || m.name().equals(failover.member()))
        .filter(m -> "running".equals(m.state()) && !m.tagView().nofailover())
        .filter(m -> m.apiUrl() != null)
        .filter(
            m ->
                m.xlogLocation() != null
                    && optime - m.xlogLocation() <= in.config().maximumLagOnFailover())
        .max(Comparator.comparingLong((Member m) -> m.xlogLocation()).thenComparing(Member::name));
  }

  private static Decision followTheLeader(
      HaInput in, Cluster cluster, LocalState pg, boolean paused) {
    String leaderName = cluster.leader().name();
    if (pg.isPrimary()) {
      if (paused) {
        return Decision.none("continue to run as primary without lock");
      }
      return Decision.demote(
          DemoteMode.IMMEDIATE_NOLOCK,
          "demoting self because I do not have the lock and I was a leader");
    }
    Member leader = cluster.member(leaderName).orElse(null);
    return Decision.of(Action.FOLLOW, noActionSecondary(in.me(), leaderName), leader);
  }

  private static String noActionSecondary(String me, String leader) {
    if (leader == null) {
      return "no action. I am (" + me + ")";
    }
    return "no action. I am (" + me + "), a secondary, and following a leader (" + leader + ")";
  }
}
