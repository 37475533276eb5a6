package io.hagent.common.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Picks the DCS section (§3.3). {@code etcd:} and {@code etcd3:} are equivalent (both served over
 * the v3 API); {@code zookeeper:} is parsed by {@link ZooKeeperSectionParser}; a file naming both
 * an etcd section and {@code zookeeper:} is an error, since hagent would not know which store holds
 * the cluster. Other Patroni DCS types are refused with one clear message.
 */
final class EtcdSectionParser {
  private EtcdSectionParser() {}

  static final Set<String> ENDPOINT_KEYS = Set.of("host", "hosts", "url", "proxy", "srv");

  private static final Map<String, String> UNSUPPORTED =
      Map.of(
          "consul", "Consul",
          "exhibitor", "Exhibitor",
          "kubernetes", "Kubernetes",
          "raft", "Raft");

  static final Set<String> SECTION_NAMES =
      Set.of("etcd", "etcd3", "consul", "exhibitor", "kubernetes", "raft", "zookeeper");

  private static final int DEFAULT_PORT = 2379;

  /**
   * Null when there is no usable etcd section: with a problem recorded, unless a lone {@code
   * zookeeper:} section names the store instead.
   */
  static EtcdConfig parse(Map<String, Object> root, Problems problems) {
    Section top = new Section("", root, problems);
    boolean hasEtcd = root.containsKey("etcd");
    boolean hasEtcd3 = root.containsKey("etcd3");
    boolean hasZooKeeper = root.containsKey("zookeeper");
    if ((hasEtcd || hasEtcd3) && hasZooKeeper) {
      String etcdName = hasEtcd3 ? "etcd3" : "etcd";
      problems.add(
          "zookeeper",
          "both "
              + etcdName
              + ": and zookeeper: are configured; hagent keeps the cluster in one store: remove"
              + " one of them (the file or a PATRONI_"
              + etcdName.toUpperCase(java.util.Locale.ROOT)
              + "_* / PATRONI_ZOOKEEPER_* variable may have added it)");
      return null;
    }
    if (!hasEtcd && !hasEtcd3 && hasZooKeeper) {
      return null;
    }
    if (!hasEtcd && !hasEtcd3) {
      boolean reported = false;
      for (String name : SECTION_NAMES.stream().sorted().toList()) {
        if (root.containsKey(name) && UNSUPPORTED.containsKey(name)) {
          problems.add(
              name,
              UNSUPPORTED.get(name)
                  + " is not supported yet (hagent supports etcd v3 through the etcd: or etcd3:"
                  + " section, and ZooKeeper through zookeeper:)");
          reported = true;
        }
      }
      if (!reported) {
        problems.add(
            "etcd3",
            "required: hagent needs an etcd: or etcd3: section (or PATRONI_ETCD3_HOSTS), or a"
                + " zookeeper: section");
      }
      return null;
    }
    // etcd3 wins over etcd where both are given; its endpoints replace etcd's rather than mixing.
    String name = hasEtcd3 ? "etcd3" : "etcd";
    Map<String, Object> merged = new LinkedHashMap<>(top.mapAt("etcd"));
    Map<String, Object> v3 = top.mapAt("etcd3");
    if (v3.keySet().stream().anyMatch(ENDPOINT_KEYS::contains)) {
      merged.keySet().removeAll(ENDPOINT_KEYS);
    }
    merged.putAll(v3);
    Section s = new Section(name, merged, problems);
    s.rejectUnknown(Set.copyOf(EnvOverrides.ETCD_KEYS));

    String protocol = s.str("protocol", "http");
    if (!protocol.equals("http") && !protocol.equals("https")) {
      s.problem("protocol", "expected http or https, got " + Problems.shown("", protocol));
    }
    List<String> endpoints = new ArrayList<>();
    if (s.has("proxy")) {
      endpoints.add(url(protocol, s.str("proxy")));
    } else if (s.has("url")) {
      endpoints.add(url(protocol, s.str("url")));
    } else if (s.has("hosts")) {
      List<String> hosts = s.stringList("hosts");
      for (int i = 0; hosts != null && i < hosts.size(); i++) {
        String ep = hostEndpoint(protocol, hosts.get(i));
        if (ep == null) {
          problems.add(
              s.path("hosts") + "." + i,
              "expected host:port, got " + Problems.shown("", hosts.get(i)));
        } else {
          endpoints.add(ep);
        }
      }
      if (hosts != null && hosts.isEmpty()) {
        s.problem("hosts", "is empty");
      }
    } else if (s.has("host")) {
      String ep = hostEndpoint(protocol, s.str("host"));
      if (ep == null) {
        s.problem("host", "expected host:port, got " + Problems.shown("", s.str("host")));
      } else {
        endpoints.add(ep);
      }
    } else if (s.has("srv")) {
      s.problem("srv", "DNS SRV discovery is not supported yet (use host, hosts, url or proxy)");
    } else {
      problems.add(name, "one of host, hosts, url or proxy is required");
    }
    return new EtcdConfig(
        List.copyOf(endpoints),
        protocol,
        s.str("username"),
        s.str("password"),
        s.str("cacert"),
        s.str("cert"),
        s.str("key"));
  }

  private static String url(String protocol, String value) {
    String v = value.trim().replaceAll("/+$", "");
    return v.contains("://") ? v : protocol + "://" + v;
  }

  /** {@code h:p} or a bare {@code h} (port 2379); null if malformed. */
  private static String hostEndpoint(String protocol, String value) {
    String v = value.trim();
    if (v.isEmpty()) {
      return null;
    }
    boolean hasPort = v.startsWith("[") ? v.contains("]:") : v.indexOf(':') >= 0;
    if (!hasPort) {
      if (v.startsWith("[") || v.contains("/")) {
        return v.startsWith("[") && v.endsWith("]")
            ? protocol + "://" + v + ":" + DEFAULT_PORT
            : null;
      }
      return protocol + "://" + v + ":" + DEFAULT_PORT;
    }
    Addresses.Split split = Addresses.split(v);
    if (split == null || split.hosts().isEmpty() || split.hosts().contains(",")) {
      return null;
    }
    String host = split.hosts().contains(":") ? "[" + split.hosts() + "]" : split.hosts();
    return protocol + "://" + host + ":" + split.port();
  }
}
