package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.HostPort;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The cluster as Patroni's {@code /cluster} endpoint describes it (§1.6): the roles as shown to
 * operators, the effective state and each replica's LSNs and lags against the leader's optime.
 */
record ClusterView(
    List<MemberView> members, boolean paused, String scheduledAt, String from, String to) {

  /**
   * @param lag bytes behind the cluster optime, or null when the LSN is unknown; leader: no LSNs
   */
  record MemberView(
      String name,
      String role,
      String state,
      String host,
      Integer port,
      Integer timeline,
      boolean isLeader,
      Long receiveLsn,
      Long receiveLag,
      Long replayLsn,
      Long replayLag,
      Member member) {}

  static ClusterView of(Cluster cluster) {
    DynamicConfig config = DynamicConfig.from(cluster.config());
    boolean standbyCluster = standbyClusterActive(cluster.config());
    String leaderName = cluster.leader() == null ? null : cluster.leader().name();
    long optime = cluster.status() == null ? 0 : cluster.status().optime();
    List<MemberView> views = new ArrayList<>();
    for (Member m : cluster.members()) {
      boolean isLeader = m.name().equals(leaderName);
      String role;
      if (isLeader) {
        role = standbyCluster ? "standby_leader" : "leader";
      } else if (config.synchronous()
          && cluster.sync() != null
          && cluster.sync().matches(m.name())) {
        role = "quorum".equals(config.synchronousMode()) ? "quorum_standby" : "sync_standby";
      } else {
        role = "replica";
      }
      String state =
          !"leader".equals(role) && notEmpty(m.replicationState())
              ? m.replicationState()
              : m.state();
      HostPort hp = m.hostPort();
      Long receive = isLeader ? null : m.receiveLsn();
      Long replay = isLeader ? null : m.replayLsn();
      views.add(
          new MemberView(
              m.name(),
              role,
              state == null ? "" : state,
              hp == null ? null : hp.host(),
              hp == null ? null : hp.port(),
              m.timeline(),
              isLeader,
              receive,
              receive == null ? null : Math.max(0, optime - receive),
              replay,
              replay == null ? null : Math.max(0, optime - replay),
              m));
    }
    views.sort(Comparator.comparing(MemberView::name));
    var failover = cluster.failover();
    boolean scheduled = failover != null && failover.scheduledAt() != null;
    return new ClusterView(
        List.copyOf(views),
        cluster.isPaused(),
        scheduled ? failover.scheduledAt() : null,
        scheduled ? failover.leader() : null,
        scheduled ? failover.member() : null);
  }

  static boolean standbyClusterActive(Map<String, Object> config) {
    if (config != null && config.get("standby_cluster") instanceof Map<?, ?> sc) {
      return sc.get("host") != null || sc.get("port") != null || sc.get("restore_command") != null;
    }
    return false;
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }

  /** {@code X/X} as PostgreSQL prints an LSN. */
  static String formatLsn(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase()
        + "/"
        + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
  }

  /** Bytes to MB the way Python's round() does it (half to even). */
  static long lagMb(long bytes) {
    return (long) Math.rint(bytes / 1048576.0);
  }
}
