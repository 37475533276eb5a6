package io.hagent.common.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The member list of GET /cluster (§1.6), built from DCS data only, so that the agent's REST API
 * and hactl's {@code list} render the same view.
 */
public final class ClusterView {

  private ClusterView() {}

  /**
   * {@code {"members": [...sorted by name], ["pause": true], ["scheduled_switchover": {...}]}}; the
   * caller adds {@code scope}.
   */
  public static Map<String, Object> toJson(Cluster cluster) {
    Map<String, Object> config = cluster.config() == null ? Map.of() : cluster.config();
    boolean standbyCluster = isStandbyCluster(config.get("standby_cluster"));
    String syncMode = synchronousMode(config.get("synchronous_mode"));
    String leaderName = cluster.leader() == null ? null : cluster.leader().name();
    long clusterLsn = cluster.status() == null ? 0 : cluster.status().optime();

    List<Map<String, Object>> members = new ArrayList<>();
    for (Member m : cluster.members()) {
      members.add(memberJson(m, leaderName, standbyCluster, syncMode, cluster.sync(), clusterLsn));
    }
    members.sort(Comparator.comparing(m -> (String) m.get("name")));

    Map<String, Object> out = new LinkedHashMap<>();
    out.put("members", members);
    if (cluster.isPaused()) {
      out.put("pause", true);
    }
    Failover f = cluster.failover();
    if (f != null && f.scheduledAt() != null) {
      Map<String, Object> sw = new LinkedHashMap<>();
      sw.put("at", f.scheduledAt());
      if (f.leader() != null) {
        sw.put("from", f.leader());
      }
      if (f.member() != null) {
        sw.put("to", f.member());
      }
      out.put("scheduled_switchover", sw);
    }
    return out;
  }

  private static Map<String, Object> memberJson(
      Member m,
      String leaderName,
      boolean standbyCluster,
      String syncMode,
      SyncState sync,
      long clusterLsn) {
    boolean isLeader = m.name().equals(leaderName);
    String role;
    if (isLeader) {
      role = standbyCluster ? "standby_leader" : "leader";
    } else if (syncMode != null && sync != null && sync.matches(m.name())) {
      role = "quorum".equals(syncMode) ? "quorum_standby" : "sync_standby";
    } else {
      role = "replica";
    }
    String state = m.state() == null ? "" : m.state();
    if (!"leader".equals(role) && m.replicationState() != null && !m.replicationState().isEmpty()) {
      state = m.replicationState();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", m.name());
    out.put("role", role);
    out.put("state", state);
    out.put("api_url", m.apiUrl());
    HostPort hp = m.hostPort();
    if (hp != null && hp.host() != null && !hp.host().isEmpty()) {
      out.put("host", hp.host());
      out.put("port", hp.port());
    }
    for (String key :
        List.of("timeline", "pending_restart", "pending_restart_reason", "scheduled_restart")) {
      if (m.data().containsKey(key)) {
        out.put(key, m.data().get(key));
      }
    }
    if (m.data().containsKey("tags")) {
      out.put("tags", m.data().get("tags"));
    }
    if (!isLeader) {
      putLsn(out, "receive_lsn", "receive_lag", m.receiveLsn(), clusterLsn);
      putLsn(out, "replay_lsn", "replay_lag", m.replayLsn(), clusterLsn);
      putLsn(out, "lsn", "lag", m.xlogLocation(), clusterLsn);
    }
    return out;
  }

  private static void putLsn(
      Map<String, Object> out, String lsnKey, String lagKey, Long lsn, long clusterLsn) {
    if (lsn == null || lsn == 0) {
      out.put(lsnKey, "unknown");
      out.put(lagKey, "unknown");
    } else {
      out.put(lsnKey, formatLsn(lsn));
      out.put(lagKey, Math.max(0, clusterLsn - lsn));
    }
  }

  /** PostgreSQL's textual LSN, {@code X/X} in upper-case hex. */
  public static String formatLsn(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase()
        + "/"
        + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
  }

  /** A {@code standby_cluster} section describes a standby cluster if it names a source. */
  public static boolean isStandbyCluster(Object standbyCluster) {
    if (!(standbyCluster instanceof Map<?, ?> m)) {
      return false;
    }
    return present(m.get("host")) || present(m.get("port")) || present(m.get("restore_command"));
  }

  /** null (off), "on" or "quorum", from the raw {@code synchronous_mode} value. */
  private static String synchronousMode(Object value) {
    if (value == null) {
      return null;
    }
    if ("quorum".equals(String.valueOf(value))) {
      return "quorum";
    }
    return Tags.truthy(value) ? "on" : null;
  }

  private static boolean present(Object v) {
    return v != null && !v.toString().isEmpty() && !Boolean.FALSE.equals(v);
  }
}
