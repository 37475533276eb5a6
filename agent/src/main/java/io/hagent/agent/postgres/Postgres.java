package io.hagent.agent.postgres;

import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
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
   * Creates a replica: pg_basebackup from {@code source} into the (empty) data directory, then
   * writes the standby configuration following {@code leader}. Does not start it.
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
   * Leader only: makes the set of physical replication slots equal {@code slotNames} (creates
   * missing ones, drops other physical slots that are not active).
   */
  void syncReplicationSlots(Set<String> slotNames);

  /** pg_controldata output as key -> value (empty if it cannot be read). */
  Map<String, String> controlData();

  /** The LSN of the latest checkpoint (from pg_controldata), for writing the final optime. */
  Long latestCheckpointLsn();

  enum StopMode {
    SMART,
    FAST,
    IMMEDIATE
  }
}
