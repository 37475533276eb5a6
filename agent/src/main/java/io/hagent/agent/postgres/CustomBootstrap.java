package io.hagent.agent.postgres;

import io.hagent.common.config.HagentConfig;
import io.hagent.common.util.ShellWords;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A custom bootstrap method (§3.4, Patroni's {@code bootstrap.method}): the section named by {@code
 * method} with a {@code command} that fills the empty data directory (restore a backup), called as
 * {@code <command words...> --scope=<scope> --datadir=<data_dir> --<option>=<value>...} (without
 * scope and datadir when {@code no_params}). Then PostgreSQL starts with the section's {@code
 * recovery_conf} (or the restored recovery settings with {@code keep_existing_recovery_conf}),
 * completes recovery and becomes the first primary.
 *
 * @param name the method, as {@code bootstrap.method} names it
 * @param options the section's keys in file order
 */
record CustomBootstrap(String name, Map<String, Object> options) {

  /** Keys that configure the method rather than being passed to the command. */
  private static final Set<String> RESERVED =
      Set.of(
          "command",
          "no_params",
          "keep_existing_recovery_conf",
          "recovery_conf",
          "scope",
          "datadir");

  /**
   * The custom method {@code bootstrap.method} names, or null for initdb: no method, {@code
   * initdb}, or (as Patroni) a name without a section that has a {@code command}.
   */
  static CustomBootstrap of(HagentConfig config) {
    if (config.raw() == null || !(config.raw().get("bootstrap") instanceof Map<?, ?> bootstrap)) {
      return null;
    }
    Object method = bootstrap.get("method");
    if (method == null || "initdb".equals(String.valueOf(method))) {
      return null;
    }
    if (!(bootstrap.get(String.valueOf(method)) instanceof Map<?, ?> section)
        || section.get("command") == null) {
      return null;
    }
    Map<String, Object> options = new LinkedHashMap<>();
    section.forEach((k, v) -> options.put(String.valueOf(k), v));
    return new CustomBootstrap(String.valueOf(method), options);
  }

  String command() {
    return String.valueOf(options.get("command"));
  }

  boolean keepExistingRecoveryConf() {
    return ReplicaImaging.truthy(options.get("keep_existing_recovery_conf"));
  }

  /** The {@code recovery_conf} settings rendered for postgresql.conf; null if none is given. */
  Map<String, String> recoveryConf() {
    if (!(options.get("recovery_conf") instanceof Map<?, ?> m)) {
      return null;
    }
    Map<String, String> out = new TreeMap<>();
    m.forEach(
        (k, v) -> {
          if (v != null) {
            out.put(String.valueOf(k), ParameterBuilder.render(v));
          }
        });
    return out;
  }

  /**
   * The command line, as Patroni builds it.
   *
   * @throws ShellWords.SplitException if the command has an unclosed quote
   */
  List<String> commandLine(String scope, String dataDir) {
    List<String> cmd = new ArrayList<>(ShellWords.split(command()));
    if (!ReplicaImaging.truthy(options.get("no_params"))) {
      cmd.add("--scope=" + scope);
      cmd.add("--datadir=" + dataDir);
    }
    options.forEach(
        (k, v) -> {
          if (!RESERVED.contains(k)) {
            cmd.add("--" + k + "=" + ReplicaImaging.pythonStr(v));
          }
        });
    return cmd;
  }
}
