package io.hagent.agent.ha;

import io.hagent.common.config.HagentConfig;
import io.hagent.common.config.PostgresqlConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a reload (SIGHUP / POST /reload) does with a reread configuration: which keys changed, which
 * of them only a restart of hagent applies, and whether the file must be refused as a whole. Keys
 * are named by their YAML path (e.g. {@code restapi.authentication.password}), never by value, so
 * the plan can be logged without leaking a secret.
 *
 * @param changed every changed key path, in file order
 * @param refused identity keys that changed (name, scope, namespace, postgresql.data_dir): running
 *     on the rest of such a file would be half a configuration, so nothing is applied
 * @param needRestart changed keys that are kept at their running value until hagent restarts (REST
 *     API server, etcd client, watchdog, PostgreSQL listen/binaries/paths)
 * @param applied the configuration to run with from now on: the new file with the restart-only
 *     settings of the running one; null when refused
 */
public record ReloadPlan(
    List<String> changed, List<String> refused, List<String> needRestart, HagentConfig applied) {

  /** Sections whose every key is read once at start (servers and clients built from them). */
  private static final Set<String> RESTART_ONLY_SECTIONS =
      Set.of("restapi", "etcd", "etcd3", "watchdog");

  public ReloadPlan {
    changed = List.copyOf(changed);
    refused = List.copyOf(refused);
    needRestart = List.copyOf(needRestart);
  }

  public boolean nothingChanged() {
    return changed.isEmpty() && refused.isEmpty();
  }

  public boolean isRefused() {
    return !refused.isEmpty();
  }

  /** Compares the running configuration with the reread one. */
  public static ReloadPlan of(HagentConfig running, HagentConfig fresh) {
    List<String> changed = changedPaths(running.raw(), fresh.raw(), "");
    List<String> refused = new ArrayList<>();
    if (!Objects.equals(running.name(), fresh.name())) {
      refused.add("name");
    }
    if (!Objects.equals(running.scope(), fresh.scope())) {
      refused.add("scope");
    }
    // compared as the DCS prefix they make: "/service/" and "/service" are the same namespace
    if (!Objects.equals(running.keys().namespace(), fresh.keys().namespace())) {
      refused.add("namespace");
    }
    if (!samePath(running.postgresql().dataDir(), fresh.postgresql().dataDir())) {
      refused.add("postgresql.data_dir");
    }
    List<String> needRestart = changed.stream().filter(ReloadPlan::needsRestart).toList();
    HagentConfig applied = refused.isEmpty() ? keepStartupSettings(running, fresh) : null;
    return new ReloadPlan(changed, refused, needRestart, applied);
  }

  static boolean needsRestart(String path) {
    String[] parts = path.split("\\.", 3);
    if (RESTART_ONLY_SECTIONS.contains(parts[0])) {
      return true;
    }
    return parts[0].equals("postgresql")
        && parts.length > 1
        && PostgresqlConfig.RESTART_ONLY_KEYS.contains(parts[1]);
  }

  private static HagentConfig keepStartupSettings(HagentConfig running, HagentConfig fresh) {
    return new HagentConfig(
        fresh.scope(),
        fresh.namespace(),
        fresh.name(),
        running.restapi(),
        fresh.ctl(),
        running.etcd(),
        fresh.bootstrap(),
        fresh.postgresql().keepingStartupSettingsOf(running.postgresql()),
        fresh.tags(),
        running.watchdog(),
        fresh.log(),
        keepStartupRaw(running.raw(), fresh.raw()));
  }

  /** The raw tree to match: restart-only sections and postgresql keys as they run now. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> keepStartupRaw(
      Map<String, Object> running, Map<String, Object> fresh) {
    Map<String, Object> out = new LinkedHashMap<>(fresh);
    for (String section : RESTART_ONLY_SECTIONS) {
      copyOrRemove(running, out, section);
    }
    if (out.get("postgresql") instanceof Map<?, ?> pg) {
      Map<String, Object> pgOut = new LinkedHashMap<>((Map<String, Object>) pg);
      Map<String, Object> pgRunning =
          running.get("postgresql") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
      for (String key : PostgresqlConfig.RESTART_ONLY_KEYS) {
        copyOrRemove(pgRunning, pgOut, key);
      }
      out.put("postgresql", pgOut);
    }
    return out;
  }

  private static void copyOrRemove(Map<String, Object> from, Map<String, Object> to, String key) {
    if (from.containsKey(key)) {
      to.put(key, from.get(key));
    } else {
      to.remove(key);
    }
  }

  /**
   * Dotted paths of the keys whose value differs; nested maps are compared key by key, lists and
   * scalars as a whole (a changed pg_hba list is one change, {@code postgresql.pg_hba}).
   */
  static List<String> changedPaths(Map<?, ?> before, Map<?, ?> after, String prefix) {
    Set<Object> keys = new LinkedHashSet<>(before.keySet());
    keys.addAll(after.keySet());
    List<String> out = new ArrayList<>();
    for (Object key : keys) {
      String path = prefix + key;
      Object a = before.get(key);
      Object b = after.get(key);
      if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
        out.addAll(changedPaths(ma, mb, path + "."));
      } else if (!Objects.equals(a, b) || before.containsKey(key) != after.containsKey(key)) {
        out.add(path);
      }
    }
    return out;
  }

  private static boolean samePath(String a, String b) {
    if (a == null || b == null) {
      return Objects.equals(a, b);
    }
    return Path.of(a).toAbsolutePath().normalize().equals(Path.of(b).toAbsolutePath().normalize());
  }
}
