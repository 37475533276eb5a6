package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Failover;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.json.Json;
import io.hagent.common.rest.RestClient;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The shared flow of {@code switchover} and {@code failover} (§2.3). */
final class FailoverAction {
  private FailoverAction() {}

  static void run(
      Ctl ctl,
      String action,
      String clusterArg,
      String leaderArg,
      String candidate,
      String scheduled,
      boolean force)
      throws Exception {
    boolean switchover = action.equals("switchover");
    String name = ctl.clusterName(clusterArg);
    ClusterStore store = ctl.store(name);
    Cluster cluster = store.readCluster();
    if (switchover
        && cluster.isPaused()
        && Schedule.parse(scheduled, ctl.clock.getZone()) != null) {
      // Nothing the operator could answer makes a scheduled switchover possible in pause: say so
      // before the topology and the prompts rather than after them.
      throw new CtlException("Can't schedule switchover in the paused state");
    }
    ctl.out.println("Current cluster topology");
    MemberListing.print(ctl.out, cluster, name, false, "pretty");

    String leader = leaderArg;
    if (switchover) {
      if (cluster.leader() == null) {
        throw new CtlException("This cluster has no leader");
      }
      if (force) {
        if (leader == null) {
          leader = cluster.leader().name();
        }
      } else if (leader == null) {
        String prompt =
            ClusterView.standbyClusterActive(cluster.config()) ? "Standby Leader" : "Primary";
        leader = ctl.prompt(prompt, cluster.leader().name());
      }
      if (!cluster.leader().name().equals(leader)) {
        throw new CtlException("Member " + leader + " is not the leader of cluster " + name);
      }
    }
    final String from = leader;
    // synchronous mode: a switchover goes only to a member the sync key lists (Patroni's
    // patronictl offers only those); a failover may still name an asynchronous one, after asking
    DynamicConfig syncConfig = DynamicConfig.from(cluster.config());
    boolean syncOnly =
        switchover
            && syncConfig.synchronous()
            && cluster.sync() != null
            && cluster.sync().leader() != null;
    final io.hagent.common.cluster.SyncState syncKey = cluster.sync();
    List<String> candidates =
        cluster.members().stream()
            .filter(m -> !m.name().equals(from) && !m.tagView().nofailover())
            .filter(m -> !syncOnly || syncKey.matches(m.name()))
            .map(Member::name)
            .sorted()
            .toList();
    if (candidates.isEmpty()) {
      throw new CtlException("No candidates found to " + action + " to");
    }
    if (candidate == null && !force) {
      candidate = ctl.prompt("Candidate " + pyList(candidates), "");
    }
    if (candidate != null && candidate.isEmpty()) {
      candidate = null;
    }
    if (!switchover && candidate == null) {
      throw new CtlException("Failover could be performed only to a specific candidate");
    }
    if (candidate != null && candidate.equals(leader)) {
      throw new CtlException("Member " + candidate + " is already the leader of cluster " + name);
    }
    if (candidate != null && !candidates.contains(candidate)) {
      throw new CtlException(
          "Member "
              + candidate
              + " does not exist in cluster "
              + name
              + " or is tagged as nofailover");
    }
    DynamicConfig config = DynamicConfig.from(cluster.config());
    if (!force
        && !switchover
        && config.synchronous()
        && cluster.sync() != null
        && cluster.sync().leader() != null
        && !cluster.sync().matches(candidate)) {
      if (!ctl.confirm(
          "Are you sure you want to failover to the asynchronous node " + candidate + "?")) {
        throw new CtlException("Aborting " + action);
      }
    }
    String scheduledAt = null;
    if (switchover) {
      if (scheduled == null && !force) {
        String example =
            ZonedDateTime.now(ctl.clock)
                .plusHours(1)
                .format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm"));
        scheduled =
            ctl.prompt("When should the switchover take place (e.g. " + example + " ) ", "now");
      }
      OffsetDateTime at = Schedule.parse(scheduled, ctl.clock.getZone());
      if (at != null) {
        if (cluster.isPaused()) {
          throw new CtlException("Can't schedule switchover in the paused state");
        }
        scheduledAt = Schedule.isoformat(at);
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    if (switchover) {
      body.put("leader", leader);
    }
    if (candidate != null) {
      body.put("candidate", candidate);
    }
    if (scheduledAt != null) {
      body.put("scheduled_at", scheduledAt);
    }
    if (!force) {
      String demote = leader != null ? ", demoting current leader " + leader : "";
      if (scheduledAt != null) {
        if (!ctl.confirm(
            "Are you sure you want to schedule "
                + action
                + " of cluster "
                + name
                + " at "
                + scheduledAt
                + demote
                + "?")) {
          throw new CtlException("Aborting scheduled " + action);
        }
      } else if (!ctl.confirm(
          "Are you sure you want to " + action + " cluster " + name + demote + "?")) {
        throw new CtlException("Aborting " + action);
      }
    }
    Member target =
        cluster
            .leaderMember()
            .orElse(candidate == null ? null : cluster.member(candidate).orElse(null));
    try {
      if (target == null) {
        throw new java.io.IOException("no member to ask");
      }
      RestClient.Response r = ctl.api().request(target, "POST", action, body);
      if (r.status() == 200 || r.status() == 202) {
        cluster = store.readCluster();
        ctl.out.println(ctl.timestamp() + " " + r.body());
      } else {
        String title = Character.toUpperCase(action.charAt(0)) + action.substring(1);
        ctl.out.println(title + " failed, details: " + r.status() + ", " + r.body());
        return;
      }
    } catch (java.io.IOException e) {
      ctl.out.println(
          ctl.timestamp() + " Could not " + action + " using Patroni api, falling back to DCS");
      Failover value = new Failover(leader, candidate, scheduledAt, 0);
      store.setFailover(Json.write(value.toJson()), null);
    }
    MemberListing.print(ctl.out, cluster, name, false, "pretty");
  }

  /** Python's str() of a list of strings: ['a', 'b']. */
  static String pyList(List<String> items) {
    return "[" + String.join(", ", items.stream().map(s -> "'" + s + "'").toList()) + "]";
  }
}
