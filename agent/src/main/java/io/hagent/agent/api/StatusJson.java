package io.hagent.agent.api;

import io.hagent.agent.node.NodeSnapshot;
import io.hagent.agent.node.PythonTime;
import io.hagent.agent.node.Role;
import io.hagent.agent.postgres.LocalState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterView;
import io.hagent.common.cluster.SyncState;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.DynamicConfig;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The node status document of §1.3 (GET /patroni and the body of GET health checks), built from a
 * snapshot only. Peers read it during the leader race, so field names and order follow Patroni.
 */
public final class StatusJson {

  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private StatusJson() {}

  public static Map<String, Object> build(NodeSnapshot s) {
    LocalState pg = s.pg();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("state", state(s));
    boolean up = pg != null && pg.running();
    String role = role(s);
    if (up && pg.postmasterStartTime() != null) {
      out.put("postmaster_start_time", datetime(pg.postmasterStartTime()));
    }
    out.put("role", role);
    if (up && pg.serverVersion() != null) {
      out.put("server_version", pg.serverVersion());
    }
    if (up) {
      out.put("xlog", xlog(pg));
    }
    if (isSyncStandby(s)) {
      out.put("sync_standby", true);
    }
    if (isQuorumStandby(s)) {
      out.put("quorum_standby", true);
    }
    if (up && pg.timeline() != null) {
      out.put("timeline", pg.timeline());
    }
    if (up && pg.isReplica() && pg.replicationState() != null) {
      out.put("replication_state", pg.replicationState());
    }
    if (up && pg.replication() != null && !pg.replication().isEmpty()) {
      out.put("replication", pg.replication());
    }
    if (s.paused()) {
      out.put("pause", true);
    }
    if (s.cluster() == null || s.cluster().isUnlocked()) {
      out.put("cluster_unlocked", true);
    }
    if (s.failsafeActive()) {
      out.put("failsafe_mode_is_active", true);
    }
    out.put("dcs_last_seen", s.dcsLastSeenEpoch());
    Map<String, Object> tags = effectiveTags(s.tags());
    if (!tags.isEmpty()) {
      out.put("tags", tags);
    }
    if (pg != null && pg.sysid() != null) {
      out.put("database_system_identifier", pg.sysid());
    }
    if (pg != null && (pg.pendingRestart() || notEmpty(pg.pendingRestartReason()))) {
      out.put("pending_restart", true);
      out.put(
          "pending_restart_reason",
          pg.pendingRestartReason() == null ? Map.of() : pg.pendingRestartReason());
    }
    if (s.scheduledRestart() != null && !s.scheduledRestart().isEmpty()) {
      Map<String, Object> restart = new LinkedHashMap<>(s.scheduledRestart());
      // Internal bookkeeping (used to cancel a restart if PostgreSQL restarted meanwhile).
      restart.remove("postmaster_start_time");
      out.put("scheduled_restart", restart);
    }
    if (s.watchdogFailed()) {
      out.put("watchdog_failed", true);
    }
    Map<String, Object> patroni = new LinkedHashMap<>();
    patroni.put("version", s.version());
    patroni.put("scope", s.scope());
    patroni.put("name", s.name());
    out.put("patroni", patroni);
    return out;
  }

  /** Patroni's state string; {@code unknown} if the HA loop has not probed PostgreSQL yet. */
  static String state(NodeSnapshot s) {
    return s.pg() == null || s.pg().state() == null ? "unknown" : s.pg().state();
  }

  /**
   * primary/replica from pg_is_in_recovery() while PostgreSQL runs; a standby cluster's nodes keep
   * their internal role (standby_leader/replica); otherwise the internal role.
   */
  static String role(NodeSnapshot s) {
    return Role.published(s.pg(), s.role()).patroniName();
  }

  static boolean standbyCluster(NodeSnapshot s) {
    return s.config() != null
        && s.config().raw() != null
        && ClusterView.isStandbyCluster(s.config().raw().get("standby_cluster"));
  }

  static boolean isSyncStandby(NodeSnapshot s) {
    return listedInSync(s) && "on".equals(s.config().synchronousMode());
  }

  static boolean isQuorumStandby(NodeSnapshot s) {
    return listedInSync(s) && "quorum".equals(s.config().synchronousMode());
  }

  /** A replica that the {@code sync} key lists as a standby (not as the leader). */
  private static boolean listedInSync(NodeSnapshot s) {
    Cluster c = s.cluster();
    DynamicConfig cfg = s.config();
    if (c == null || cfg == null || !cfg.synchronous() || !"replica".equals(role(s))) {
      return false;
    }
    SyncState sync = c.sync();
    return sync != null && !s.name().equals(sync.leader()) && sync.matches(s.name());
  }

  private static Map<String, Object> xlog(LocalState pg) {
    Map<String, Object> x = new LinkedHashMap<>();
    if (pg.isPrimary()) {
      x.put("location", pg.flushLsn() == null ? 0L : pg.flushLsn());
    } else {
      Long replayed = pg.replayLsn() == null ? 0L : pg.replayLsn();
      x.put("received_location", pg.receiveLsn() != null ? pg.receiveLsn() : replayed);
      x.put("replayed_location", replayed);
      x.put(
          "replayed_timestamp",
          pg.replayedTimestamp() == null ? null : datetime(pg.replayedTimestamp()));
      x.put("paused", Boolean.TRUE.equals(pg.replayPaused()));
    }
    return x;
  }

  /**
   * Tags as Patroni publishes them: built-in booleans only when truthy, everything else as
   * configured.
   */
  public static Map<String, Object> effectiveTags(Map<String, Object> tags) {
    return tags == null ? new LinkedHashMap<>() : new Tags(tags).effective();
  }

  /** Python's {@code str(datetime)} with a UTC offset: microseconds omitted when zero. */
  public static String datetime(Instant t) {
    return PythonTime.datetime(t);
  }

  private static boolean notEmpty(Map<?, ?> m) {
    return m != null && !m.isEmpty();
  }
}
