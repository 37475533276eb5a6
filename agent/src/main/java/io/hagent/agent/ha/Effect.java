package io.hagent.agent.ha;

import io.hagent.agent.callbacks.CallbackAction;
import io.hagent.agent.node.Role;
import io.hagent.agent.postgres.Postgres.StopMode;
import io.hagent.common.cluster.Member;
import java.util.List;
import java.util.Set;

/**
 * One thing a {@link Plan} asks the executor to do. Effects are values: the decision lists them,
 * {@link PlanExecutor} carries them out in order and decides nothing. An effect either succeeds or
 * fails; what to do on failure is part of the plan ({@link Plan.Step#onFailure}).
 *
 * <p>{@link #isLong()} effects (initdb, pg_basebackup, pg_rewind, starting PostgreSQL) and every
 * step after them run as a background task, so the loop keeps renewing the lock and publishing
 * progress while they run.
 */
public sealed interface Effect {

  /** Whether this effect may take long enough to run in the background. */
  default boolean isLong() {
    return false;
  }

  /** Logs a sentence at INFO (a result reached after earlier steps succeeded). */
  record Log(String message) implements Effect {}

  /** Creates the initialize key (the bootstrap race); fails when another node has it. */
  record ClaimInitialize() implements Effect {}

  /** Deletes the initialize key we created (bootstrap failed). */
  record CancelInitialize() implements Effect {}

  /** initdb, configuration, start as primary, roles, post_bootstrap (§5.11). */
  record InitDb() implements Effect {
    @Override
    public boolean isLong() {
      return true;
    }
  }

  /**
   * After initdb: writes the system ID into the initialize key, our member key, the dynamic config,
   * takes the leader key and writes an empty history.
   */
  record FinishBootstrap() implements Effect {}

  /** Writes the given system ID into a missing initialize key. */
  record WriteInitialize(String sysid) implements Effect {}

  /**
   * Creates a replica with create_replica_methods (pg_basebackup or a custom command) from {@code
   * source}, standby configuration following {@code leader}; both null: without a leader, by the
   * methods marked no_leader (restore from a backup).
   */
  record Clone(Member source, Member leader) implements Effect {
    @Override
    public boolean isLong() {
      return true;
    }
  }

  /** pg_rewind against {@code leader} (PostgreSQL is stopped). */
  record Rewind(Member leader) implements Effect {
    @Override
    public boolean isLong() {
      return true;
    }
  }

  /**
   * Starts PostgreSQL (as a replica following {@code follow} unless {@code asPrimary}) and waits up
   * to {@code timeoutSeconds} for it to accept connections.
   */
  record Start(boolean asPrimary, Member follow, int timeoutSeconds) implements Effect {
    @Override
    public boolean isLong() {
      return true;
    }
  }

  /** Stops PostgreSQL. */
  record Stop(StopMode mode, boolean checkpointFirst, int timeoutSeconds) implements Effect {}

  /** CHECKPOINT while still serving, so that the shutdown checkpoint is short. Never fails. */
  record Checkpoint() implements Effect {}

  /**
   * Starts the {@code postgresql.callbacks} script of {@code action} with {@code role} (§3.5) and
   * does not wait for it. Never fails: a missing or broken script is only logged.
   */
  record Callback(CallbackAction action, Role role) implements Effect {}

  /**
   * Runs the pre_promote fencing script and waits for it; fails on a non-zero exit, and the plan
   * then gives the leader key up (Patroni). Long: the loop keeps renewing the key meanwhile.
   */
  record PrePromote() implements Effect {
    @Override
    public boolean isLong() {
      return true;
    }
  }

  /** Promotes the running standby. */
  record Promote(int timeoutSeconds) implements Effect {}

  /** Points a running replica at {@code leader} (reload if primary_conninfo changed). */
  record Follow(Member leader) implements Effect {}

  /** Moves the data directory aside (re-clone on the next cycle). */
  record RemoveDataDirectory() implements Effect {}

  /** Races for the leader key (create-if-absent); fails when another node holds it. */
  record AcquireLeader() implements Effect {}

  /** Deletes our leader key and forgets the lease. */
  record DeleteLeader() implements Effect {}

  /** Forgets the lease in memory only (the key expires or was taken). */
  record ForgetLease() implements Effect {}

  /** Publishes the shutdown checkpoint LSN as the final optime, then deletes our leader key. */
  record ReleaseKeyAfterShutdown() implements Effect {}

  /**
   * Clears the failover key: compare-and-set on {@code modRevision} when known (a request we
   * judged), unconditionally when null (taking over after a switchover).
   */
  record ClearFailover(Long modRevision) implements Effect {}

  /** Writes the failover key (compare-and-set on {@code modRevision}). */
  record SetFailover(String json, long modRevision) implements Effect {}

  /** Cancels the background task in progress and waits for it to end. */
  record CancelTask() implements Effect {}

  /** Makes the physical replication slots equal {@code names} (leader only). */
  record SyncSlots(Set<String> names) implements Effect {}

  /**
   * Appends the timeline we just left to the history key (after a promotion), with the WAL position
   * we promoted at.
   */
  record RecordHistory(List<List<Object>> history, long switchLsn) implements Effect {}

  /**
   * Writes the {@code sync} key: compare-and-set on {@code modRevision} (0: only while it does not
   * exist), so a write based on a stale view fails instead of overwriting another primary's.
   */
  record WriteSync(String leader, List<String> standbys, int quorum, long modRevision)
      implements Effect {}

  /** Deletes the {@code sync} key (synchronous mode turned off). */
  record DeleteSync() implements Effect {}

  /**
   * Sets synchronous_standby_names on the primary (written to postgresql.conf, then reload); null
   * gives the parameter back to the configuration (the user's own value, if any).
   */
  record SetStandbyNames(String value) implements Effect {}

  /** Publishes {@code role} at once (REST API, member key), before the plan ends. */
  record PublishRole(Role role) implements Effect {}

  /** Asks for another cycle at once (e.g. to follow the winner of a lost race). */
  record WakeLoop() implements Effect {}

  /**
   * Activates the watchdog for this leader (§3.2); fails only when the mode is required and no safe
   * watchdog could be activated. Already active: nothing to do.
   */
  record ActivateWatchdog() implements Effect {}

  /**
   * Closes the watchdog cleanly now that PostgreSQL is stopped (Patroni's safepoint); refused while
   * PostgreSQL still runs as primary, which the watchdog must keep guarding.
   */
  record DisableWatchdog() implements Effect {}

  /** The agent cannot go on: it exits with status 1 after logging {@code message}. */
  record ExitFatal(String message) implements Effect {}
}
