package io.hagent.common.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Loads Patroni's YAML (file or directory) plus PATRONI_* overrides into a HagentConfig. */
public final class ConfigLoader {
  private ConfigLoader() {}

  private static final String CONFIGURATION_VAR = "PATRONI_CONFIGURATION";

  private static final String RESERVED_NAME = "__patroni_strict_sync_replica_placeholder__";

  /** Top-level sections hagent reads. */
  static final Set<String> MODELLED =
      Set.of(
          "name",
          "scope",
          "namespace",
          "log",
          "restapi",
          "ctl",
          "bootstrap",
          "postgresql",
          "watchdog",
          "tags");

  /**
   * Top-level keys Patroni accepts and hagent leaves to other components (dynamic settings a local
   * file may override) or ignores as Patroni does (thread tuning; {@code recovery_conf} outside
   * {@code postgresql:}, common in copied configs). Kept in {@link HagentConfig#raw()}.
   */
  static final Set<String> TOLERATED =
      Set.of(
          "thread_pool_size",
          "thread_stack_size",
          "recovery_conf",
          "ttl",
          "loop_wait",
          "retry_timeout",
          "maximum_lag_on_failover",
          "maximum_lag_on_syncnode",
          "max_timelines_history",
          "primary_start_timeout",
          "master_start_timeout",
          "primary_stop_timeout",
          "master_stop_timeout",
          "primary_race_backoff",
          "fast_failover",
          "synchronous_mode",
          "synchronous_mode_strict",
          "synchronous_node_count",
          "failsafe_mode",
          "check_timeline",
          "pause",
          "member_slots_ttl",
          "slots",
          "permanent_slots",
          "permanent_replication_slots",
          "ignore_slots",
          "standby_cluster");

  /**
   * @param file a YAML file, a directory of *.yml/*.yaml (merged alphabetically), or null to use
   *     PATRONI_CONFIGURATION or the environment alone
   * @param env the environment (PATRONI_* variables are overlaid on the file)
   * @throws ConfigException listing every problem by YAML path
   */
  public static HagentConfig load(Path file, Map<String, String> env) throws ConfigException {
    Problems problems = new Problems();
    HagentConfig config = build(file, env == null ? Map.of() : env, problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems.list());
    }
    return config;
  }

  /**
   * For hactl, which (like patronictl) reads ctl-only files and plain PATRONI_* environments:
   * settings only the daemon needs (name, restapi.listen, postgresql.*) may be missing. Every other
   * problem is still reported.
   */
  public static HagentConfig loadForCtl(Path file, Map<String, String> env) throws ConfigException {
    Problems problems = new Problems();
    HagentConfig config = build(file, env == null ? Map.of() : env, problems);
    List<String> relevant =
        problems.list().stream().filter(p -> !isDaemonOnlyRequirement(p)).toList();
    if (!relevant.isEmpty() || config == null) {
      throw new ConfigException(relevant.isEmpty() ? problems.list() : relevant);
    }
    return config;
  }

  private static boolean isDaemonOnlyRequirement(String problem) {
    if (!problem.endsWith(": required")) {
      return false;
    }
    String path = problem.substring(0, problem.length() - ": required".length());
    return path.equals("name")
        || path.equals("scope")
        || path.equals("restapi.listen")
        || path.startsWith("postgresql.");
  }

  /**
   * A loaded configuration and its warnings: duplicate YAML keys, and the settings hagent accepts
   * but does not act on ({@link UnimplementedSettings}), each naming its path.
   */
  public record Loaded(HagentConfig config, List<String> warnings) {}

  /** As {@link #load}, keeping the warnings for the caller to log. */
  public static Loaded loadWithWarnings(Path file, Map<String, String> env) throws ConfigException {
    Problems problems = new Problems();
    HagentConfig config = build(file, env == null ? Map.of() : env, problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems.list());
    }
    return new Loaded(config, problems.warnings());
  }

  /** What {@code --validate-config} prints: the problems (fatal) and the warnings. */
  public record Check(List<String> problems, List<String> warnings) {}

  /**
   * For {@code hagent --validate-config FILE}: problems and warnings, both empty if all is well.
   */
  public static Check check(Path file, Map<String, String> env) {
    Problems problems = new Problems();
    build(file, env == null ? Map.of() : env, problems);
    return new Check(problems.list(), problems.warnings());
  }

  /** For {@code hagent --validate-config FILE}: every problem, empty when the config is valid. */
  public static List<String> validate(Path file, Map<String, String> env) {
    try {
      load(file, env);
      return List.of();
    } catch (ConfigException e) {
      return e.problems();
    }
  }

  private static HagentConfig build(Path file, Map<String, String> env, Problems problems) {
    Map<String, Object> tree = readSources(file, env, problems);
    if (!problems.isEmpty()) {
      return null; // unreadable input: its consequences ("name: required", ...) would only mislead
    }
    Section root = new Section("", tree, problems);
    root.rejectUnknown(
        MODELLED,
        k ->
            TOLERATED.contains(k)
                || EtcdSectionParser.SECTION_NAMES.contains(k)
                || k.equals("citus"));
    if (tree.containsKey("citus")) {
      problems.add("citus", "Citus is not supported yet");
    }

    String name = root.required("name");
    if (RESERVED_NAME.equals(name)) {
      root.problem("name", "'" + RESERVED_NAME + "' is reserved");
    }
    String scope = root.required("scope");
    String namespace = root.str("namespace", "/service");
    RestApiConfig restapi = AgentSectionsParser.restapi(root);
    CtlConfig ctl = AgentSectionsParser.ctl(root);
    EtcdConfig etcd = EtcdSectionParser.parse(tree, problems);
    if (etcd == null
        && tree.get("zookeeper") != null
        && !tree.containsKey("etcd")
        && !tree.containsKey("etcd3")) {
      ZooKeeperSectionParser.parse(tree, problems); // its problems now; the value: zookeeper()
    }
    BootstrapConfig bootstrap = BootstrapSectionParser.parse(root);
    String home = env.getOrDefault("HOME", System.getProperty("user.home"));
    PostgresqlConfig postgresql = PostgresqlSectionParser.parse(root, home);
    Map<String, Object> tags = Collections.unmodifiableMap(new LinkedHashMap<>(root.mapAt("tags")));
    WatchdogConfig watchdog = AgentSectionsParser.watchdog(root);
    LogConfig log = AgentSectionsParser.log(root);
    UnimplementedSettings.inLocal(tree).forEach(w -> problems.warn("", w));
    String tagConflict = new io.hagent.common.cluster.Tags(tags).conflictWarning();
    if (tagConflict != null) {
      problems.warn("", tagConflict);
    }
    return new HagentConfig(
        scope,
        namespace,
        name,
        restapi,
        ctl,
        etcd,
        bootstrap,
        postgresql,
        tags,
        watchdog,
        log,
        tree);
  }

  /**
   * §3.1: file or directory plus environment overrides; else PATRONI_CONFIGURATION alone (Patroni
   * then ignores the other variables); else the environment alone.
   */
  private static Map<String, Object> readSources(
      Path file, Map<String, String> env, Problems problems) {
    if (file == null && env.get(CONFIGURATION_VAR) != null) {
      return YamlSource.parse(env.get(CONFIGURATION_VAR), CONFIGURATION_VAR, problems);
    }
    Map<String, Object> fromFile =
        file == null ? new LinkedHashMap<>() : YamlSource.load(file, problems);
    Map<String, Object> fromEnv = EnvOverrides.from(env, problems);
    dropFileEndpointsReplacedByEnv(fromFile, fromEnv);
    return YamlSource.deepMerge(fromFile, fromEnv);
  }

  /**
   * An etcd endpoint given in the environment (e.g. PATRONI_ETCD3_HOSTS) replaces the file's
   * endpoints instead of mixing with them (host + hosts would otherwise both be present).
   */
  @SuppressWarnings("unchecked")
  private static void dropFileEndpointsReplacedByEnv(
      Map<String, Object> fromFile, Map<String, Object> fromEnv) {
    boolean envEndpoints = false;
    for (String s : List.of("etcd", "etcd3")) {
      if (fromEnv.get(s) instanceof Map<?, ?> m) {
        Set<Object> keys = new HashSet<>(m.keySet());
        keys.retainAll(EtcdSectionParser.ENDPOINT_KEYS);
        envEndpoints |= !keys.isEmpty();
      }
    }
    if (!envEndpoints) {
      return;
    }
    for (String s : List.of("etcd", "etcd3")) {
      if (fromFile.get(s) instanceof Map<?, ?> m) {
        Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) m);
        copy.keySet().removeAll(EtcdSectionParser.ENDPOINT_KEYS);
        fromFile.put(s, copy);
      }
    }
  }
}
