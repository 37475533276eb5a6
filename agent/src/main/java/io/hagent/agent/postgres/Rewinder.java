package io.hagent.agent.postgres;

import io.hagent.common.cluster.HostPort;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.Credentials;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.PostgresqlConfig;
import java.io.IOException;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * pg_rewind (Patroni's {@code Rewind}): whether this data directory diverged from the leader's
 * timeline ({@link Divergence} decides from the facts gathered here), whether pg_rewind can be
 * used, crash recovery in single-user mode before it, and the rewind itself.
 */
final class Rewinder {
  private static final Logger LOG = LoggerFactory.getLogger(Rewinder.class);

  private final LocalInstance pg;
  private final ConfigWriter config;
  private final StateProbe probe;

  Rewinder(LocalInstance pg, ConfigWriter config, StateProbe probe) {
    this.pg = pg;
    this.config = config;
    this.probe = probe;
  }

  /** See {@link Postgres#checkDivergence}. */
  DivergenceCheck checkDivergence(Member leader) {
    HostPort target = leader == null ? null : leader.hostPort();
    if (target == null || !"primary".equals(leader.role())) {
      return DivergenceCheck.UNKNOWN;
    }
    int localTl;
    long localLsn;
    Divergence.LocalKind kind;
    Long checkpointEnd = null;
    if (pg.postmasterRunning()) {
      LocalState s = probe.probe();
      StandbyPosition here = s.isReplica() ? standbyPosition() : null;
      Integer tl = here == null ? null : here.timeline();
      Long lsn = here == null ? null : here.lsn();
      if (tl == null && "streaming".equals(s.replicationState())) {
        // Without a local replication connection (pg_hba), the timeline being streamed will do:
        // a standby that streams at all is not past the leader's fork, and if it streams an older
        // timeline the furthest position it holds still tells.
        tl = s.timeline();
        lsn = s.walPosition();
      }
      if (tl == null || lsn == null || lsn == 0) {
        return DivergenceCheck.UNKNOWN;
      }
      localTl = tl;
      localLsn = lsn;
      kind = Divergence.LocalKind.REPLICA;
    } else {
      ControlData cd = cleanControlData();
      if (cd == null) {
        return DivergenceCheck.UNKNOWN;
      }
      if ("shut down".equals(cd.state())) {
        kind = Divergence.LocalKind.FORMER_PRIMARY;
        localTl = cd.checkpointTimeline();
        localLsn = cd.checkpointLsn();
        checkpointEnd = pg.pgCtl().checkpointEnd(localLsn, localTl);
      } else {
        kind = Divergence.LocalKind.REPLICA;
        Integer tl = cd.minRecoveryTimeline();
        Long lsn = cd.minRecoveryLsn();
        boolean useCheckpoint = tl == null || tl == 0 || lsn == null || lsn == 0;
        localTl = useCheckpoint ? cd.checkpointTimeline() : tl;
        localLsn = useCheckpoint ? cd.checkpointLsn() : lsn;
      }
    }
    Credentials repl = pg.pg().replication();
    try (LocalConnection remote =
        new LocalConnection(target.host(), target.port(), pg.database(), repl, true)) {
      if (Boolean.TRUE.equals(
          remote.query("SELECT pg_catalog.pg_is_in_recovery() AS r").get(0).get("r"))) {
        LOG.info("Leader is still in_recovery and therefore can't be used for rewind");
        return DivergenceCheck.UNKNOWN;
      }
      int leaderTl =
          Integer.parseInt(String.valueOf(remote.query("IDENTIFY_SYSTEM").get(0).get("timeline")));
      String history = null;
      if (leaderTl > localTl) {
        history =
            String.valueOf(remote.query("TIMELINE_HISTORY " + leaderTl).get(0).get("content"));
      }
      boolean rewind =
          Divergence.needsRewind(localTl, localLsn, kind, checkpointEnd, leaderTl, history);
      LOG.info(
          "Local timeline={} lsn={}, leader timeline={}: {}",
          localTl,
          Lsn.format(localLsn),
          leaderTl,
          rewind ? "rewind needed" : "no rewind needed");
      return rewind ? DivergenceCheck.DIVERGED : DivergenceCheck.NOT_DIVERGED;
    } catch (SQLException | RuntimeException e) {
      LOG.warn("Could not check the timeline of {}: {}", leader.name(), e.getMessage());
      return DivergenceCheck.UNKNOWN;
    }
  }

  /** The furthest WAL a running standby holds, and the timeline of that position. */
  record StandbyPosition(int timeline, Long lsn) {}

  /**
   * IDENTIFY_SYSTEM over a local replication connection (as Patroni asks it): on a standby it
   * answers the furthest of the received-and-flushed and the replayed position, with that
   * position's timeline, a consistent pair. The replayed position alone is not enough: WAL received
   * from an old primary past the new leader's fork but not yet replayed (a standby frozen during a
   * failover replays it after the thaw) diverges all the same, and PostgreSQL then refuses the new
   * timeline for ever. SQL has no exact answer for the timeline: the WAL receiver's is absent or 0
   * while it is not streaming, and pg_control_checkpoint() lags behind the last restartpoint,
   * either of which would make a healthy standby look diverged. Null if it cannot be asked.
   */
  private StandbyPosition standbyPosition() {
    PostgresqlConfig section = pg.pg();
    try (LocalConnection local =
        new LocalConnection(
            section.localHost(), section.port(), pg.database(), section.replication(), true)) {
      var row = local.query("IDENTIFY_SYSTEM").get(0);
      return new StandbyPosition(
          Integer.parseInt(String.valueOf(row.get("timeline"))),
          Lsn.parse(String.valueOf(row.get("xlogpos"))));
    } catch (SQLException | RuntimeException e) {
      LOG.warn(
          "Can not fetch the local timeline over a replication connection: {}", e.getMessage());
      return null;
    }
  }

  /** Controldata after a crash recovery in single-user mode if the shutdown was unclean. */
  private ControlData cleanControlData() {
    ControlData cd = pg.pgCtl().controlData();
    if (cd.isEmpty()) {
      return null;
    }
    if (ControlData.UNCLEAN_STATES.contains(cd.state())) {
      LOG.info("doing crash recovery in a single user mode");
      try {
        ProcessRunner.Result r = pg.pgCtl().singleUserCrashRecovery(LocalInstance.LONG_RUNNING);
        if (!r.ok()) {
          LOG.error("Crash recovery finished with code={}: {}", r.exitCode(), r.tail());
          return null;
        }
      } catch (IOException e) {
        LOG.error("Crash recovery failed: {}", e.getMessage());
        return null;
      }
      cd = pg.pgCtl().controlData();
    }
    return cd;
  }

  /** See {@link Postgres#canRewind}. */
  boolean canRewind(DynamicConfig dynamic) {
    PostgresqlConfig section = pg.pg();
    boolean use = section.usePgRewind() != null ? section.usePgRewind() : dynamic.usePgRewind();
    if (!use) {
      return false;
    }
    if (!pg.pgCtl().rewindAvailable()) {
      LOG.warn("pg_rewind is not available");
      return false;
    }
    if (!pg.pgCtl().controlData().rewindable()) {
      LOG.warn("pg_rewind can not be used: wal_log_hints is off and data checksums are disabled");
      return false;
    }
    return true;
  }

  /** See {@link Postgres#rewind}. */
  boolean rewind(Member leader, DynamicConfig dynamic) {
    HostPort target = leader == null ? null : leader.hostPort();
    if (target == null) {
      return false;
    }
    if (pg.postmasterRunning()) {
      LOG.error("Can not run pg_rewind: PostgreSQL is running");
      return false;
    }
    if (cleanControlData() == null) {
      return false;
    }
    PostgresqlConfig section = pg.pg();
    Credentials rewinder = section.rewind() != null ? section.rewind() : section.superuser();
    try (LocalConnection remote =
        new LocalConnection(target.host(), target.port(), pg.database(), rewinder, false)) {
      // pg_rewind reads the leader's timeline from its pg_control, written by a checkpoint.
      remote.execute("CHECKPOINT", 60);
    } catch (SQLException e) {
      LOG.warn("Could not run CHECKPOINT on {}: {}", leader.name(), e.getMessage());
    }
    try {
      config.writePgpass(target);
    } catch (IOException e) {
      LOG.error("could not write pgpass: {}", e.getMessage());
      return false;
    }
    LOG.info("running pg_rewind from {}", leader.name());
    List<String> cmd =
        ProcessRunner.cmd(
            section.binary("pg_rewind"),
            "--target-pgdata=" + pg.dataDir(),
            "--source-server="
                + ConnInfo.dsn(target, pg.database(), rewinder, pg.pgpass(), pg.config().name()));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PGPASSFILE", pg.pgpass().toString());
    env.put("PGOPTIONS", "-c statement_timeout=0");
    ProcessRunner.Result r = pg.runner().run(cmd, env, LocalInstance.LONG_RUNNING, null);
    if (!r.ok()) {
      LOG.error("pg_rewind exited with code={}", r.exitCode());
      LOG.error("{}", r.tail());
      return false;
    }
    LOG.info("pg_rewind exited with code=0");
    try {
      config.write(false, leader, dynamic);
    } catch (IOException e) {
      LOG.error("could not write the configuration: {}", e.getMessage());
      return false;
    }
    return true;
  }
}
