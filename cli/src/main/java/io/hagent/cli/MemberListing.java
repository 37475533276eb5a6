package io.hagent.cli;

import io.hagent.cli.ClusterView.MemberView;
import io.hagent.common.cluster.Cluster;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The member table of {@code list} / {@code topology} (Patroni 4.1 columns, §2.2). */
final class MemberListing {
  private static final List<String> BASE =
      List.of(
          "Cluster",
          "Member",
          "Host",
          "Role",
          "State",
          "TL",
          "Receive LSN",
          "Receive Lag",
          "Replay LSN",
          "Replay Lag");
  private static final List<String> OPTIONAL =
      List.of("Pending restart", "Pending restart reason", "Scheduled restart", "Tags");
  private static final Set<String> RIGHT =
      Set.of("TL", "Receive LSN", "Receive Lag", "Replay LSN", "Replay Lag", "Lag", "Group");
  private static final int MAX_REASON = 50;

  private MemberListing() {}

  static void print(PrintWriter out, Cluster cluster, String name, boolean extended, String fmt) {
    ClusterView view = ClusterView.of(cluster);
    List<MemberView> members =
        "topology".equals(fmt) ? topologySort(view.members()) : view.members();
    boolean appendPort = appendPort(view.members());
    List<Map<String, Object>> values = new ArrayList<>();
    for (MemberView m : members) {
      values.add(rowValues(m, name, appendPort, "pretty".equals(fmt) || "topology".equals(fmt)));
    }
    List<String> columns = new ArrayList<>(BASE);
    for (String c : OPTIONAL) {
      if (extended
          || values.stream()
              .anyMatch(v -> !Output.str(v.get(c)).isEmpty() && !isEmptyMap(v.get(c)))) {
        columns.add(c);
      }
    }
    List<List<Object>> rows = new ArrayList<>();
    for (Map<String, Object> v : values) {
      rows.add(columns.stream().map(c -> v.getOrDefault(c, "")).toList());
    }
    Output.print(out, columns, rows, RIGHT, fmt, title(cluster, name));
    if ("pretty".equals(fmt) || "topology".equals(fmt)) {
      for (String info : serviceInfo(view)) {
        out.println(" " + info);
      }
    }
  }

  static String title(Cluster cluster, String name) {
    String init = cluster.initialize();
    String sysid = init == null ? "uninitialized" : init.isEmpty() ? "initializing" : init;
    return " Cluster: " + name + " (" + sysid + ") ";
  }

  private static Map<String, Object> rowValues(
      MemberView m, String cluster, boolean appendPort, boolean pretty) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("Cluster", cluster);
    v.put("Member", m.name());
    String host = m.host() == null ? "" : m.host();
    if (appendPort && m.host() != null && m.port() != null) {
      host = host + ":" + m.port();
    }
    v.put("Host", host);
    v.put("Role", title(m.role().replace('_', ' ')));
    v.put("State", m.state());
    v.put("TL", m.timeline() == null ? "" : m.timeline());
    if (!m.isLeader()) {
      v.put(
          "Receive LSN",
          m.receiveLsn() == null ? "unknown" : ClusterView.formatLsn(m.receiveLsn()));
      v.put("Receive Lag", m.receiveLag() == null ? "" : ClusterView.lagMb(m.receiveLag()));
      v.put("Replay LSN", m.replayLsn() == null ? "unknown" : ClusterView.formatLsn(m.replayLsn()));
      v.put("Replay Lag", m.replayLag() == null ? "" : ClusterView.lagMb(m.replayLag()));
    }
    Map<String, Object> data = m.member().data();
    v.put("Pending restart", m.member().pendingRestart() ? "*" : "");
    String reason = pendingReason(data.get("pending_restart_reason"));
    v.put(
        "Pending restart reason",
        pretty && reason.length() > MAX_REASON ? "[hidden - too long]" : reason);
    v.put("Scheduled restart", scheduledRestart(data.get("scheduled_restart")));
    Map<String, Object> tags = m.member().tags();
    v.put("Tags", tags.isEmpty() ? "" : tags);
    return v;
  }

  private static boolean isEmptyMap(Object o) {
    return o instanceof Map<?, ?> m && m.isEmpty();
  }

  /** Ports are shown when any member is not on 5432 or two members share a host. */
  private static boolean appendPort(List<MemberView> members) {
    Set<String> hosts = new HashSet<>();
    boolean otherPort = false;
    for (MemberView m : members) {
      hosts.add(String.valueOf(m.host()));
      otherPort |= m.port() != null && m.port() != 5432;
    }
    return otherPort || hosts.size() < members.size();
  }

  private static String pendingReason(Object reason) {
    if (!(reason instanceof Map<?, ?> m) || m.isEmpty()) {
      return "";
    }
    List<String> lines = new ArrayList<>();
    m.forEach(
        (k, v) -> {
          if (v instanceof Map<?, ?> change) {
            lines.add(
                k
                    + ": "
                    + Output.str(change.get("old_value"))
                    + "->"
                    + Output.str(change.get("new_value")));
          } else {
            lines.add(k + ": " + Output.str(v));
          }
        });
    return String.join("\n", lines);
  }

  private static String scheduledRestart(Object restart) {
    if (!(restart instanceof Map<?, ?> m) || m.get("schedule") == null) {
      return "";
    }
    String value = m.get("schedule").toString();
    if (m.get("postgres_version") != null) {
      value += " if version < " + m.get("postgres_version");
    }
    return value;
  }

  /** Python's str.title() for role names ("sync standby" → "Sync Standby"). */
  static String title(String s) {
    StringBuilder sb = new StringBuilder();
    boolean start = true;
    for (char c : s.toCharArray()) {
      sb.append(start ? Character.toUpperCase(c) : Character.toLowerCase(c));
      start = !Character.isLetter(c);
    }
    return sb.toString();
  }

  /** Maintenance and scheduled switchover lines printed under pretty tables. */
  static List<String> serviceInfo(ClusterView view) {
    List<String> info = new ArrayList<>();
    if (view.paused()) {
      info.add("Maintenance mode: on");
    }
    if (view.scheduledAt() != null) {
      StringBuilder sb = new StringBuilder("Switchover scheduled at: " + view.scheduledAt());
      if (view.from() != null) {
        sb.append('\n').append(String.format(Locale.ROOT, "%24s: %s", "from", view.from()));
      }
      if (view.to() != null) {
        sb.append('\n').append(String.format(Locale.ROOT, "%24s: %s", "to", view.to()));
      }
      info.add(sb.toString());
    }
    return info;
  }

  /** Leader first, then replicas with cascading ones under their upstream as "+ name". */
  static List<MemberView> topologySort(List<MemberView> members) {
    MemberView leader =
        members.stream().filter(m -> m.role().endsWith("leader")).findFirst().orElse(null);
    Set<String> replicas = new HashSet<>();
    for (MemberView m : members) {
      if (!m.role().endsWith("leader")) {
        replicas.add(m.name());
      }
    }
    Map<String, List<MemberView>> children = new LinkedHashMap<>();
    for (MemberView m : members) {
      if (m.role().endsWith("leader")) {
        continue;
      }
      String parent = m.member().tagView().replicatefrom();
      if (parent == null || parent.equals(m.name()) || !replicas.contains(parent)) {
        parent = leader == null ? null : leader.name();
      }
      children.computeIfAbsent(String.valueOf(parent), k -> new ArrayList<>()).add(m);
    }
    List<MemberView> out = new ArrayList<>();
    if (leader != null) {
      out.add(leader);
    }
    walk(leader == null ? "null" : leader.name(), 1, children, out, new HashSet<>());
    return out;
  }

  private static void walk(
      String parent,
      int level,
      Map<String, List<MemberView>> children,
      List<MemberView> out,
      Set<String> seen) {
    for (MemberView m : children.getOrDefault(parent, List.of())) {
      if (!seen.add(m.name())) {
        continue;
      }
      String prefix = " ".repeat((level - 1) * 2) + "+ ";
      out.add(
          new MemberView(
              prefix + m.name(),
              m.role(),
              m.state(),
              m.host(),
              m.port(),
              m.timeline(),
              m.isLeader(),
              m.receiveLsn(),
              m.receiveLag(),
              m.replayLsn(),
              m.replayLag(),
              m.member()));
      walk(m.name(), level + 1, children, out, seen);
    }
  }
}
