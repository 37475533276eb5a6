package io.hagent.common.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The {@code zookeeper:} section (Patroni's ZooKeeper DCS). */
final class ZooKeeperSectionParser {
  private ZooKeeperSectionParser() {}

  static final List<String> KEYS =
      List.of(
          "hosts",
          "use_ssl",
          "cacert",
          "cert",
          "key",
          "key_password",
          "verify",
          "set_acls",
          "auth_data");

  private static final Set<String> PERMISSIONS =
      Set.of("CREATE", "READ", "WRITE", "DELETE", "ADMIN", "ALL");

  private static final int DEFAULT_PORT = 2181;

  /** Null (with a problem recorded) when the section is unusable. */
  static ZooKeeperConfig parse(Map<String, Object> root, Problems problems) {
    Section s = new Section("", root, problems).section("zookeeper");
    s.rejectUnknown(Set.copyOf(KEYS));
    List<String> hosts = new ArrayList<>();
    List<String> given = s.stringList("hosts");
    if (given == null) {
      s.problem("hosts", "required: the ZooKeeper ensemble as host:port (list or a,b string)");
    } else {
      for (int i = 0; i < given.size(); i++) {
        String hp = hostPort(given.get(i));
        if (hp == null) {
          problems.add(
              s.path("hosts") + "." + i,
              "expected host:port, got " + Problems.shown("", given.get(i)));
        } else {
          hosts.add(hp);
        }
      }
      if (given.isEmpty()) {
        s.problem("hosts", "is empty");
      }
    }
    Map<String, List<String>> acls = new LinkedHashMap<>();
    Map<String, Object> rawAcls = s.mapAt("set_acls");
    rawAcls.forEach(
        (principal, perms) -> {
          List<String> list = new ArrayList<>();
          Object[] items =
              perms instanceof List<?> l
                  ? l.toArray()
                  : perms == null ? new Object[0] : perms.toString().split(",");
          for (Object p : items) {
            String perm = p == null ? "" : p.toString().trim().toUpperCase(Locale.ROOT);
            if (!PERMISSIONS.contains(perm)) {
              problems.add(
                  s.path("set_acls") + "." + principal,
                  "expected permissions among CREATE, READ, WRITE, DELETE, ADMIN, ALL, got "
                      + Problems.shown("", p));
            } else {
              list.add(perm);
            }
          }
          acls.put(principal, List.copyOf(list));
        });
    Map<String, String> auth = s.stringMap("auth_data");
    boolean useSsl = s.bool("use_ssl", false);
    boolean verify = s.bool("verify", true);
    if (useSsl && !verify) {
      s.warning(
          "verify",
          "false has no effect: hagent verifies the server's certificate chain against cacert"
              + " and its host name (ZooKeeper's TLS client on Netty 4.2 always checks the name),"
              + " where Patroni's kazoo would accept any certificate");
    }
    if (!useSsl) {
      for (String key : List.of("cacert", "cert", "key", "key_password")) {
        if (s.str(key) != null) {
          s.warning(key, "has no effect without use_ssl: true (the connection is plain TCP)");
        }
      }
    }
    if (!useSsl && acls.keySet().stream().anyMatch(principal -> principal.indexOf(':') < 0)) {
      s.warning(
          "set_acls",
          "x509 ACLs name TLS client certificates: without use_ssl and cert no client"
              + " matches them, and the nodes hagent creates are then unusable");
    }
    return new ZooKeeperConfig(
        List.copyOf(hosts),
        useSsl,
        s.str("cacert"),
        s.str("cert"),
        s.str("key"),
        s.str("key_password"),
        verify,
        Map.copyOf(acls),
        Map.copyOf(auth));
  }

  /** {@code h:p}, {@code h} (port 2181) or {@code [v6]:p}; quotes as in PATRONI_ZOOKEEPER_HOSTS. */
  private static String hostPort(String value) {
    String v = value.trim().replaceAll("^['\"]|['\"]$", "").trim();
    if (v.isEmpty() || v.contains("/") || v.contains(" ")) {
      return null;
    }
    boolean hasPort = v.startsWith("[") ? v.contains("]:") : v.indexOf(':') >= 0;
    if (!hasPort) {
      return v.startsWith("[") && !v.endsWith("]") ? null : v + ":" + DEFAULT_PORT;
    }
    Addresses.Split split = Addresses.split(v);
    if (split == null || split.hosts().isEmpty() || split.hosts().contains(",")) {
      return null;
    }
    String host = split.hosts().contains(":") ? "[" + split.hosts() + "]" : split.hosts();
    return host + ":" + split.port();
  }
}
