package io.hagent.common.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns Patroni's PATRONI_* environment variables (§3.7) into a YAML-shaped tree that is overlaid
 * on the file. Only the variables Patroni itself reads are used; the rest of the environment is
 * ignored.
 */
final class EnvOverrides {
  private EnvOverrides() {}

  private static final String P = "PATRONI_";

  /** PATRONI_LOG_<KEY> exists for every key of the log section. */
  private static final java.util.Collection<String> LOG_KEYS = AgentSectionsParser.LOG_KEYS;

  private static final List<String> RESTAPI_KEYS =
      List.of(
          "listen",
          "connect_address",
          "proxy_address",
          "certfile",
          "keyfile",
          "keyfile_password",
          "cafile",
          "ciphers",
          "verify_client",
          "allowlist",
          "allowlist_include_members",
          "http_extra_headers",
          "https_extra_headers",
          "request_queue_size",
          "server_tokens",
          "thread_pool_size");

  private static final List<String> CTL_KEYS =
      List.of("insecure", "cacert", "certfile", "keyfile", "keyfile_password");

  private static final List<String> POSTGRESQL_KEYS =
      List.of(
          "listen",
          "connect_address",
          "proxy_address",
          "data_dir",
          "config_dir",
          "bin_dir",
          "pgpass");

  static final List<String> AUTH_KEYS =
      List.of(
          "username",
          "password",
          "sslmode",
          "sslkey",
          "sslpassword",
          "sslcert",
          "sslrootcert",
          "sslcrl",
          "sslcrldir",
          "gssencmode",
          "channel_binding",
          "sslnegotiation");

  static final List<String> ETCD_KEYS =
      List.of(
          "host",
          "hosts",
          "url",
          "proxy",
          "srv",
          "srv_suffix",
          "protocol",
          "use_proxies",
          "username",
          "password",
          "cacert",
          "cert",
          "key");

  /** DCS sections hagent does not implement: any variable of theirs selects them, as in Patroni. */
  private static final List<String> OTHER_DCS =
      List.of("consul", "exhibitor", "kubernetes", "raft");

  static Map<String, Object> from(Map<String, String> env, Problems problems) {
    Map<String, Object> tree = new LinkedHashMap<>();
    for (String key :
        List.of("name", "scope", "namespace", "thread_pool_size", "thread_stack_size")) {
      put(tree, env, P + key.toUpperCase(Locale.ROOT), key);
    }
    section(tree, env, "log", LOG_KEYS, problems);
    section(tree, env, "restapi", RESTAPI_KEYS, problems);
    section(tree, env, "ctl", CTL_KEYS, problems);
    section(tree, env, "postgresql", POSTGRESQL_KEYS, problems);
    for (String s : List.of("restapi", "ctl")) {
      Map<String, Object> auth = new LinkedHashMap<>();
      String prefix = P + s.toUpperCase(Locale.ROOT) + "_";
      put(auth, env, prefix + "USERNAME", "username");
      put(auth, env, prefix + "PASSWORD", "password");
      if (!auth.isEmpty()) {
        child(tree, s).put("authentication", auth);
      }
    }
    String binPrefix = P + "POSTGRESQL_BIN_";
    env.forEach(
        (k, v) -> {
          if (k.startsWith(binPrefix) && !k.equals(binPrefix + "DIR") && notEmpty(v)) {
            Map<String, Object> pg = child(tree, "postgresql");
            child(pg, "bin_name").put(k.substring(binPrefix.length()).toLowerCase(Locale.ROOT), v);
          }
        });
    for (String role : List.of("superuser", "replication", "rewind")) {
      Map<String, Object> creds = new LinkedHashMap<>();
      for (String k : AUTH_KEYS) {
        put(creds, env, P + role.toUpperCase(Locale.ROOT) + "_" + k.toUpperCase(Locale.ROOT), k);
      }
      if (!creds.isEmpty()) {
        child(child(tree, "postgresql"), "authentication").put(role, creds);
      }
    }
    section(tree, env, "etcd", ETCD_KEYS, problems);
    section(tree, env, "etcd3", ETCD_KEYS, problems);
    section(tree, env, "zookeeper", ZooKeeperSectionParser.KEYS, problems);
    for (String dcs : OTHER_DCS) {
      String prefix = P + dcs.toUpperCase(Locale.ROOT) + "_";
      env.forEach(
          (k, v) -> {
            if (k.startsWith(prefix) && notEmpty(v)) {
              child(tree, dcs).put(k.substring(prefix.length()).toLowerCase(Locale.ROOT), v);
            }
          });
    }
    return tree;
  }

  private static void section(
      Map<String, Object> tree,
      Map<String, String> env,
      String name,
      java.util.Collection<String> keys,
      Problems problems) {
    for (String key : keys) {
      String var = P + name.toUpperCase(Locale.ROOT) + "_" + key.toUpperCase(Locale.ROOT);
      String v = env.get(var);
      if (!notEmpty(v)) {
        continue;
      }
      Object value = v;
      if (key.equals("allowlist") || key.equals("hosts")) {
        value = parseList(var, v, problems);
      } else if (key.endsWith("_headers")
          || key.equals("loggers")
          || key.equals("static_fields")
          || key.equals("set_acls")
          || key.equals("auth_data")) {
        value = parseDict(var, v, problems);
      }
      if (value != null) {
        child(tree, name).put(key, value);
      }
    }
  }

  /** {@code a,b} or a YAML list {@code [a, b]}. */
  private static Object parseList(String var, String v, Problems problems) {
    if (!v.trim().startsWith("[")) {
      return v;
    }
    Object parsed = parseYaml(var, v, problems);
    if (parsed instanceof List<?>) {
      return parsed;
    }
    problems.add(var, "expected a list (a,b or [a, b])");
    return null;
  }

  /** {@code k: v} or {@code {k: v, ...}}. */
  private static Object parseDict(String var, String v, Problems problems) {
    Object parsed = parseYaml(var, v, problems);
    if (parsed instanceof Map<?, ?>) {
      return parsed;
    }
    problems.add(var, "expected a mapping (k: v or {k: v})");
    return null;
  }

  private static Object parseYaml(String var, String v, Problems problems) {
    try {
      return YamlSource.normalise(
          new org.yaml.snakeyaml.Yaml(
                  new org.yaml.snakeyaml.constructor.SafeConstructor(
                      new org.yaml.snakeyaml.LoaderOptions()))
              .load(v));
    } catch (org.yaml.snakeyaml.error.YAMLException e) {
      problems.add(var, "invalid YAML");
      return null;
    }
  }

  private static void put(
      Map<String, Object> target, Map<String, String> env, String var, String key) {
    String v = env.get(var);
    if (notEmpty(v)) {
      target.put(key, v);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> child(Map<String, Object> parent, String key) {
    return (Map<String, Object>)
        parent.computeIfAbsent(key, k -> new LinkedHashMap<String, Object>());
  }

  private static boolean notEmpty(String v) {
    return v != null && !v.isEmpty();
  }
}
