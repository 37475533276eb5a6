package io.hagent.common.config;

import io.hagent.common.util.ShellWords;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code bootstrap:} (§3.4). */
final class BootstrapSectionParser {
  private BootstrapSectionParser() {}

  static final Set<String> KNOWN =
      Set.of("dcs", "method", "initdb", "pg_hba", "post_bootstrap", "post_init", "users");

  /** initdb options Patroni passes itself. */
  static final Set<String> INITDB_FORBIDDEN =
      Set.of("pgdata", "nosync", "pwfile", "sync-only", "version");

  /** Typed keys of bootstrap.dcs checked here; the rest is free-form dynamic configuration. */
  private static final List<String> DCS_INTEGERS =
      List.of(
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
          "synchronous_node_count");

  static BootstrapConfig parse(Section root) {
    Section b = root.section("bootstrap");
    String method = b.str("method");
    // A custom bootstrap method lives in a section named by 'method'; unused method sections
    // (recognisable by their 'command') are also accepted, as Patroni ignores them.
    b.rejectUnknown(
        KNOWN,
        k -> k.equals(method) || (b.raw(k) instanceof Map<?, ?> m && m.containsKey("command")));

    Section dcs = b.section("dcs");
    for (String k : DCS_INTEGERS) {
      dcs.longValue(k, 0);
    }
    Map<String, Object> dcsMap = Collections.unmodifiableMap(new LinkedHashMap<>(dcs.map()));

    List<String> initdb = UserOptions.render(b, "initdb", INITDB_FORBIDDEN);
    List<String> hba = b.stringList("pg_hba");
    Map<String, Object> users = Collections.unmodifiableMap(b.mapAt("users"));
    String postKey = b.has("post_bootstrap") ? "post_bootstrap" : "post_init";
    String post = b.str(postKey);
    if (post != null) {
      try {
        ShellWords.split(post);
      } catch (ShellWords.SplitException e) {
        // Patroni loads such a file too and fails only when it bootstraps a new cluster.
        b.warning(postKey, e.getMessage() + ": a bootstrap of a new cluster will fail");
      }
    }
    return new BootstrapConfig(
        dcsMap, List.copyOf(initdb), hba == null ? List.of() : List.copyOf(hba), users, post);
  }
}
