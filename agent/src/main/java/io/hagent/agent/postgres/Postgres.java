package io.hagent.agent.postgres;

import io.hagent.agent.callbacks.CallbackAction;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
import io.hagent.common.config.SlotsConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Control of the local PostgreSQL: the only place that runs pg_ctl, initdb, pg_basebackup,
 * pg_rewind or SQL. Every method is bounded in time and reports failure by its result (and a log
 * line in Patroni's wording) rather than by throwing, so the HA loop can always go on deciding.
 * Passwords reach child processes only through the pgpass file (mode 0600) or the environment,
 * never a command line or a log.
 */
public interface Postgres {

  /** One snapshot of the local instance. Never throws; cheap enough to run every cycle. */
  LocalState probe();

  /**
   * Bootstraps a new cluster: initdb with bootstrap.initdb options, pg_hba, our postgresql.conf,
   * start as primary, create superuser/replication/rewind roles and bootstrap.users, run
   * post_bootstrap. Leaves PostgreSQL running as primary on success.
   */
  boolean bootstrap(DynamicConfig config);

  /**
   * Creates a replica with create_replica_methods, tried in order (pg_basebackup from {@code
   * source}, or a custom command), into the (empty) data directory, then writes the standby
   * configuration following {@code leader}. {@code source} null: no leader, only the methods marked
   * no_leader run. Does not start it.
   */
  boolean cloneFrom(Member source, Member leader, DynamicConfig config);

  /**
   * Writes postgresql.conf, pg_hba.conf, pgpass and (for a replica) standby.signal with
   * primary_conninfo for {@code follow} (null: a replica with nothing to follow), then starts the
   * postmaster and waits up to {@code timeoutSeconds} until it accepts connections.
   *
   * @param asPrimary false starts a standby (standby.signal present)
   */
  boolean start(boolean asPrimary, Member follow, DynamicConfig config, int timeoutSeconds);

  /** Stops PostgreSQL: FAST (SIGINT), IMMEDIATE (SIGQUIT) or SMART, after a CHECKPOINT if asked. */
  boolean stop(StopMode mode, boolean checkpointFirst, int timeoutSeconds);

  /** Promotes a running standby ({@code pg_ctl promote -w}); true once it is out of recovery. */
  boolean promote(int timeoutSeconds);

  /**
   * Makes a running replica follow {@code leader} (null: nothing): rewrites primary_conninfo /
   * primary_slot_name if they differ and reloads. True if something changed.
   */
  boolean follow(Member leader, DynamicConfig config);

  /** Applies changed parameters (reload; restart-only ones become pending_restart). */
  void applyConfig(DynamicConfig config);

  /**
   * Takes a reloaded local configuration (SIGHUP / POST /reload). If its {@code postgresql} section
   * changed and PostgreSQL runs, rewrites postgresql.conf, pg_hba.conf and the recovery settings
   * and reloads PostgreSQL: reloadable GUCs apply at once, restart-only ones show as
   * pending_restart. Settings read at start (data_dir, listen, bin_dir, pgpass) must be the running
   * ones.
   *
   * @throws IllegalArgumentException if one of those settings differs
   */
  void reconfigure(HagentConfig config, DynamicConfig dynamic);

  /**
   * Whether this data directory diverged from {@code leader}'s timeline and needs pg_rewind. A
   * running instance is asked for its replay timeline and position, a stopped one's pg_control is
   * read.
   */
  DivergenceCheck checkDivergence(Member leader);

  /** Whether pg_rewind can be used (use_pg_rewind and wal_log_hints or data checksums). */
  boolean canRewind(DynamicConfig config);

  /** Runs pg_rewind against {@code leader} (PostgreSQL must be stopped). */
  boolean rewind(Member leader, DynamicConfig config);

  /** Removes (moves aside) the data directory, e.g. before a re-clone. */
  boolean removeDataDirectory();

  /** Runs CHECKPOINT; false if it failed. */
  boolean checkpoint();

  /**
   * Creates the physical slots of {@code slotNames} that are missing, drops nothing: run just
   * before a promotion, so that replicas re-pointed at us find their slot on first connect (the
   * full upkeep of {@link #syncSlots} follows on the next leader cycle).
   */
  void syncReplicationSlots(Set<String> slotNames);

  /**
   * Makes the local replication slots match {@code desired} ({@link SlotDiff} rules): drops unknown
   * ones unless {@code ignore_slots} covers them or the cluster is paused, creates missing ones
   * (logical ones only on a primary), advances those nothing consumes here.
   *
   * @return what exists afterwards and which logical slots a replica must copy; {@link
   *     SlotSync#NONE} when the slots could not be read
   */
  default SlotSync syncSlots(
      Map<String, SlotSpec> desired,
      SlotsConfig config,
      boolean paused,
      boolean primary,
      boolean cleanInactive) {
    return SlotSync.NONE;
  }

  /**
   * A replica copies the state of {@code slots} from the primary {@code leader} (logical slots
   * cannot be created in recovery): reads the state files over a superuser connection, stops
   * PostgreSQL, writes them into pg_replslot and starts it again following {@code follow}.
   * PostgreSQL reads slots only at start, hence the restart (Patroni does the same).
   *
   * @return false if nothing could be copied or PostgreSQL did not come back
   */
  default boolean copyLogicalSlots(
      Member leader,
      Member follow,
      java.util.List<SlotSpec> slots,
      DynamicConfig config,
      int timeoutSeconds) {
    return false;
  }

  /**
   * catalog_xmin of the named slots on the primary {@code leader} (a slot without one maps to
   * null); null when the primary could not be asked.
   */
  default Map<String, Long> catalogXminOnPrimary(Member leader, java.util.List<String> names) {
    return null;
  }

  /**
   * The primary's synchronous replication status (§6.2), or null if it cannot be read. The default,
   * for instances that do not manage synchronous replication, reports nothing.
   */
  default SyncStatus syncStatus() {
    return null;
  }

  /**
   * This replica's WAL receiver, read over a connection of its own with a short timeout so that a
   * background detector can ask often without waiting for the HA loop's queries; null when it could
   * not be read (PostgreSQL down, starting, or not ours to ask).
   */
  default WalStream walStream() {
    return null;
  }

  /**
   * Makes synchronous_standby_names {@code value} (null: whatever the configuration says) in
   * postgresql.conf and reloads; no restart. False if it could not be written.
   */
  default boolean setSynchronousStandbyNames(String value, DynamicConfig config) {
    return false;
  }

  /** pg_controldata output as key -> value (empty if it cannot be read). */
  Map<String, String> controlData();

  /** The LSN of the latest checkpoint (from pg_controldata), for writing the final optime. */
  Long latestCheckpointLsn();

  /**
   * Starts the {@code action} callback of {@code postgresql.callbacks} for {@code role} (Patroni's
   * name) without waiting for it; nothing when none is configured. Defaults to nothing so that test
   * doubles need not care.
   */
  default void callback(CallbackAction action, String role) {}

  /** Runs pre_promote and waits; true when it is not configured or exited with 0. */
  default boolean prePromote() {
    return true;
  }

  /** Whether pre_promote failed less than {@code window} ago (keeps us out of the race). */
  default boolean prePromoteFailedWithin(Duration window) {
    return false;
  }

  enum StopMode {
    SMART,
    FAST,
    IMMEDIATE
  }
}
