package io.hagent.agent.postgres;

import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Computes the effective GUCs written to postgresql.conf (§3.6): the defaults of the "command-line"
 * GUCs, overridden by valid values from the dynamic configuration, then the other dynamic
 * parameters, then the local {@code postgresql.parameters}, then the values that only the local
 * configuration decides (listen_addresses, port, cluster_name).
 */
final class ParameterBuilder {

  /**
   * @param parameters name -> value as written to postgresql.conf, sorted by name
   * @param warnings invalid values that were replaced by defaults (to be logged)
   */
  record Effective(SortedMap<String, String> parameters, List<String> warnings) {}

  /** Validates and normalises a value; null means invalid. */
  private record Guc(String defaultValue, Function<String, String> validator) {}

  private static final long SEGMENT_MB = 16;

  private static final Map<String, Guc> COMMAND_LINE = new LinkedHashMap<>();

  static {
    COMMAND_LINE.put("wal_level", new Guc("replica", ParameterBuilder::walLevel));
    COMMAND_LINE.put("hot_standby", new Guc("on", v -> "on".equals(bool(v)) ? "on" : null));
    COMMAND_LINE.put("max_connections", new Guc("100", v -> atLeast(v, 25)));
    COMMAND_LINE.put("max_wal_senders", new Guc("10", v -> atLeast(v, 3)));
    COMMAND_LINE.put("wal_keep_segments", new Guc("8", v -> atLeast(v, 1)));
    COMMAND_LINE.put("wal_keep_size", new Guc("128MB", ParameterBuilder::walKeepSize));
    COMMAND_LINE.put("max_prepared_transactions", new Guc("0", v -> atLeast(v, 0)));
    COMMAND_LINE.put("max_locks_per_transaction", new Guc("64", v -> atLeast(v, 32)));
    COMMAND_LINE.put("track_commit_timestamp", new Guc("off", ParameterBuilder::bool));
    COMMAND_LINE.put("max_replication_slots", new Guc("10", v -> atLeast(v, 4)));
    COMMAND_LINE.put("max_worker_processes", new Guc("8", v -> atLeast(v, 2)));
    COMMAND_LINE.put("wal_log_hints", new Guc("on", ParameterBuilder::bool));
  }

  /** GUCs only the local configuration decides. */
  private static final Set<String> LOCAL_ONLY = Set.of("listen_addresses", "port", "cluster_name");

  /** Controldata keys whose larger value a replica must keep (§3.6); the map value is the GUC. */
  private static final Map<String, String> CONTROLDATA_MINIMUMS =
      Map.of(
          "max_connections setting", "max_connections",
          "max_prepared_xacts setting", "max_prepared_transactions",
          "max_locks_per_xact setting", "max_locks_per_transaction",
          "max_worker_processes setting", "max_worker_processes",
          "max_wal_senders setting", "max_wal_senders");

  private ParameterBuilder() {}

  /** Whether {@code name} is one of the GUCs that only the dynamic config may set. */
  static boolean isCommandLineGuc(String name) {
    return COMMAND_LINE.containsKey(name) || LOCAL_ONLY.contains(name);
  }

  /**
   * @param majorVersion PostgreSQL major version (e.g. 15), decides wal_keep_segments vs size
   * @param replicaControlData controldata of a non-primary (its larger settings win), or null
   */
  static Effective build(
      HagentConfig config,
      DynamicConfig dynamic,
      int majorVersion,
      Map<String, String> replicaControlData) {
    List<String> warnings = new ArrayList<>();
    Map<String, Object> dynamicParams = dynamic.parameters();
    SortedMap<String, String> out = new TreeMap<>();

    for (Map.Entry<String, Guc> e : COMMAND_LINE.entrySet()) {
      String name = e.getKey();
      Guc guc = e.getValue();
      String value = guc.defaultValue();
      Object given = dynamicParams.get(name);
      if (given != null) {
        String valid = guc.validator().apply(render(given));
        if (valid == null) {
          warnings.add(
              "postgresql parameter "
                  + name
                  + "="
                  + render(given)
                  + " is invalid, using the default "
                  + guc.defaultValue());
        } else {
          value = valid;
        }
      }
      out.put(name, value);
    }
    walKeep(out, dynamicParams, majorVersion);

    dynamicParams.forEach(
        (k, v) -> {
          if (!isCommandLineGuc(k)) {
            out.put(k, render(v));
          }
        });
    Map<String, Object> local = config.postgresql().parameters();
    if (local != null) {
      local.forEach(
          (k, v) -> {
            if (!isCommandLineGuc(k) && v != null) {
              out.put(k, render(v));
            }
          });
    }
    if (io.hagent.common.config.SlotsConfig.from(dynamic.raw()).hasLogical()) {
      // A replica's copy of a logical slot is only usable after a failover if the primary kept
      // the catalog rows it needs: the replica's feedback (Patroni forces it too).
      out.put("hot_standby_feedback", "on");
    }
    if (replicaControlData != null) {
      CONTROLDATA_MINIMUMS.forEach(
          (key, guc) -> {
            Long fromControl = longOrNull(replicaControlData.get(key));
            Long configured = longOrNull(out.get(guc));
            if (fromControl != null && configured != null && fromControl > configured) {
              out.put(guc, String.valueOf(fromControl));
            }
          });
    }
    out.put("listen_addresses", config.postgresql().listenAddresses());
    out.put("port", String.valueOf(config.postgresql().port()));
    out.put("cluster_name", config.scope());
    return new Effective(Collections.unmodifiableSortedMap(out), List.copyOf(warnings));
  }

  /** Keeps exactly one of wal_keep_segments (< 13) and wal_keep_size (13+), converting. */
  private static void walKeep(
      SortedMap<String, String> out, Map<String, Object> dynamicParams, int majorVersion) {
    boolean sizeGiven =
        dynamicParams.containsKey("wal_keep_size")
            && walKeepSize(render(dynamicParams.get("wal_keep_size"))) != null;
    boolean segmentsGiven =
        dynamicParams.containsKey("wal_keep_segments")
            && atLeast(render(dynamicParams.get("wal_keep_segments")), 1) != null;
    String segments = out.remove("wal_keep_segments");
    String size = out.remove("wal_keep_size");
    if (majorVersion >= 13) {
      out.put(
          "wal_keep_size",
          segmentsGiven && !sizeGiven ? Long.parseLong(segments) * SEGMENT_MB + "MB" : size);
    } else {
      out.put(
          "wal_keep_segments",
          sizeGiven && !segmentsGiven
              ? String.valueOf(Math.max(1, sizeInMb(size) / SEGMENT_MB))
              : segments);
    }
  }

  /** Renders a YAML/JSON value the way postgresql.conf expects (booleans as on/off). */
  static String render(Object value) {
    if (value instanceof Boolean b) {
      return b ? "on" : "off";
    }
    return String.valueOf(value);
  }

  private static String walLevel(String v) {
    String l = v.toLowerCase(Locale.ROOT);
    if (l.equals("hot_standby") || l.equals("replica")) {
      return "replica";
    }
    return l.equals("logical") ? "logical" : null;
  }

  static String bool(String v) {
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "on", "true", "yes", "1" -> "on";
      case "off", "false", "no", "0" -> "off";
      default -> null;
    };
  }

  private static String atLeast(String v, long minimum) {
    Long n = longOrNull(v);
    return n != null && n >= minimum ? String.valueOf(n) : null;
  }

  private static String walKeepSize(String v) {
    long mb = sizeInMb(v);
    return mb >= SEGMENT_MB ? v.trim() : null;
  }

  /** Size in MB of a memory value ({@code 128MB}, {@code 1GB}, bare number = MB); -1 if bad. */
  static long sizeInMb(String v) {
    String t = v.trim().toUpperCase(Locale.ROOT);
    long factorKb;
    String digits;
    if (t.endsWith("KB")) {
      factorKb = 1;
      digits = t.substring(0, t.length() - 2);
    } else if (t.endsWith("MB")) {
      factorKb = 1024;
      digits = t.substring(0, t.length() - 2);
    } else if (t.endsWith("GB")) {
      factorKb = 1024L * 1024;
      digits = t.substring(0, t.length() - 2);
    } else if (t.endsWith("TB")) {
      factorKb = 1024L * 1024 * 1024;
      digits = t.substring(0, t.length() - 2);
    } else {
      factorKb = 1024;
      digits = t;
    }
    Long n = longOrNull(digits);
    return n == null || n < 0 ? -1 : n * factorKb / 1024;
  }

  private static Long longOrNull(String v) {
    if (v == null) {
      return null;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
