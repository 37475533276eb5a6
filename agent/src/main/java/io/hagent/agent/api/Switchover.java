package io.hagent.agent.api;

import io.hagent.agent.node.ManagementActions;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Failover;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.dcs.Dcs;
import io.hagent.common.dcs.DcsException;
import io.hagent.common.json.Json;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POST /switchover, POST /failover and DELETE /switchover (§1.7): validation in Patroni's order,
 * the {@code failover} key write, and for an immediate request the wait for the new leader.
 */
final class Switchover {
  private static final Logger LOG = LoggerFactory.getLogger(Switchover.class);

  /** Waits between polls of the DCS; tests replace it so they need not wait in real time. */
  interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  private final ManagementActions actions;
  private final Supplier<Instant> clock;
  private final Sleeper sleeper;

  Switchover(ManagementActions actions, Supplier<Instant> clock, Sleeper sleeper) {
    this.actions = actions;
    this.clock = clock;
    this.sleeper = sleeper;
  }

  /**
   * @param action {@code switchover} or {@code failover}, from the path
   */
  HttpReply post(String action, Map<String, Object> request) {
    // Patroni tests these values for truth: null, false, 0 and "" all mean "not given".
    for (String key : List.of("leader", "candidate", "member")) {
      Object v = request.get(key);
      if (PyValues.truthy(v) && !(v instanceof String)) {
        // Patroni would compare it with member names and find none (412); say why instead.
        return HttpReply.error(400, "'" + key + "' must be a string");
      }
    }
    String leader = given(request.get("leader"));
    String candidate = given(request.get("candidate"));
    if (candidate == null) {
      candidate = given(request.get("member"));
    }
    Object scheduledValue = request.get("scheduled_at");
    boolean scheduleGiven = PyValues.truthy(scheduledValue);
    Dcs dcs = actions.dcs();
    Cluster cluster;
    try {
      cluster = dcs.readCluster();
    } catch (DcsException e) {
      LOG.warn("{} request: cannot read the cluster from the DCS: {}", action, e.getMessage());
      return HttpReply.text(503, "DCS is not accessible");
    }
    DynamicConfig config = DynamicConfig.from(cluster.config());
    LOG.info(
        "received {} request with leader={} candidate={} scheduled_at={}",
        action,
        PyValues.str(leader),
        PyValues.str(candidate),
        PyValues.str(scheduledValue));

    if (action.equals("failover") && candidate == null) {
      return HttpReply.text(400, "Failover could be performed only to a specific candidate");
    }
    if (action.equals("switchover") && leader == null) {
      return HttpReply.text(400, "Switchover could be performed only from a specific leader");
    }
    OffsetDateTime scheduledAt = null;
    if (scheduleGiven) {
      if (action.equals("failover")) {
        return HttpReply.text(400, "Failover can't be scheduled");
      }
      if (config.pause()) {
        return HttpReply.text(400, "Can't schedule switchover in the paused state");
      }
      Timestamps.Schedule s = Timestamps.parse(scheduledValue, action, clock.get());
      if (s.error() != null) {
        return s.error();
      }
      scheduledAt = s.at();
    }
    if (config.pause() && candidate == null) {
      return HttpReply.text(
          400, "Switchover is possible only to a specific candidate in a paused state");
    }
    if (action.equals("failover") && leader != null) {
      LOG.warn("received failover request with leader specified - performing switchover instead");
      action = "switchover";
    }
    if (leader != null && leader.equals(candidate)) {
      return HttpReply.text(400, "Switchover target and source are the same");
    }
    if (scheduledAt == null) {
      String impossible = whyImpossible(cluster, config, leader, candidate, action);
      if (impossible != null) {
        return HttpReply.text(412, impossible);
      }
    }
    Failover request2 =
        new Failover(
            leader, candidate, scheduledAt == null ? null : Timestamps.isoFormat(scheduledAt), 0);
    try {
      if (!dcs.setFailover(Json.write(request2.toJson()), null)) {
        return HttpReply.text(503, "failed to write failover key into DCS");
      }
    } catch (DcsException e) {
      LOG.warn("{} request: cannot write the failover key: {}", action, e.getMessage());
      return HttpReply.text(503, "failed to write failover key into DCS");
    }
    actions.wake();
    if (scheduledAt != null) {
      return HttpReply.text(202, "Switchover scheduled");
    }
    String oldLeader = cluster.leader() == null ? null : cluster.leader().name();
    return awaitResult(dcs, config.loopWait(), oldLeader, candidate, action);
  }

  /** §1.7 row 9; null when some candidate can take over. */
  static String whyImpossible(
      Cluster cluster, DynamicConfig config, String leader, String candidate, String action) {
    String leaderName = cluster.leader() == null ? null : cluster.leader().name();
    if (leader != null && !leader.equals(leaderName)) {
      return "leader name does not match";
    }
    // Patroni's is_synchronous_mode: on and quorum alike (a quorum switchover goes to a voter)
    boolean strictSync = config.synchronous();
    List<Member> members;
    if (candidate != null) {
      if (action.equals("switchover") && strictSync && !syncStandby(cluster, candidate)) {
        return "candidate name does not match with sync_standby";
      }
      members = cluster.member(candidate).stream().toList();
      if (members.isEmpty()) {
        return "candidate does not exists";
      }
    } else if (strictSync) {
      members = cluster.members().stream().filter(m -> syncStandby(cluster, m.name())).toList();
      if (members.isEmpty()) {
        return action + " is not possible: can not find sync_standby";
      }
    } else {
      members =
          cluster.members().stream()
              .filter(m -> !m.name().equals(leaderName) && m.apiUrl() != null)
              .toList();
      if (members.isEmpty()) {
        return action + " is not possible: cluster does not have members except leader";
      }
    }
    for (Member m : members) {
      // Patroni asks each candidate's /patroni; its published state is our proxy for "reachable".
      if ("running".equals(m.state()) && !m.tagView().nofailover()) {
        return null;
      }
    }
    return action + " is not possible: no good candidates have been found";
  }

  private static boolean syncStandby(Cluster cluster, String name) {
    return cluster.sync() != null
        && cluster.sync().syncStandbys().stream().anyMatch(n -> n.equalsIgnoreCase(name));
  }

  /** Polls the DCS once a second for 2*max(10, loop_wait) seconds (§1.7 row 12). */
  private HttpReply awaitResult(
      Dcs dcs, int loopWait, String oldLeader, String candidate, String action) {
    int seconds = 2 * Math.max(10, loopWait);
    String past = action.equals("switchover") ? "switched" : "failed";
    String title = action.equals("switchover") ? "Switchover" : "Failover";
    for (int i = 0; i < seconds; i++) {
      try {
        sleeper.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      Cluster c;
      try {
        c = dcs.readCluster();
      } catch (DcsException e) {
        LOG.debug("polling the {} result: {}", action, e.getMessage());
        continue;
      }
      if (c.leader() != null && !c.leader().name().equals(oldLeader)) {
        String winner = c.leader().name();
        if (candidate == null || candidate.equals(winner)) {
          return HttpReply.text(200, "Successfully " + past + " over to \"" + winner + "\"");
        }
        String capital = Character.toUpperCase(past.charAt(0)) + past.substring(1);
        return HttpReply.text(
            200, capital + " over to \"" + winner + "\" instead of \"" + candidate + "\"");
      }
      if (c.failover() == null || c.failover().isEmpty()) {
        return HttpReply.text(503, title + " failed");
      }
    }
    return HttpReply.text(
        503,
        title
            + " status unknown after "
            + seconds
            + " seconds; operation may still be in progress");
  }

  /** DELETE /switchover. */
  HttpReply delete() {
    Dcs dcs = actions.dcs();
    try {
      Failover f = dcs.readCluster().failover();
      if (f == null || f.scheduledAt() == null) {
        return HttpReply.text(404, "no switchover is scheduled");
      }
      if (!dcs.setFailover("{}", f.modRevision())) {
        return HttpReply.error(409);
      }
      return HttpReply.text(200, "scheduled switchover deleted");
    } catch (DcsException e) {
      LOG.warn("DELETE /switchover: DCS error: {}", e.getMessage());
      return HttpReply.text(503, "DCS is not accessible");
    }
  }

  /** A name given in the request; null when Python would find the value false. */
  private static String given(Object v) {
    return PyValues.truthy(v) ? v.toString() : null;
  }
}
