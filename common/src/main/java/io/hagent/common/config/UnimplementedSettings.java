package io.hagent.common.config;

import io.hagent.common.cluster.Tags;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The Patroni settings hagent accepts but does not act on, so that none is ignored silently: each
 * one that a configuration turns on gets a WARNING naming the key and what hagent does instead (at
 * start, from {@code --validate-config}, and whenever the dynamic configuration changes).
 *
 * <p>One row per setting. When a feature lands, delete its row (and the test line that expects its
 * sentence).
 *
 * <p>Not rows, on purpose: etcd's {@code use_proxies} changes nothing since hagent never discovers
 * etcd members; {@code srv} alone is refused by the loader.
 */
public final class UnimplementedSettings {
  private UnimplementedSettings() {}

  /** How a setting is left unused, which decides the sentence's verb. */
  enum Kind {
    /** A Patroni feature hagent will have. */
    PLANNED("is not implemented yet"),
    /** A Python-specific knob with nothing to implement. */
    NO_EFFECT("has no effect in hagent"),
    /** Patroni ignores it in this place too. */
    IGNORED_AS_BY_PATRONI("is ignored here, as by Patroni");

    final String verb;

    Kind(String verb) {
      this.verb = verb;
    }
  }

  /**
   * @param path the key, dot-separated, relative to the configuration the row applies to
   * @param turnedOn whether the value (never null) asks for the unimplemented behaviour
   * @param instead what hagent does instead
   */
  record Rule(String path, Predicate<Object> turnedOn, Kind kind, String instead) {
    String sentence(String prefix, Object value) {
      return label(prefix + path, value) + " " + kind.verb + ": " + instead;
    }
  }

  private static final Predicate<Object> PRESENT = v -> true;
  private static final Predicate<Object> TRUE = Tags::truthy;
  private static final Predicate<Object> NOT_EMPTY = UnimplementedSettings::notEmpty;
  private static final Predicate<Object> POSITIVE = v -> DynamicConfig.longOf(v, 0) > 0;

  private static final String DYNAMIC_ONLY =
      "set it in the dynamic configuration (bootstrap.dcs, hactl edit-config)";

  /** Rows relative to the dynamic configuration (the DCS config key, or bootstrap.dcs). */
  static final List<Rule> DYNAMIC =
      List.of(
          new Rule(
              "primary_stop_timeout",
              v -> DynamicConfig.longOf(v, 0) > 0,
              Kind.PLANNED,
              "a primary in synchronous mode that is slow to stop is not escalated to an"
                  + " immediate stop"),
          new Rule(
              "max_timelines_history",
              POSITIVE,
              Kind.PLANNED,
              "the history key keeps every timeline"),
          roleVariantRule("postgresql.parameters_primary"),
          roleVariantRule("postgresql.parameters_replica"),
          roleVariantRule("postgresql.parameters_standby_leader"),
          roleVariantRule("postgresql.pg_hba_primary"),
          roleVariantRule("postgresql.pg_hba_replica"),
          roleVariantRule("postgresql.pg_hba_standby_leader"),
          identRule("postgresql.pg_ident_primary"),
          identRule("postgresql.pg_ident_replica"),
          identRule("postgresql.pg_ident_standby_leader"));

  /** Rows relative to the root of the local file (after PATRONI_* overrides). */
  static final List<Rule> LOCAL =
      List.of(
          new Rule(
              "postgresql.rewind", NOT_EMPTY, Kind.PLANNED, "pg_rewind runs without these options"),
          new Rule(
              "postgresql.custom_conf",
              NOT_EMPTY,
              Kind.PLANNED,
              "postgresql.conf includes postgresql.base.conf, not this file"),
          new Rule(
              "postgresql.config_base_name",
              v -> notEmpty(v) && !"postgresql".equals(String.valueOf(v)),
              Kind.PLANNED,
              "the files are named postgresql.conf and postgresql.base.conf"),
          new Rule(
              "postgresql.use_unix_socket",
              TRUE,
              Kind.PLANNED,
              "hagent connects to PostgreSQL over TCP (the first listen address)"),
          new Rule(
              "postgresql.use_unix_socket_repl",
              TRUE,
              Kind.PLANNED,
              "replicas connect to their primary over TCP"),
          new Rule(
              "restapi.proxy_address", PRESENT, Kind.NO_EFFECT, "it is not published anywhere"),
          new Rule(
              "log.traceback_level",
              PRESENT,
              Kind.NO_EFFECT,
              "every log line that carries an exception is followed by its traceback"),
          new Rule(
              "log.max_queue_size",
              PRESENT,
              Kind.NO_EFFECT,
              "hagent writes log lines synchronously, without a queue"),
          new Rule(
              "log.static_fields",
              NOT_EMPTY,
              Kind.PLANNED,
              "JSON log lines carry no static fields"),
          new Rule(
              "log.mode",
              PRESENT,
              Kind.PLANNED,
              "the log file gets its permissions from the process umask"),
          new Rule(
              "thread_pool_size",
              PRESENT,
              Kind.NO_EFFECT,
              "a Python thread setting; hagent sizes its own threads"),
          new Rule(
              "thread_stack_size",
              PRESENT,
              Kind.NO_EFFECT,
              "a Python thread setting; hagent sizes its own threads"),
          new Rule(
              "recovery_conf",
              NOT_EMPTY,
              Kind.IGNORED_AS_BY_PATRONI,
              "put it under postgresql: to have it written"));

  /** Top-level keys Patroni ignores in the local file: they come from the DCS only. */
  private static final List<String> DYNAMIC_ONLY_AS_IN_PATRONI =
      List.of("ttl", "loop_wait", "retry_timeout", "standby_cluster");

  /** Other DCS sections, unused when an etcd section is present. */
  private static final List<String> OTHER_DCS =
      List.of("consul", "exhibitor", "kubernetes", "raft");

  /**
   * Warnings for a local configuration tree: its own settings, {@code bootstrap.dcs}, dynamic keys
   * written at the top level of the file, and local GUCs that only the dynamic configuration sets.
   */
  public static List<String> inLocal(Map<String, Object> tree) {
    List<String> out = new ArrayList<>();
    apply(LOCAL, tree, "", out);
    // The postgresql rows hold for the local section too.
    apply(DYNAMIC.stream().filter(r -> r.path().startsWith("postgresql.")).toList(), tree, "", out);
    apply(DYNAMIC, DynamicConfig.mapOf(at(tree, "bootstrap")).get("dcs"), "bootstrap.dcs.", out);
    for (String key : tree.keySet()) { // in file order (TOLERATED is an unordered set)
      Object v = tree.get(key);
      if (v == null
          || !ConfigLoader.TOLERATED.contains(key)
          || LOCAL.stream().anyMatch(r -> r.path().equals(key))) {
        continue;
      }
      List<Rule> feature = DYNAMIC.stream().filter(r -> r.path().equals(key)).toList();
      if (!feature.isEmpty()) {
        apply(feature, tree, "", out);
      } else if (DYNAMIC_ONLY_AS_IN_PATRONI.contains(key)) {
        out.add(new Rule(key, PRESENT, Kind.IGNORED_AS_BY_PATRONI, DYNAMIC_ONLY).sentence("", v));
      } else {
        out.add(
            label(key, v)
                + " in the local file "
                + Kind.PLANNED.verb
                + ": hagent reads it from the dynamic configuration only (bootstrap.dcs, hactl"
                + " edit-config)");
      }
    }
    for (Object guc : DynamicConfig.mapOf(at(tree, "postgresql.parameters")).keySet()) {
      if (PostgresqlSectionParser.COMMAND_LINE_GUCS.contains(String.valueOf(guc))) {
        Object v = at(tree, "postgresql.parameters." + guc);
        if (v != null) {
          out.add(
              new Rule(
                      "postgresql.parameters." + guc,
                      PRESENT,
                      Kind.IGNORED_AS_BY_PATRONI,
                      "set it in the dynamic configuration (bootstrap.dcs.postgresql.parameters,"
                          + " hactl edit-config)")
                  .sentence("", v));
        }
      }
    }
    if (tree.containsKey("etcd") || tree.containsKey("etcd3")) {
      for (String dcs : OTHER_DCS) {
        if (tree.get(dcs) != null) {
          out.add(
              new Rule(dcs, PRESENT, Kind.NO_EFFECT, "hagent uses the etcd3/etcd section only")
                  .sentence("", tree.get(dcs)));
        }
      }
    }
    return out;
  }

  /** Warnings for the dynamic configuration (the DCS {@code config} key). */
  public static List<String> inDynamic(Map<String, Object> config) {
    List<String> out = new ArrayList<>();
    apply(DYNAMIC, config, "", out);
    return out;
  }

  private static void apply(List<Rule> rules, Object root, String prefix, List<String> out) {
    for (Rule r : rules) {
      Object v = at(root, r.path());
      if (v != null && r.turnedOn().test(v)) {
        out.add(r.sentence(prefix, v));
      }
    }
  }

  /** The value at a dotted path, or null. */
  static Object at(Object root, String path) {
    Object node = root;
    for (String part : path.split("\\.")) {
      if (!(node instanceof Map<?, ?> m)) {
        return null;
      }
      node = m.get(part);
    }
    return node;
  }

  private static Rule roleVariantRule(String path) {
    String base = path.substring(0, path.lastIndexOf('_'));
    return new Rule(path, NOT_EMPTY, Kind.PLANNED, "only " + base + " is applied, for every role");
  }

  private static Rule identRule(String path) {
    return new Rule(path, NOT_EMPTY, Kind.PLANNED, "pg_ident.conf is left as it is");
  }

  private static boolean notEmpty(Object v) {
    if (v instanceof Map<?, ?> m) {
      return m.values().stream().anyMatch(UnimplementedSettings::notEmpty);
    }
    if (v instanceof Collection<?> c) {
      return !c.isEmpty();
    }
    return v != null && !String.valueOf(v).isBlank();
  }

  /** {@code path: value} for scalars and lists of scalars, {@code path (k1, k2)} for mappings. */
  static String label(String path, Object value) {
    if (value instanceof Map<?, ?> m) {
      return path
          + " ("
          + m.keySet().stream().map(String::valueOf).collect(Collectors.joining(", "))
          + ")";
    }
    if (path.contains("password")) {
      return path; // never echo a secret
    }
    if (value instanceof Collection<?> c
        && c.stream().noneMatch(i -> i instanceof Map<?, ?> || i instanceof Collection<?>)) {
      return path + ": " + c;
    }
    if (value instanceof Collection<?>) {
      return path;
    }
    String s = String.valueOf(value);
    return path + ": " + (s.length() > 80 ? s.substring(0, 80) + "..." : s);
  }
}
