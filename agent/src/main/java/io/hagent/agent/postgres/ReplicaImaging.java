package io.hagent.agent.postgres;

import io.hagent.common.config.HagentConfig;
import io.hagent.common.util.ShellWords;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Patroni's replica creation methods ({@code postgresql.create_replica_methods}, §3.5) as pure
 * functions: which methods to try, in order, and the command line of a custom one. {@code
 * basebackup} is built in ({@link Cloner}); any other name is a command, taken from the {@code
 * command} key of the section named after it (or the name itself), called as
 *
 * <pre>{@code <command words...> --<option>=<value>... --scope=<scope> --role=replica
 *   --datadir=<data_dir> --connstring=<dsn of the source>}</pre>
 *
 * with every key of the section (except {@code command}) passed on as an option, the way Patroni
 * formats it (Python's spelling of booleans, so {@code keep_data: true} arrives as {@code
 * --keep_data=True}). With {@code no_params} only the section's own options are passed, without
 * {@code no_params}, {@code no_leader}, {@code no_master} and {@code keep_data}. pgBackRest and
 * WAL-G are such custom methods in Patroni, and here too.
 */
public final class ReplicaImaging {
  public static final String BASEBACKUP = "basebackup";

  private ReplicaImaging() {}

  /** The methods configured, in order; {@code basebackup} when none is. */
  static List<String> configured(HagentConfig config) {
    List<String> methods = config.postgresql().createReplicaMethods();
    return methods == null || methods.isEmpty() ? List.of(BASEBACKUP) : methods;
  }

  /**
   * The methods to try: all configured ones when there is a member to copy from, otherwise only
   * those that need no replication connection ({@code no_leader} or {@code no_master}).
   */
  static List<String> toTry(HagentConfig config, boolean haveSource) {
    if (haveSource) {
      return configured(config);
    }
    return configured(config).stream().filter(m -> worksWithoutLeader(config, m)).toList();
  }

  /** Patroni's replica_method_can_work_without_replication_connection. */
  static boolean worksWithoutLeader(HagentConfig config, String method) {
    if (method.equals(BASEBACKUP)) {
      return false;
    }
    Map<String, Object> o = options(config, method);
    return truthy(o.get("no_leader")) || truthy(o.get("no_master"));
  }

  /** Whether a replica can be created while the cluster has no leader (restore from backup). */
  public static boolean canCreateWithoutLeader(HagentConfig config) {
    return configured(config).stream().anyMatch(m -> worksWithoutLeader(config, m));
  }

  /** The {@code postgresql.<method>} section (empty if none), in file order. */
  static Map<String, Object> options(HagentConfig config, String method) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (config.raw() != null
        && config.raw().get("postgresql") instanceof Map<?, ?> pg
        && pg.get(method) instanceof Map<?, ?> section) {
      section.forEach((k, v) -> out.put(String.valueOf(k), v));
    }
    return out;
  }

  /** {@code keep_data}: the data directory is not emptied before the command runs. */
  static boolean keepData(HagentConfig config, String method) {
    return truthy(options(config, method).get("keep_data"));
  }

  /**
   * The command line of custom method {@code method}.
   *
   * @param connstring the source's connection string without password ("" without a source)
   * @throws ShellWords.SplitException if the command has an unclosed quote
   */
  static List<String> commandLine(
      HagentConfig config, String method, String dataDir, String connstring) {
    Map<String, Object> options = options(config, method);
    Object command = options.remove("command");
    List<String> cmd =
        new ArrayList<>(ShellWords.split(command == null ? method : String.valueOf(command)));
    if (!truthy(options.get("no_params"))) {
      // as Python's dict.update: a key the section already has keeps its place
      options.put("scope", config.scope());
      options.put("role", "replica");
      options.put("datadir", dataDir);
      options.put("connstring", connstring);
    } else {
      for (String k : List.of("no_params", "no_master", "no_leader", "keep_data")) {
        options.remove(k);
      }
    }
    options.forEach((k, v) -> cmd.add("--" + k + "=" + pythonStr(v)));
    return cmd;
  }

  /** Python's truth of a YAML value (a non-empty string is true, even "false"). */
  static boolean truthy(Object v) {
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Number n) {
      return n.doubleValue() != 0;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    if (v instanceof List<?> l) {
      return !l.isEmpty();
    }
    return true;
  }

  /** How Python's str() spells a YAML scalar in "--{0}={1}".format(...). */
  static String pythonStr(Object v) {
    if (v == null) {
      return "None";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    return String.valueOf(v);
  }
}
