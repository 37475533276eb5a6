package io.hagent.agent.api;

import io.hagent.agent.node.ActionOutcome;
import io.hagent.agent.node.ManagementActions;
import io.hagent.agent.node.NodeSnapshot;
import io.hagent.agent.node.RestartRequest;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.dcs.DcsException;
import io.hagent.common.json.Json;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The unsafe endpoints of §1.7 after access control: request validation in Patroni's order, DCS
 * writes, and calls into the HA loop through {@link ManagementActions}.
 */
final class Management {
  private static final Logger LOG = LoggerFactory.getLogger(Management.class);

  /** (method, first path segment) pairs that exist; everything else unsafe is 501. */
  static final Set<String> ROUTES =
      Set.of(
          "PATCH config",
          "PUT config",
          "POST switchover",
          "POST failover",
          "DELETE switchover",
          "POST restart",
          "DELETE restart",
          "POST reload",
          "POST reinitialize",
          "POST failsafe");

  private static final Set<String> ROLES = Set.of("primary", "standby_leader", "replica");

  private final ManagementActions actions;
  private final Supplier<NodeSnapshot> snapshot;
  private final Supplier<Instant> clock;
  private final Switchover switchover;

  Management(
      ManagementActions actions,
      Supplier<NodeSnapshot> snapshot,
      Supplier<Instant> clock,
      Switchover.Sleeper sleeper) {
    this.actions = actions;
    this.snapshot = snapshot;
    this.clock = clock;
    this.switchover = new Switchover(actions, clock, sleeper);
  }

  static boolean exists(String method, String segment) {
    return ROUTES.contains(method + " " + segment);
  }

  /** Handles a request for which {@link #exists} is true. */
  HttpReply handle(String method, String segment, RequestBody body) {
    return switch (method + " " + segment) {
      case "PATCH config" -> patchConfig(body);
      case "PUT config" -> putConfig(body);
      case "POST switchover", "POST failover" -> {
        RequestBody.Parsed p = body.json(false);
        yield p.error() != null ? p.error() : switchover.post(segment, p.json());
      }
      case "DELETE switchover" -> switchover.delete();
      case "POST restart" -> restart(body);
      case "DELETE restart" ->
          actions.cancelScheduledRestart()
              ? HttpReply.text(200, "scheduled restart deleted")
              : HttpReply.text(404, "no restarts are scheduled");
      case "POST reload" -> {
        actions.reload();
        yield HttpReply.text(202, "reload scheduled");
      }
      case "POST reinitialize" -> reinitialize(body);
      case "POST failsafe" -> failsafe(body);
      default -> HttpReply.error(501, "Unsupported method ('" + method + "')");
    };
  }

  /**
   * POST /failsafe: a leader that cannot reach the DCS asks to be accepted as leader. 502 when
   * failsafe mode is off here; 500 {@code Running as a leader} when this node runs as primary
   * itself; otherwise the leader is remembered for ttl and the answer is 200 {@code Accepted} with
   * our received/replayed LSN in the {@code lsn} header, as Patroni answers.
   */
  private HttpReply failsafe(RequestBody body) {
    NodeSnapshot s = snapshot.get();
    if (s == null || s.config() == null || !s.config().failsafeMode()) {
      return HttpReply.error(502);
    }
    RequestBody.Parsed p = body.json(false);
    if (p.error() != null) {
      return p.error();
    }
    Object name = p.json().get("name");
    Object connUrl = p.json().get("conn_url");
    Object apiUrl = p.json().get("api_url");
    if (!(name instanceof String n) || n.isEmpty() || !(apiUrl instanceof String a)) {
      return HttpReply.error(400, "name and api_url are required");
    }
    if (s.pg() != null && s.pg().running() && s.pg().isPrimary()) {
      return HttpReply.text(500, "Running as a leader");
    }
    actions.acceptFailsafeLeader(n, connUrl instanceof String c ? c : null, a);
    HttpReply ok = HttpReply.text(200, "Accepted");
    long lsn = s.pg() == null ? 0 : s.pg().walPosition();
    return lsn > 0 ? ok.withHeader("lsn", Long.toString(lsn)) : ok;
  }

  private HttpReply patchConfig(RequestBody body) {
    RequestBody.Parsed p = body.json(false);
    if (p.error() != null) {
      return p.error();
    }
    try {
      Cluster cluster = actions.dcs().readCluster();
      if (cluster.config() == null || cluster.configModRevision() == 0) {
        return HttpReply.error(503);
      }
      ConfigPatch.Result merged = ConfigPatch.apply(cluster.config(), p.json());
      if (merged.changed()
          && !actions.dcs().setConfig(Json.write(merged.config()), cluster.configModRevision())) {
        return HttpReply.error(409);
      }
      actions.wake();
      return HttpReply.json(200, merged.config());
    } catch (DcsException e) {
      LOG.warn("PATCH /config: DCS error: {}", e.getMessage());
      return HttpReply.error(503);
    }
  }

  private HttpReply putConfig(RequestBody body) {
    RequestBody.Parsed p = body.json(false);
    if (p.error() != null) {
      return p.error();
    }
    try {
      Cluster cluster = actions.dcs().readCluster();
      if (!p.json().equals(cluster.config())
          && !actions.dcs().setConfig(Json.write(p.json()), null)) {
        return HttpReply.error(502);
      }
      actions.wake();
      return HttpReply.json(200, p.json());
    } catch (DcsException e) {
      LOG.warn("PUT /config: DCS error: {}", e.getMessage());
      return HttpReply.error(502);
    }
  }

  private HttpReply restart(RequestBody body) {
    RequestBody.Parsed p = body.json(true);
    if (p.error() != null) {
      return p.error();
    }
    Map<String, Object> request = p.json();
    NodeSnapshot s = snapshot.get();
    boolean paused =
        s != null && s.cluster() != null
            ? DynamicConfig.from(s.cluster().config()).pause()
            : s != null && s.paused();
    if (paused && request.containsKey("schedule")) {
      return HttpReply.text(500, "Can't schedule restart in the paused state");
    }
    Boolean restartPending = null;
    String role = null;
    String version = null;
    Integer timeout = null;
    java.time.OffsetDateTime schedule = null;
    for (Map.Entry<String, Object> e : request.entrySet()) {
      Object v = e.getValue();
      switch (e.getKey()) {
        case "schedule" -> {
          Timestamps.Schedule parsed = Timestamps.parse(v, "restart", clock.get());
          if (parsed.error() != null) {
            return parsed.error();
          }
          schedule = parsed.at();
        }
        case "role" -> {
          if (!(v instanceof String r) || !ROLES.contains(r)) {
            return HttpReply.text(
                400, "PostgreSQL role should be either primary, standby_leader, or replica");
          }
          role = r;
        }
        case "postgres_version" -> {
          String error = versionError(v);
          if (error != null) {
            return HttpReply.text(400, error);
          }
          version = v.toString();
        }
        case "timeout" -> {
          Integer seconds = PyValues.parseSeconds(v);
          if (seconds == null || seconds <= 0) {
            return HttpReply.text(400, "Timeout should be a positive number of seconds");
          }
          timeout = seconds;
        }
        case "restart_pending" ->
            // Patroni asks only whether the key is there ('restart_pending' in request): every
            // value, "True", 1 and even false, restarts only when a restart is pending.
            restartPending = true;
        default -> {
          return HttpReply.text(400, "Unknown filter for the scheduled restart: " + e.getKey());
        }
      }
    }
    RestartRequest r = new RestartRequest(restartPending, role, version, timeout, schedule);
    if (schedule != null) {
      return actions.scheduleRestart(r)
          ? HttpReply.text(202, "Restart scheduled")
          : HttpReply.text(409, "Another restart is already scheduled");
    }
    try {
      ActionOutcome outcome = actions.restart(r);
      return outcome.ok()
          ? HttpReply.text(200, "restarted successfully")
          : HttpReply.text(503, outcome.message());
    } catch (RuntimeException e) {
      LOG.error("Exception during restart", e);
      return HttpReply.text(400, "restart failed");
    }
  }

  /** Patroni's postgres_version_to_int check: X.Y (X >= 10) or X.Y.Z, all numbers. */
  static String versionError(Object v) {
    String text = v == null ? "None" : v.toString();
    String error = "Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: " + text;
    if (!(v instanceof String)) {
      return error;
    }
    String[] parts = text.split("\\.", -1);
    try {
      for (String part : parts) {
        Integer.parseInt(part.trim());
      }
    } catch (NumberFormatException e) {
      return error;
    }
    if (parts.length < 2
        || parts.length > 3
        || parts.length == 2 && Integer.parseInt(parts[0].trim()) < 10) {
      return error;
    }
    return null;
  }

  private HttpReply reinitialize(RequestBody body) {
    RequestBody.Parsed p = body.json(true);
    if (p.error() != null) {
      return p.error();
    }
    // Patroni's parse_bool: true/on/yes/1 in any case; anything else, even garbage, is false.
    boolean force = Boolean.TRUE.equals(PyValues.parseBool(p.json().get("force")));
    boolean fromLeader = Boolean.TRUE.equals(PyValues.parseBool(p.json().get("from_leader")));
    Cluster cluster;
    try {
      cluster = actions.dcs().readCluster();
    } catch (DcsException e) {
      LOG.warn("POST /reinitialize: DCS error: {}", e.getMessage());
      return HttpReply.text(503, "DCS is not accessible");
    }
    if (cluster.isUnlocked()) {
      return HttpReply.text(503, "Cluster has no leader, can not reinitialize");
    }
    NodeSnapshot s = snapshot.get();
    if (s != null && cluster.leader().name().equals(s.name())) {
      return HttpReply.text(503, "I am the leader, can not reinitialize");
    }
    ActionOutcome outcome = actions.reinitialize(force, fromLeader);
    return outcome.ok()
        ? HttpReply.text(200, "reinitialize started")
        : HttpReply.text(503, outcome.message());
  }
}
