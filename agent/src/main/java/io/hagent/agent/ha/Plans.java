package io.hagent.agent.ha;

import io.hagent.agent.callbacks.CallbackAction;
import io.hagent.agent.ha.Effect.ActivateWatchdog;
import io.hagent.agent.ha.Effect.Callback;
import io.hagent.agent.ha.Effect.Checkpoint;
import io.hagent.agent.ha.Effect.DeleteLeader;
import io.hagent.agent.ha.Effect.DisableWatchdog;
import io.hagent.agent.ha.Effect.ForgetLease;
import io.hagent.agent.ha.Effect.Log;
import io.hagent.agent.ha.Effect.PublishRole;
import io.hagent.agent.ha.Effect.ReleaseKeyAfterShutdown;
import io.hagent.agent.ha.Effect.RemoveDataDirectory;
import io.hagent.agent.ha.Effect.Rewind;
import io.hagent.agent.ha.Effect.Start;
import io.hagent.agent.ha.Effect.Stop;
import io.hagent.agent.ha.Plan.Kind;
import io.hagent.agent.node.Role;
import io.hagent.agent.postgres.Postgres.StopMode;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The effect sequences several situations share (start as a replica, promote, demote), with their
 * failure handling, as pure functions of the input. {@link HaDecision} picks the situation; these
 * spell out what it takes.
 */
final class Plans {
  private Plans() {}

  /**
   * on_stop after a primary's PostgreSQL stopped (Patroni runs it from stop() with the role it
   * had). The callbacks of §3.5 sit right after the effect they report on, so a failed start or
   * stop, which runs its fallback instead, calls nothing.
   */
  static final Callback STOPPED_PRIMARY = new Callback(CallbackAction.ON_STOP, Role.PRIMARY);

  /** Why a demotion happens (§5.5), and so how PostgreSQL stops and what happens to the key. */
  enum DemoteMode {
    /** Switchover: checkpoint, fast stop, publish the final LSN, release the key. */
    GRACEFUL,
    /** Crash failover: immediate stop, then release the key. */
    IMMEDIATE,
    /** Lost or never had the key: forget the lease, stop immediately. */
    IMMEDIATE_NOLOCK,
    /** DCS unreachable: stop, come back as a read-only replica of nobody. */
    OFFLINE;

    String logName() {
      return name().toLowerCase().replace('_', '-');
    }
  }

  /**
   * Stops being primary in {@code mode}. The role turns to demoted as soon as PostgreSQL is down so
   * that racing peers stop seeing a primary here.
   */
  static Plan demote(HaInput in, DemoteMode mode, String message) {
    Plan p =
        new Plan(Kind.DEMOTE, List.of(), message, Role.DEMOTED, List.of())
            .then(new Log("Demoting self (" + mode.logName() + ")"));
    return switch (mode) {
      case OFFLINE ->
          p.then(new Stop(StopMode.FAST, false, 60))
              .then(new DisableWatchdog())
              .then(STOPPED_PRIMARY)
              .then(new ForgetLease())
              .then(new PublishRole(Role.DEMOTED))
              .then(
                  new Start(false, null, in.local().pgCtlTimeout()),
                  Plan.of(Kind.DEMOTE, "failed to start postgres").withRole(Role.DEMOTED))
              .then(new Callback(CallbackAction.ON_ROLE_CHANGE, Role.REPLICA))
              .withRole(Role.REPLICA);
      case IMMEDIATE_NOLOCK ->
          p.then(new ForgetLease())
              .then(new Stop(StopMode.IMMEDIATE, false, 30))
              .then(new DisableWatchdog())
              .then(STOPPED_PRIMARY)
              .then(new PublishRole(Role.DEMOTED));
      case IMMEDIATE ->
          p.then(new Stop(StopMode.IMMEDIATE, false, 30))
              .then(new DisableWatchdog())
              .then(STOPPED_PRIMARY)
              .then(new ForgetLease())
              .then(new PublishRole(Role.DEMOTED))
              .then(new ReleaseKeyAfterShutdown());
      case GRACEFUL ->
          p.then(new Stop(StopMode.FAST, true, 60))
              .then(new DisableWatchdog())
              .then(STOPPED_PRIMARY)
              .then(new ForgetLease())
              .then(new PublishRole(Role.DEMOTED))
              .then(new ReleaseKeyAfterShutdown());
    };
  }

  /**
   * Graceful switchover to {@code candidate} (§5.5 graceful, §5.9): CHECKPOINT while still serving
   * so the shutdown checkpoint is short, stop, publish the final LSN, release the key, and come
   * back as a replica of the candidate. If PostgreSQL does not stop, we stay leader.
   */
  static Plan switchover(HaInput in, String kind, Member candidate) {
    String message = "switchover: demoted myself, following " + candidate.name();
    return new Plan(Kind.SWITCHOVER, List.of(), message, Role.REPLICA, List.of())
        .then(new Log(kind + ": demoting myself"))
        .then(new Log("Demoting self (graceful)"))
        .then(new Checkpoint())
        .then(
            new Stop(StopMode.FAST, false, 60),
            Plan.none("switchover: failed to stop PostgreSQL, staying leader"))
        .then(new DisableWatchdog())
        .then(STOPPED_PRIMARY)
        .then(new ForgetLease())
        .then(new PublishRole(Role.DEMOTED))
        .then(new ReleaseKeyAfterShutdown())
        .then(
            new Start(false, candidate, in.local().pgCtlTimeout()),
            Plan.of(Kind.START_REPLICA, "failed to start postgres").withRole(Role.DEMOTED))
        .then(new Callback(CallbackAction.ON_ROLE_CHANGE, Role.REPLICA));
  }

  /**
   * Starts the stopped PostgreSQL as a replica of {@code leader} (null: of nobody). A data
   * directory that diverged from the leader's timeline is rewound first, or removed to be cloned
   * again, or left alone, as the local settings say (§5.7, §5.10).
   */
  static Plan startReplica(HaInput in, String message, Member leader) {
    // A data directory last run as primary comes back in another role: on_role_change, as
    // Patroni's follow() after a demotion; otherwise a plain on_start.
    CallbackAction started =
        HaDecision.stoppedAsPrimary(in.pg())
            ? CallbackAction.ON_ROLE_CHANGE
            : CallbackAction.ON_START;
    Plan start =
        Plan.of(Kind.START_REPLICA, message)
            .withRole(Role.REPLICA)
            .then(
                new Start(false, SlotPlanner.followTarget(in, leader), in.local().pgCtlTimeout()),
                Plan.of(Kind.START_REPLICA, "failed to start postgres"))
            .then(new Callback(started, Role.REPLICA));
    if (leader == null || !in.rewind().needed()) {
      return start;
    }
    if (in.rewind().possible()) {
      Plan onFailure =
          in.local().removeOnRewindFailure()
              ? Plan.of(
                      Kind.REMOVE_DATA_DIRECTORY,
                      "removed data directory after a failed pg_rewind; it will be cloned again")
                  .then(new RemoveDataDirectory())
              : Plan.none("pg_rewind from " + leader.name() + " failed; not starting PostgreSQL");
      return new Plan(
              Kind.REWIND,
              List.of(),
              "running pg_rewind from " + leader.name(),
              Role.REPLICA,
              List.of())
          .then(new Rewind(leader), onFailure)
          .then(new Log("starting as a secondary"))
          .thenAll(start);
    }
    if (in.local().removeOnDivergedTimelines()) {
      return Plan.of(Kind.REMOVE_DATA_DIRECTORY, "reinitializing due to diverged timelines")
          .then(new RemoveDataDirectory());
    }
    return Plan.none(
        "local timeline diverged from leader "
            + leader.name()
            + " and pg_rewind is not possible (use_pg_rewind off or neither wal_log_hints nor"
            + " data checksums); not starting PostgreSQL");
  }

  /**
   * A running standby whose timeline forked off the leader's (typically the old primary after a
   * partition, back as a standby of nobody): streaming from the leader can never work, so
   * PostgreSQL is stopped and the data directory rewound or removed, as for a stopped one ({@link
   * #startReplica}). Without either, it keeps running and says why it cannot replicate.
   */
  static Plan rewindRunningReplica(HaInput in, Member leader) {
    Plan stopped = startReplica(in, "starting as a secondary", leader);
    if (stopped.steps().isEmpty()) {
      return Plan.of(
              Kind.FOLLOW,
              "local timeline diverged from leader "
                  + leader.name()
                  + " and neither pg_rewind nor"
                  + " remove_data_directory_on_diverged_timelines can be used; PostgreSQL keeps"
                  + " running but cannot replicate")
          .then(new Effect.Follow(leader));
    }
    return new Plan(stopped.kind(), List.of(), stopped.message(), stopped.role(), List.of())
        .then(new Log("Local timeline diverged from leader " + leader.name()))
        .then(
            new Stop(StopMode.FAST, false, in.local().pgCtlTimeout()),
            Plan.none("could not stop PostgreSQL to repair its diverged timeline; will retry"))
        .thenAll(stopped);
  }

  /** We hold the key and PostgreSQL is down: start it as primary, or give the key up. */
  static Plan startPrimary(HaInput in, String message) {
    return Plan.of(Kind.START_PRIMARY, message)
        .then(
            new Start(true, null, Math.max(in.config().primaryStartTimeout(), 1)),
            Plan.of(
                    Kind.RELEASE_LOCK,
                    "removed leader key after trying and failing to start postgres")
                .withRole(Role.DEMOTED)
                .then(new DeleteLeader()))
        .then(new Callback(CallbackAction.ON_START, Role.PRIMARY));
  }

  /**
   * Promotes the running standby: on success the role is primary at once and the timeline we left
   * goes into the history key; a failed promotion is retried next cycle.
   */
  static Plan promote(HaInput in, Plan.Kind kind, String message) {
    Cluster cluster = in.cluster();
    Plan p = new Plan(kind, List.of(), message, Role.PRIMARY, List.of());
    if (cluster == null || !cluster.isPaused()) {
      // the watchdog before the promotion (Patroni's enforce_primary_role; not in pause)
      p =
          p.then(
              new ActivateWatchdog(),
              Plan.of(
                      Kind.RELEASE_LOCK,
                      "Not promoting self because watchdog could not be activated")
                  .withRole(Role.REPLICA)
                  .then(new DeleteLeader()));
    }
    // synchronous mode: the sync key and synchronous_standby_names are set before promoting
    p = SyncGate.beforePromote(in, p);
    if (in.local().prePromote()) {
      // Patroni: a failing fencing script gives the key up and keeps this node out of the next
      // race for a TTL, so that another candidate takes over.
      p =
          p.then(
              new Effect.PrePromote(),
              Plan.of(
                      Kind.RELEASE_LOCK,
                      "Promotion cancelled because the pre-promote script failed")
                  .then(
                      new Log(
                          "Releasing the leader key voluntarily because the pre-promote script"
                              + " failed"))
                  .then(new DeleteLeader()));
    }
    return p.then(
            new Effect.Promote(Math.max(in.config().loopWait(), 10)),
            Plan.none("failed to promote; will retry"))
        .then(new PublishRole(Role.PRIMARY))
        .then(new Callback(CallbackAction.ON_ROLE_CHANGE, Role.PRIMARY))
        .then(
            new Effect.RecordHistory(
                cluster == null ? List.of() : cluster.history(), in.pg().walPosition()));
  }

  /**
   * The leader that already runs as primary makes sure its watchdog is active (Patroni's
   * enforce_primary_role): {@code plan} as is when it is, else activate first and demote at once if
   * a required watchdog cannot be activated. Not in pause: hagent does not fence then, so the
   * watchdog is closed and stays closed until the cluster resumes.
   */
  static Plan withWatchdog(HaInput in, Plan plan) {
    if (in.watchdog().active() || (in.cluster() != null && in.cluster().isPaused())) {
      return plan;
    }
    return new Plan(plan.kind(), List.of(), plan.message(), plan.role(), plan.notes())
        .then(
            new ActivateWatchdog(),
            demote(
                in, DemoteMode.IMMEDIATE, "Demoting self because watchdog could not be activated"))
        .thenAll(plan);
  }

  /** §6.1: a physical slot for each member that streams from us. */
  static Set<String> memberSlots(String me, Cluster cluster) {
    Set<String> names = new LinkedHashSet<>();
    Set<String> memberNames = new LinkedHashSet<>();
    cluster.members().forEach(m -> memberNames.add(m.name()));
    for (Member m : cluster.members()) {
      if (m.name().equals(me) || m.tagView().nostream()) {
        continue;
      }
      String from = m.tagView().replicatefrom();
      if (from == null || from.equals(me) || !memberNames.contains(from)) {
        names.add(io.hagent.agent.postgres.SlotNames.slotName(m.name()));
      }
    }
    return names;
  }

  /** POST /restart: stop fast and start again in the same role (§1.7). */
  static Plan restart(boolean asPrimary, Member leader, int timeoutSeconds) {
    // only on_restart, as Patroni's restart() blocks the stop and start callbacks
    return Plan.of(Kind.RESTART, "restarted successfully")
        .then(new Stop(StopMode.FAST, false, 120), Plan.none("restart failed"))
        .then(
            new Start(asPrimary, asPrimary ? null : leader, timeoutSeconds),
            Plan.none("restart failed"))
        .then(new Callback(CallbackAction.ON_RESTART, asPrimary ? Role.PRIMARY : Role.REPLICA));
  }

  /** POST /reinitialize: stop, move the data directory aside; the next cycle clones anew. */
  static Plan reinitialize() {
    return Plan.of(Kind.REINITIALIZE, "reinitialize: data directory removed")
        .withRole(Role.UNINITIALIZED)
        .then(new Stop(StopMode.IMMEDIATE, false, 60))
        .then(new Callback(CallbackAction.ON_STOP, Role.REPLICA))
        .then(
            new RemoveDataDirectory(),
            Plan.none("reinitialize failed: could not remove the data directory"));
  }

  /**
   * SIGTERM (§5.12): stop PostgreSQL fast; a leader then gives its key up at once (with the final
   * LSN) so another node takes over without waiting for the lease. A leader whose PostgreSQL does
   * not stop keeps the key.
   */
  static Plan shutdown(boolean leader, int timeoutSeconds) {
    Stop stop = new Stop(StopMode.FAST, false, timeoutSeconds);
    if (!leader) {
      return Plan.of(Kind.SHUTDOWN, "stopped PostgreSQL")
          .then(stop, Plan.none("PostgreSQL shutdown failed"))
          .then(new Callback(CallbackAction.ON_STOP, Role.REPLICA));
    }
    return Plan.of(Kind.SHUTDOWN, "Leader key released")
        .then(stop, Plan.none("PostgreSQL shutdown failed, leader key not removed."))
        .then(new DisableWatchdog())
        .then(STOPPED_PRIMARY)
        .then(new ReleaseKeyAfterShutdown(), Plan.none("could not release the leader key"));
  }
}
