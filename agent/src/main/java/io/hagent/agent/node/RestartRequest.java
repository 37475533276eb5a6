package io.hagent.agent.node;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A validated POST /restart body (§1.7). Null fields were not given.
 *
 * @param restartPending restart only if PostgreSQL reports pending_restart
 * @param role restart only if the node's role is this (primary, standby_leader or replica)
 * @param postgresVersion restart only if the running server version is lower than this
 * @param timeoutSeconds overrides primary_start_timeout for this restart
 * @param schedule when to restart; null means now
 */
public record RestartRequest(
    Boolean restartPending,
    String role,
    String postgresVersion,
    Integer timeoutSeconds,
    OffsetDateTime schedule) {

  /**
   * The {@code scheduled_restart} value Patroni publishes in the member key and status JSON
   * (without {@code postmaster_start_time}, which the HA loop adds).
   */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (schedule != null) {
      m.put("schedule", PythonTime.isoFormat(schedule));
    }
    if (restartPending != null) {
      m.put("restart_pending", restartPending);
    }
    if (role != null) {
      m.put("role", role);
    }
    if (postgresVersion != null) {
      m.put("postgres_version", postgresVersion);
    }
    if (timeoutSeconds != null) {
      m.put("timeout", timeoutSeconds);
    }
    return m;
  }
}
