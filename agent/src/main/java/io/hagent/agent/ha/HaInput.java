package io.hagent.agent.ha;

import io.hagent.agent.postgres.LocalState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.DynamicConfig;
import java.time.Instant;
import java.util.Map;

/**
 * Everything one HA decision is made from: gathered once per cycle by the loop.
 *
 * @param cluster the DCS view; null when the DCS could not be read this cycle
 * @param lock our relation to the leader key (after the holder's refresh attempt)
 * @param peers other members' /patroni answers, probed only when the cluster is unlocked
 * @param canBootstrap the config has a bootstrap section and this node may become primary
 * @param now wall clock, for scheduled switchovers
 * @param rewind whether the stopped data directory diverged from the leader's timeline
 * @param local this node's postgresql settings that decide how to start and recover
 * @param busyWith the background task in progress (Patroni's action name), or null
 * @param failsafe the leader's round of POST /failsafe calls this cycle (DCS unreachable, failsafe
 *     mode on, running primary), or null when none was made
 * @param raceBackoff what primary_race_backoff needs: whether our WAL moved since last cycle, and
 *     for how long the backoff has run
 * @param watchdog whether this node may lead as far as its watchdog goes (§3.2)
 * @param sync the primary's synchronous replication status, gathered only while this node holds the
 *     lock as a running primary (null otherwise)
 */
public record HaInput(
    String me,
    Cluster cluster,
    LocalState pg,
    DynamicConfig config,
    Tags tags,
    LockState lock,
    Map<String, PeerStatus> peers,
    boolean canBootstrap,
    Instant now,
    RewindCheck rewind,
    LocalSettings local,
    String busyWith,
    FailsafeCheck failsafe,
    RaceBackoff.Status raceBackoff,
    WatchdogView watchdog,
    io.hagent.agent.postgres.SyncStatus sync) {

  /** An input without rewind check, default local settings and no background task. */
  public HaInput(
      String me,
      Cluster cluster,
      LocalState pg,
      DynamicConfig config,
      Tags tags,
      LockState lock,
      Map<String, PeerStatus> peers,
      boolean canBootstrap,
      Instant now) {
    this(
        me,
        cluster,
        pg,
        config,
        tags,
        lock,
        peers,
        canBootstrap,
        now,
        RewindCheck.NOT_NEEDED,
        LocalSettings.DEFAULTS,
        null,
        null,
        RaceBackoff.Status.NONE,
        WatchdogView.READY,
        null);
  }

  public HaInput withRewind(RewindCheck check) {
    return new HaInput(
        me,
        cluster,
        pg,
        config,
        tags,
        lock,
        peers,
        canBootstrap,
        now,
        check,
        local,
        busyWith,
        failsafe,
        raceBackoff,
        watchdog,
        sync);
  }

  public HaInput withLocal(LocalSettings settings) {
    return new HaInput(
        me,
        cluster,
        pg,
        config,
        tags,
        lock,
        peers,
        canBootstrap,
        now,
        rewind,
        settings,
        busyWith,
        failsafe,
        raceBackoff,
        watchdog,
        sync);
  }

  public HaInput withCluster(Cluster view) {
    return new HaInput(
        me,
        view,
        pg,
        config,
        tags,
        lock,
        peers,
        canBootstrap,
        now,
        rewind,
        local,
        busyWith,
        failsafe,
        raceBackoff,
        watchdog,
        sync);
  }

  public HaInput busyWith(String action) {
    return new HaInput(
        me,
        cluster,
        pg,
        config,
        tags,
        lock,
        peers,
        canBootstrap,
        now,
        rewind,
        local,
        action,
        failsafe,
        raceBackoff,
        watchdog,
        sync);
  }

  public HaInput withWatchdog(WatchdogView view) {
    return new HaInput(
        me,
        cluster,
        pg,
        config,
        tags,
        lock,
        peers,
        canBootstrap,
        now,
        rewind,
        local,
        busyWith,
        failsafe,
        raceBackoff,
        view,
        sync);
  }

  public HaInput withSync(io.hagent.agent.postgres.SyncStatus status) {
    return new HaInput(
        me,
        cluster,
        pg,
        config,
        tags,
        lock,
        peers,
        canBootstrap,
        now,
        rewind,
        local,
        busyWith,
        failsafe,
        raceBackoff,
        watchdog,
        status);
  }

  public HaInput withFailsafe(FailsafeCheck check) {
    return new HaInput(
        me,
        cluster,
        pg,
        config,
        tags,
        lock,
        peers,
        canBootstrap,
        now,
        rewind,
        local,
        busyWith,
        check,
        raceBackoff,
        watchdog,
        sync);
  }

  public HaInput withRaceBackoff(RaceBackoff.Status status) {
    return new HaInput(
        me,
        cluster,
        pg,
        config,
        tags,
        lock,
        peers,
        canBootstrap,
        now,
        rewind,
        local,
        busyWith,
        failsafe,
        status,
        watchdog,
        sync);
  }

  /**
   * The watchdog as far as the decision needs it.
   *
   * @param usable this node may race for the leader key (false: mode required and no usable device,
   *     Patroni's "Watchdog device is not usable")
   * @param active the leader's watchdog is activated (or its mode needs no device)
   */
  public record WatchdogView(boolean usable, boolean active) {
    /** No watchdog concerns: what decisions were made on before the watchdog existed. */
    public static final WatchdogView READY = new WatchdogView(true, true);
  }

  /**
   * Whether the stopped data directory must be rewound before it can follow the leader.
   *
   * @param needed its timeline diverged from the leader's
   * @param possible pg_rewind can be used (use_pg_rewind, wal_log_hints or checksums, binary)
   */
  public record RewindCheck(boolean needed, boolean possible) {
    public static final RewindCheck NOT_NEEDED = new RewindCheck(false, false);
  }

  /**
   * The local {@code postgresql} settings the decision needs.
   *
   * @param pgCtlTimeout seconds to wait for PostgreSQL to start as a replica
   * @param removeOnRewindFailure remove_data_directory_on_rewind_failure
   * @param removeOnDivergedTimelines remove_data_directory_on_diverged_timelines
   * @param prePromote a pre_promote script is configured (it runs before every promotion)
   * @param prePromoteBackoff pre_promote failed less than a TTL ago: stay out of the leader race
   * @param replicaWithoutLeader a create_replica_methods entry works without a leader (no_leader)
   */
  public record LocalSettings(
      int pgCtlTimeout,
      boolean removeOnRewindFailure,
      boolean removeOnDivergedTimelines,
      boolean prePromote,
      boolean prePromoteBackoff,
      boolean replicaWithoutLeader) {
    public static final LocalSettings DEFAULTS = new LocalSettings(60, false, false);

    public LocalSettings(
        int pgCtlTimeout, boolean removeOnRewindFailure, boolean removeOnDivergedTimelines) {
      this(pgCtlTimeout, removeOnRewindFailure, removeOnDivergedTimelines, false, false, false);
    }

    public static LocalSettings of(io.hagent.common.config.HagentConfig config) {
      return of(config, false);
    }

    public static LocalSettings of(
        io.hagent.common.config.HagentConfig config, boolean prePromoteBackoff) {
      io.hagent.common.config.PostgresqlConfig pg = config.postgresql();
      return new LocalSettings(
          pg.pgCtlTimeout(),
          pg.removeDataDirectoryOnRewindFailure(),
          pg.removeDataDirectoryOnDivergedTimelines(),
          pg.prePromote() != null && !pg.prePromote().isBlank(),
          prePromoteBackoff,
          io.hagent.agent.postgres.ReplicaImaging.canCreateWithoutLeader(config));
    }
  }
}
