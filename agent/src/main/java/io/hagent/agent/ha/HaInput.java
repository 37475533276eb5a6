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
        sync);
  }

  public HaInput withCluster(Cluster view) {
    return new HaInput(
        me, view, pg, config, tags, lock, peers, canBootstrap, now, rewind, local, busyWith, sync);
  }

  public HaInput busyWith(String action) {
    return new HaInput(
        me, cluster, pg, config, tags, lock, peers, canBootstrap, now, rewind, local, action, sync);
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
        status);
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
   */
  public record LocalSettings(
      int pgCtlTimeout, boolean removeOnRewindFailure, boolean removeOnDivergedTimelines) {
    public static final LocalSettings DEFAULTS = new LocalSettings(60, false, false);

    public static LocalSettings of(io.hagent.common.config.PostgresqlConfig pg) {
      return new LocalSettings(
          pg.pgCtlTimeout(),
          pg.removeDataDirectoryOnRewindFailure(),
          pg.removeDataDirectoryOnDivergedTimelines());
    }
  }
}
