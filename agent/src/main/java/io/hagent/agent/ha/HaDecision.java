package io.hagent.agent.ha;

import io.hagent.agent.callbacks.CallbackAction;
import io.hagent.agent.ha.Effect.AcquireLeader;
import io.hagent.agent.ha.Effect.CancelTask;
import io.hagent.agent.ha.Effect.ClaimInitialize;
import io.hagent.agent.ha.Effect.ClearFailover;
import io.hagent.agent.ha.Effect.DeleteLeader;
import io.hagent.agent.ha.Effect.ExitFatal;
import io.hagent.agent.ha.Effect.FinishBootstrap;
import io.hagent.agent.ha.Effect.Follow;
import io.hagent.agent.ha.Effect.InitDb;
import io.hagent.agent.ha.Effect.Log;
import io.hagent.agent.ha.Effect.RemoveDataDirectory;
import io.hagent.agent.ha.Effect.Stop;
import io.hagent.agent.ha.Effect.SyncSlots;
import io.hagent.agent.ha.Effect.WakeLoop;
import io.hagent.agent.ha.Effect.WriteInitialize;
import io.hagent.agent.ha.Plan.Kind;
import io.hagent.agent.ha.Plans.DemoteMode;
import io.hagent.agent.node.Role;
import io.hagent.agent.postgres.LocalState;
import io.hagent.agent.postgres.LocalState.DataDirState;
import io.hagent.agent.postgres.Postgres.StopMode;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Failover;
import io.hagent.common.cluster.Member;
import io.hagent.common.json.Json;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The HA decision of one cycle (§5.2-§5.9) as a pure function: no I/O, no clock, no state. The same
 * input always gives the same {@link Plan}, and every choice that depends on an effect's result is
 * part of that plan, so every row of the spec is a table test. The leader race lives in {@link
 * LeaderRace}, a leader's handling of switchover requests in {@link ManualFailover}, the effect
 * sequences in {@link Plans}.
 */
public final class HaDecision {

  /** Control-data states of a cluster that was running as a primary when it stopped. */
  private static final Set<String> PRIMARY_CONTROL_STATES =
      Set.of("in production", "in crash recovery", "shutting down", "shut down");

  private HaDecision() {}

  /** Whether the (stopped) data directory was last run as a primary, by its control data. */
  static boolean stoppedAsPrimary(LocalState pg) {
    return pg.controlState() != null && PRIMARY_CONTROL_STATES.contains(pg.controlState());
  }

  public static Plan decide(HaInput in) {
    Cluster cluster = in.cluster();
    LocalState pg = in.pg();
    boolean paused = cluster != null ? cluster.isPaused() : in.config().pause();

    if (in.busyWith() != null) {
      return longActionInProgress(in, paused);
    }
    if (cluster == null) {
      return dcsUnreachable(in, pg, paused);
    }
    if (pg.dataDir() == DataDirState.EMPTY) {
      return emptyDataDirectory(in, cluster, paused);
    }
    if (pg.dataDir() == DataDirState.INVALID) {
      return Plan.none(
          "data dir for the cluster is not empty, but system ID is invalid; consider doing"
              + " reinitialize");
    }
    Plan sysid = checkSystemId(in, cluster, pg);
    if (sysid != null) {
      return sysid;
    }
    if (!pg.running()) {
      return postgresNotRunning(in, cluster, pg, paused);
    }
    if (cluster.isUnlocked()) {
      return LeaderRace.unlockedCluster(in, cluster, pg, paused);
    }
    if (in.lock() != LockState.NOT_HOLDER) {
      return holdingTheLock(in, cluster, pg, paused);
    }
    return followTheLeader(in, cluster, pg, paused);
  }

  /**
   * A background task (clone, rewind, start, restart, bootstrap) owns PostgreSQL. The lock was
   * already renewed this cycle; a primary that lost it cancels the task and stops at once, as
   * Patroni does, so a slow restart can never leave a writable primary without the lock.
   */
  private static Plan longActionInProgress(HaInput in, boolean paused) {
    String action = in.busyWith();
    if (in.lock() == LockState.HELD) {
      return Plan.none("updated leader lock during " + action);
    }
    if (in.cluster() == null && FailsafeDecision.keepsLeader(in, paused)) {
      // the DCS is out of reach but every member accepted this cycle's POST /failsafe: the task
      // goes on and the primary stays, as it would without the task
      return Plan.none(FailsafeDecision.CONTINUE);
    }
    boolean wasPrimary = in.pg().isPrimary() || in.lock() == LockState.LOST;
    if (!paused && wasPrimary && !action.equals("bootstrap")) {
      return new Plan(
              Kind.DEMOTE, List.of(), "lost leader lock during " + action, Role.DEMOTED, List.of())
          .then(new Log("Demoting primary during " + action))
          .then(new CancelTask())
          .then(new Effect.ForgetLease())
          .then(new Stop(StopMode.IMMEDIATE, false, 30))
          .then(Plans.STOPPED_PRIMARY);
    }
    if (in.cluster() != null && in.cluster().isUnlocked()) {
      return Plan.none("not healthy enough for leader race");
    }
    return Plan.none(action + " in progress");
  }

  private static Plan dcsUnreachable(HaInput in, LocalState pg, boolean paused) {
    Plan failsafe = FailsafeDecision.onDcsError(in, paused);
    if (failsafe != null) {
      return failsafe;
    }
    if (!paused && pg.isPrimary()) {
      return Plans.demote(
          in, DemoteMode.OFFLINE, "demoted self because DCS is not accessible and I was a leader");
    }
    return Plan.none("DCS is not accessible");
  }

  private static Plan emptyDataDirectory(HaInput in, Cluster cluster, boolean paused) {
    if (in.lock() != LockState.NOT_HOLDER) {
      return Plan.of(
              Kind.RELEASE_LOCK,
              "released leader key voluntarily as data dir empty and currently leader")
          .then(new DeleteLeader());
    }
    if (paused) {
      return Plan.none("running with empty data directory");
    }
    Optional<Member> leader = cluster.leaderMember();
    if (leader.isPresent()) {
      Member source = cloneSource(in, cluster).orElse(leader.get());
      String from = (source == leader.get() ? "leader '" : "replica '") + source.name() + "'";
      return Plan.of(Kind.CLONE, "trying to bootstrap from " + from)
          .withRole(Role.REPLICA)
          .then(
              new Effect.Clone(source, leader.get()),
              Plan.of(Kind.CLONE, "failed to bootstrap from " + from)
                  .withRole(Role.UNINITIALIZED)
                  .then(new RemoveDataDirectory()))
          .then(
              new Effect.Start(false, leader.get(), in.local().pgCtlTimeout()),
              Plan.of(Kind.START_REPLICA, "failed to start postgres"))
          .then(new Effect.Callback(CallbackAction.ON_START, Role.REPLICA))
          .then(new Log("bootstrapped from " + from));
    }
    Member remote = StandbyLeader.remote(in);
    if (remote != null
        && cluster.isUnlocked()
        && cluster.initialize() == null
        && in.canBootstrap()) {
      return StandbyLeader.bootstrap(in, remote);
    }
    if (cluster.isUnlocked() && cluster.initialize() == null && in.canBootstrap()) {
      return Plan.of(Kind.BOOTSTRAP, "trying to bootstrap a new cluster")
          .withRole(Role.PRIMARY)
          .then(new ClaimInitialize(), Plan.none("failed to acquire initialize lock"))
          .then(
              new InitDb(),
              Plan.of(Kind.EXIT_FATAL, "Failed to bootstrap cluster")
                  .withRole(Role.UNINITIALIZED)
                  .then(new Effect.CancelInitialize())
                  .then(new Stop(StopMode.IMMEDIATE, false, 30))
                  .then(new RemoveDataDirectory())
                  .then(new ExitFatal("Failed to bootstrap cluster")))
          .then(new FinishBootstrap())
          .then(new Effect.Callback(CallbackAction.ON_START, Role.PRIMARY))
          .then(new Log("initialized a new cluster"));
    }
    if (in.local().replicaWithoutLeader() && !"".equals(cluster.initialize())) {
      // no leader, but a create_replica_methods entry restores from a backup (no_leader);
      // "" is a bootstrap in progress elsewhere, as Patroni's concurrent_bootstrap
      return withoutLeader(in);
    }
    return Plan.none("waiting for leader to bootstrap");
  }

  private static Plan withoutLeader(HaInput in) {
    return Plan.of(Kind.CLONE, "trying to bootstrap (without leader)")
        .withRole(Role.REPLICA)
        .then(
            new Effect.Clone(null, null),
            Plan.of(Kind.CLONE, "failed to bootstrap (without leader)")
                .withRole(Role.UNINITIALIZED)
                .then(new RemoveDataDirectory()))
        .then(
            new Effect.Start(false, null, in.local().pgCtlTimeout()),
            Plan.of(Kind.START_REPLICA, "failed to start postgres"))
        .then(new Effect.Callback(CallbackAction.ON_START, Role.REPLICA))
        .then(new Log("bootstrapped (without leader)"));
  }

  /** A running replica tagged clonefrom (other than us and the leader), if any. */
  private static Optional<Member> cloneSource(HaInput in, Cluster cluster) {
    String leader = cluster.leader().name();
    return cluster.members().stream()
        .filter(m -> !m.name().equals(in.me()) && !m.name().equals(leader))
        .filter(m -> m.tagView().clonefrom() && "running".equals(m.state()))
        .min(Comparator.comparing(Member::name));
  }

  private static Plan checkSystemId(HaInput in, Cluster cluster, LocalState pg) {
    if (pg.sysid() == null) {
      return null;
    }
    if (cluster.hasValidSysid() && !cluster.initialize().equals(pg.sysid())) {
      return fatal(
          "system ID mismatch, node "
              + in.me()
              + " belongs to a different cluster: "
              + cluster.initialize()
              + " != "
              + pg.sysid());
    }
    if (cluster.initialize() == null && cluster.isUnlocked()) {
      if (pg.isReplica()) {
        return fatal(
            "No initialize key in DCS and PostgreSQL is running as replica, aborting start");
      }
      return Plan.of(
              Kind.ADOPT_SYSID,
              "No initialize key in DCS, adopting the existing data directory (system ID "
                  + pg.sysid()
                  + ")")
          .then(new WriteInitialize(pg.sysid()));
    }
    return null;
  }

  private static Plan fatal(String message) {
    return Plan.of(Kind.EXIT_FATAL, message).then(new ExitFatal(message));
  }

  private static Plan postgresNotRunning(
      HaInput in, Cluster cluster, LocalState pg, boolean paused) {
    boolean holder = in.lock() == LockState.HELD;
    if (paused) {
      if (holder) {
        return Plan.of(Kind.RELEASE_LOCK, "removed leader lock because postgres is not running")
            .then(new DeleteLeader());
      }
      return Plan.none("postgres is not running");
    }
    Member remote = StandbyLeader.remote(in);
    if (holder && remote != null) {
      return StandbyLeader.start(in, remote);
    }
    if (holder) {
      if (stoppedAsPrimary(pg)) {
        // §5.7 step 1: primary_start_timeout 0 means "fail over at once rather than restart".
        if (in.config().primaryStartTimeout() == 0 && failoverPossible(in, cluster)) {
          return Plans.demote(
                  in, DemoteMode.IMMEDIATE, "stopped PostgreSQL to fail over after a crash")
              .withNotes(List.of("Primary crashed. Failing over."));
        }
        return Plans.startPrimary(in, "starting primary after failure");
      }
      return Plans.startReplica(in, "starting as readonly because i had the session lock", null);
    }
    Member leader = cluster.leaderMember().filter(m -> !m.name().equals(in.me())).orElse(null);
    return Plans.startReplica(in, "starting as a secondary", leader);
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

  private static Plan holdingTheLock(HaInput in, Cluster cluster, LocalState pg, boolean paused) {
    if (in.lock() == LockState.LOST) {
      if (pg.isPrimary()) {
        if (paused) {
          return Plan.none("continue to run as primary after failing to update leader lock in DCS");
        }
        return Plans.demote(
            in,
            DemoteMode.IMMEDIATE_NOLOCK,
            "demoted self because failed to update leader lock in DCS");
      }
      return Plan.none("not promoting because failed to update leader lock in DCS");
    }
    Member remote = StandbyLeader.remote(in);
    if (remote != null) {
      return StandbyLeader.leader(in, remote);
    }
    if (!pg.isPrimary()) {
      Failover f = cluster.failover();
      if (paused && f != null && in.me().equals(f.member())) {
        return Plan.none("waiting to become primary after promote...");
      }
      if (paused) {
        return Plan.of(
                Kind.RELEASE_LOCK, "removed leader lock because postgres is not running as primary")
            .then(new DeleteLeader());
      }
      return Plans.promote(
          in, Kind.PROMOTE, "promoted self to leader because I had the session lock");
    }
    Plan failover = ManualFailover.leaderHandles(in, cluster, paused);
    if (failover != null) {
      return failover;
    }
    return SyncPlanner.addTo(noActionLeader(in), in);
  }

  /** The healthy leader's cycle (its status and slot upkeep is part of publishing). */
  static Plan noActionLeader(HaInput in) {
    return Plans.withWatchdog(
        in, Plan.none("no action. I am (" + in.me() + "), the leader with the lock"));
  }

  private static Plan followTheLeader(HaInput in, Cluster cluster, LocalState pg, boolean paused) {
    String leaderName = cluster.leader().name();
    if (pg.isPrimary()) {
      if (paused) {
        return Plan.none("continue to run as primary without lock");
      }
      return Plans.demote(
          in,
          DemoteMode.IMMEDIATE_NOLOCK,
          StandbyLeader.remote(in) != null
              ? "cannot be a real primary in a standby cluster"
              : "demoting self because I do not have the lock and I was a leader");
    }
    Member leader = cluster.member(leaderName).orElse(null);
    if (leader != null && !paused && in.rewind().needed()) {
      return Plans.rewindRunningReplica(in, leader);
    }
    String message = noActionSecondary(in.me(), leaderName);
    if (StandbyLeader.remote(in) != null) {
      message = message.replace("following a leader", "following a standby leader");
    }
    Plan p = Plan.of(Kind.FOLLOW, message);
    return leader == null || paused ? p : p.then(new Follow(SlotPlanner.followTarget(in, leader)));
  }

  static String noActionSecondary(String me, String leader) {
    if (leader == null) {
      return "no action. I am (" + me + ")";
    }
    return "no action. I am (" + me + "), a secondary, and following a leader (" + leader + ")";
  }

  /**
   * The race for the leader key once it is won or lost (§5.6): the winner clears a switchover
   * request, prepares slots and promotes; the loser that runs as primary stops at once, any other
   * loser follows the winner on the next cycle, which it asks for at once.
   */
  static Plan acquire(HaInput in, Kind kind, List<String> notes) {
    Cluster cluster = in.cluster();
    LocalState pg = in.pg();
    boolean paused = cluster.isPaused();
    Plan lost =
        pg.isPrimary() && !paused
            ? new Plan(
                    Kind.DEMOTE,
                    List.of(),
                    "demoted self after trying and failing to obtain lock",
                    Role.DEMOTED,
                    List.of())
                .then(new Stop(StopMode.IMMEDIATE, false, 30))
                .then(Plans.STOPPED_PRIMARY)
            : Plan.of(Kind.FOLLOW, "following new leader after trying and failing to obtain lock")
                .then(new WakeLoop());
    Member remote = StandbyLeader.remote(in);
    Plan won =
        remote != null
            ? StandbyLeader.won(in, remote, kind)
            : pg.isPrimary()
                ? Plans.withWatchdog(in, Plan.of(kind, "acquired session lock as a leader"))
                : Plans.promote(in, kind, "promoted self to leader by acquiring session lock");
    Plan p =
        new Plan(kind, List.of(), won.message(), won.role(), notes).then(new AcquireLeader(), lost);
    if (in.config().useSlots()) {
      // Before promoting, so that replicas re-pointed at us find their slot on first connect.
      p = p.then(new SyncSlots(Plans.memberSlots(in.me(), cluster)));
    }
    Failover failover = cluster.failover();
    if (failover != null && !failover.isEmpty()) {
      if (paused && failover.leader() != null && failover.member() != null) {
        p =
            p.then(new Log("Updating failover key after acquiring leader lock..."))
                .then(
                    new Effect.SetFailover(
                        Json.write(Map.of("member", failover.member())), failover.modRevision()));
      } else {
        p =
            p.then(new Log("Cleaning up failover key after acquiring leader lock..."))
                .then(new ClearFailover(null));
      }
    }
    return p.thenAll(won);
  }
}
