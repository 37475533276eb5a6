package io.hagent.agent.ha;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.config.DynamicConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop's side of failsafe mode (docs/failsafe.md): on the leader, one round of {@code POST
 * /failsafe} and what it does to the lease deadline; on a replica, the view of a leaderless cluster
 * while a leader keeps calling. Kept apart from {@link HaLoop} so that the deadline rules are
 * tested on their own.
 */
final class FailsafeRound {
  private static final Logger LOG = LoggerFactory.getLogger(FailsafeRound.class);

  /** Calls every other member of {@code topology}; {@link FailsafeCaller#call} in production. */
  @FunctionalInterface
  interface Caller {
    FailsafeCheck call(
        String me, Map<String, Object> topology, Map<String, Object> body, Duration budget);
  }

  private final Caller caller;
  private final FailsafeState state;
  private final LeaderLease lease;
  private final LongSupplier nanoTime;

  FailsafeRound(Caller caller, FailsafeState state, LeaderLease lease, LongSupplier nanoTime) {
    this.caller = caller;
    this.state = state;
    this.lease = lease;
    this.nanoTime = nanoTime;
  }

  /**
   * The leader's round while etcd cannot be reached. If every member accepts and the round ended in
   * time ({@link FailsafeDecision#endedInTime}), our right to run as primary now ends at the moment
   * the round was sent plus ttl, and the lease guard watches that deadline; otherwise the lease is
   * released (the decision demotes).
   *
   * @param topology the last {@code failsafe} key read, or null
   */
  FailsafeCheck run(
      String me, String connUrl, String apiUrl, Map<String, Object> topology, DynamicConfig dyn) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", me);
    body.put("conn_url", connUrl);
    body.put("api_url", apiUrl);
    body.put("slots", Map.of());
    long sent = nanoTime.getAsLong();
    FailsafeCheck check = caller.call(me, topology, body, FailsafeDecision.roundTimeout(dyn));
    boolean inTime = FailsafeDecision.endedInTime(lease.remaining(nanoTime.getAsLong()));
    if (check.allAccepted() && inTime) {
      lease.renewed(sent);
      state.leaderRoundSucceeded(sent);
      return check;
    }
    if (check.allAccepted()) {
      LOG.warn("failsafe: the members answered after this node's lease deadline had passed");
      check = new FailsafeCheck(true, Map.of("(deadline)", false));
    }
    lease.release();
    state.leaderInactive();
    return check;
  }

  /**
   * The view a member that accepted a failsafe leader within ttl decides from: a missing leader key
   * reads as held by that leader (Patroni's Failsafe.update_cluster), so it neither races nor
   * follows anyone else.
   */
  Cluster view(Cluster cluster, String me) {
    if (!cluster.isUnlocked()) {
      return cluster;
    }
    return state
        .acceptedLeader()
        .map(a -> FailsafeDecision.withAcceptedLeader(cluster, a, me))
        .orElse(cluster);
  }
}
