package io.hagent.agent.postgres;

import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One snapshot of the local instance per call: the postmaster, one SQL round trip for the state of
 * a running server, pg_controldata only while it cannot answer. Notices a postmaster that vanished
 * behind our back ("crashed").
 */
final class StateProbe {
  private static final Logger LOG = LoggerFactory.getLogger(StateProbe.class);

  private static final String PROBE_SQL =
      "SELECT pg_catalog.pg_is_in_recovery() AS in_recovery,"
          + " CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL ELSE"
          + " pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_flush_lsn(), '0/0')::bigint"
          + " END AS flush_lsn,"
          + " CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL ELSE ('x' || substr("
          + "pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int"
          + " END AS wal_timeline,"
          + " pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_receive_lsn(), '0/0')::bigint"
          + " AS receive_lsn,"
          + " pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_replay_lsn(), '0/0')::bigint"
          + " AS replay_lsn,"
          + " current_setting('server_version_num')::int AS server_version,"
          + " pg_catalog.pg_postmaster_start_time() AS start_time,"
          + " CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_is_wal_replay_paused()"
          + " END AS replay_paused,"
          + " pg_catalog.pg_last_xact_replay_timestamp() AS replay_timestamp,"
          + " (SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()) AS checkpoint_timeline,"
          + " current_setting('restore_command') AS restore_command,"
          + " (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) AS sysid,"
          + " w.status AS receiver_status, w.received_tli,"
          + " pg_catalog.pg_wal_lsn_diff(w.latest_end_lsn, '0/0')::bigint AS latest_end_lsn"
          + " FROM (SELECT 1) AS one LEFT JOIN pg_catalog.pg_stat_wal_receiver w ON true";

  private static final String REPLICATION_SQL =
      "SELECT usename, application_name, client_addr::text AS client_addr, state, sync_state,"
          + " sync_priority FROM pg_catalog.pg_stat_replication ORDER BY pid";

  private final LocalInstance pg;
  private final ConfigWriter config;

  StateProbe(LocalInstance pg, ConfigWriter config) {
    this.pg = pg;
    this.config = config;
  }

  /** See {@link Postgres#probe}. */
  LocalState probe() {
    try {
      return doProbe();
    } catch (RuntimeException e) {
      LOG.warn("probing PostgreSQL failed: {}", e.toString());
      return LocalState.notRunning(pg.directory().state(), pg.state(), null, null, null);
    }
  }

  private LocalState doProbe() {
    LocalState.DataDirState dirState = pg.directory().state();
    // pg_controldata is a process start: read it only while PostgreSQL cannot answer (the probe
    // runs every cycle; a running server gives its system identifier through SQL).
    Supplier<ControlData> controlData =
        () ->
            dirState == LocalState.DataDirState.INITIALIZED
                ? pg.pgCtl().controlData()
                : ControlData.EMPTY;
    LocalConnection local = pg.local();
    if (!pg.postmasterRunning()) {
      ControlData cd = controlData.get();
      local.close();
      if (pg.expectRunning()) {
        pg.expectRunning(false);
        if ("running".equals(pg.state())) {
          LOG.warn("postmaster is not running any more");
          pg.state("crashed");
        }
      }
      return LocalState.notRunning(
          dirState, pg.state(), cd.checkpointTimeline(), cd.sysid(), cd.state());
    }
    Map<String, Object> row;
    List<Map<String, Object>> replication;
    Map<String, Object> pending = new TreeMap<>();
    try {
      row = local.query(PROBE_SQL).get(0);
      replication = local.query(REPLICATION_SQL);
      Map<String, String> written = config.written();
      for (Map<String, Object> p :
          local.query(
              "SELECT name, setting, unit, vartype FROM pg_catalog.pg_settings"
                  + " WHERE pending_restart")) {
        String name = String.valueOf(p.get("name"));
        String vartype = (String) p.get("vartype");
        String unit = (String) p.get("unit");
        Map<String, Object> reason = new LinkedHashMap<>();
        reason.put("old_value", GucUnits.humanReadable(p.get("setting"), vartype, unit));
        reason.put("new_value", GucUnits.humanReadable(written.get(name), vartype, unit));
        pending.put(name, reason);
      }
    } catch (SQLException e) {
      LOG.debug("query on local PostgreSQL failed: {}", e.getMessage());
      ControlData cd = controlData.get();
      return LocalState.notRunning(
          dirState, pg.state(), cd.checkpointTimeline(), cd.sysid(), cd.state());
    }
    pg.expectRunning(true);
    if (!"starting".equals(pg.state()) && !"stopping".equals(pg.state())) {
      pg.state("running");
    }
    boolean inRecovery = Boolean.TRUE.equals(row.get("in_recovery"));
    Integer timeline =
        inRecovery
            ? firstInt(row.get("received_tli"), row.get("checkpoint_timeline"))
            : firstInt(row.get("wal_timeline"), row.get("checkpoint_timeline"));
    String replicationState = null;
    if (inRecovery) {
      if ("streaming".equals(row.get("receiver_status"))) {
        replicationState = "streaming";
      } else if (row.get("restore_command") != null
          && !String.valueOf(row.get("restore_command")).isEmpty()) {
        replicationState = "in archive recovery";
      }
    }
    return new LocalState(
        dirState,
        true,
        pg.state(),
        inRecovery,
        timeline,
        asLong(row.get("flush_lsn")),
        asLong(row.get("receive_lsn")),
        asLong(row.get("replay_lsn")),
        asLong(row.get("latest_end_lsn")),
        replicationState,
        row.get("sysid") == null ? null : row.get("sysid").toString(),
        null,
        firstInt(row.get("server_version")),
        instant(row.get("start_time")),
        (Boolean) row.get("replay_paused"),
        instant(row.get("replay_timestamp")),
        List.copyOf(replication),
        !pending.isEmpty(),
        pending);
  }

  private static Long asLong(Object o) {
    return o instanceof Number n ? n.longValue() : null;
  }

  private static Integer firstInt(Object... values) {
    for (Object o : values) {
      if (o instanceof Number n) {
        return n.intValue();
      }
    }
    return null;
  }

  private static Instant instant(Object o) {
    return o instanceof Timestamp t ? t.toInstant() : null;
  }
}
