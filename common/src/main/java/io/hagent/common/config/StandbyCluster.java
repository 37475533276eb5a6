package io.hagent.common.config;

import io.hagent.common.cluster.ClusterView;
import io.hagent.common.cluster.Member;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dynamic config's {@code standby_cluster} section (§3.6): where the standby leader of a
 * standby cluster replicates from, and how. The leader follows it as a {@link #remoteMember()
 * remote member}, a {@link Member} that exists in no DCS, so that cloning, starting and following
 * go through the same effects as for a member of our own cluster.
 *
 * @param host remote host (may be a comma-separated list, as Patroni passes it to libpq); null: WAL
 *     archive only
 * @param port remote port, 5432 by default
 * @param primarySlotName the slot on the remote side; null: stream without a slot
 * @param recovery restore_command, archive_cleanup_command and recovery_min_apply_delay when set
 * @param createReplicaMethods how the standby leader is created (basebackup by default)
 */
public record StandbyCluster(
    String host,
    int port,
    String primarySlotName,
    Map<String, Object> recovery,
    List<String> createReplicaMethods) {

  /** The name of the remote member (Patroni's RemoteMember). */
  public static final String REMOTE_MEMBER = "remote_member";

  private static final String KEY = "standby_cluster";
  private static final List<String> RECOVERY_KEYS =
      List.of("restore_command", "archive_cleanup_command", "recovery_min_apply_delay");

  /** The active section of {@code dynamic}, or null for a normal cluster. */
  public static StandbyCluster of(DynamicConfig dynamic) {
    return dynamic == null || dynamic.raw() == null ? null : parse(dynamic.raw().get(KEY));
  }

  /** The section a {@link #remoteMember()} carries, or null for a member of our own cluster. */
  public static StandbyCluster of(Member member) {
    return member == null ? null : parse(member.data().get(KEY));
  }

  /** Parses a {@code standby_cluster} value; null when it does not describe a standby cluster. */
  public static StandbyCluster parse(Object section) {
    if (!ClusterView.isStandbyCluster(section) || !(section instanceof Map<?, ?> m)) {
      return null;
    }
    Object host = m.get("host");
    int port = 5432;
    if (m.get("port") != null && !String.valueOf(m.get("port")).isBlank()) {
      try {
        port = Integer.parseInt(String.valueOf(m.get("port")).trim());
      } catch (NumberFormatException e) {
        port = 5432;
      }
    }
    Map<String, Object> recovery = new LinkedHashMap<>();
    for (String key : RECOVERY_KEYS) {
      if (m.get(key) != null && !String.valueOf(m.get(key)).isEmpty()) {
        recovery.put(key, m.get(key));
      }
    }
    List<String> methods = new ArrayList<>();
    if (m.get("create_replica_methods") instanceof List<?> l) {
      l.forEach(x -> methods.add(String.valueOf(x)));
    }
    Object slot = m.get("primary_slot_name");
    return new StandbyCluster(
        host == null || String.valueOf(host).isBlank() ? null : String.valueOf(host),
        port,
        slot == null || String.valueOf(slot).isBlank() ? null : String.valueOf(slot),
        Map.copyOf(recovery),
        List.copyOf(methods));
  }

  /**
   * The remote side as a member: {@code conn_url} to host:port (none without a host), and this
   * section under {@code standby_cluster} so that the recovery settings know to use its slot.
   */
  public Member remoteMember() {
    Map<String, Object> data = new LinkedHashMap<>();
    if (host != null) {
      String h = host.contains(":") && !host.contains(",") ? "[" + host + "]" : host;
      data.put("conn_url", "postgres://" + h + ":" + port + "/postgres");
    }
    Map<String, Object> section = new LinkedHashMap<>(recovery);
    if (host != null) {
      section.put("host", host);
    }
    section.put("port", port);
    if (primarySlotName != null) {
      section.put("primary_slot_name", primarySlotName);
    }
    if (!createReplicaMethods.isEmpty()) {
      section.put("create_replica_methods", createReplicaMethods);
    }
    data.put(KEY, section);
    data.put("state", "running");
    data.put("role", "primary");
    return new Member(REMOTE_MEMBER, data, 0L);
  }
}
