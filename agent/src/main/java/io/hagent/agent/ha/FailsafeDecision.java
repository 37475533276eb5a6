package io.hagent.agent.ha;

import io.hagent.agent.ha.Plans.DemoteMode;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Leader;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pure parts of failsafe mode (§5.8, docs/failsafe.md): the topology the leader publishes, what
 * a primary does when the DCS cannot be reached, how a replica reads a leaderless view while a
 * leader keeps calling it, who may race for the key, and how long a call may take.
 */
public final class FailsafeDecision {

  static final String CONTINUE =
      "continue to run as a leader because failsafe mode is enabled and all members are accessible";
  static final String DEMOTED = "demoted self because DCS is not accessible and I was a leader";

  /** Guard margin the round must leave before the leader's deadline (LeaseGuard's margin). */
  private static final long GUARD_MARGIN_MILLIS = 1500;

  private FailsafeDecision() {}

  /**
   * The {@code failsafe} key the leader keeps: every member with a REST API, and the leader itself
   * even before its member key is read back (Patroni's _failsafe_config).
   */
  public static Map<String, String> topology(String me, String myApiUrl, List<Member> members) {
    Map<String, String> t = new LinkedHashMap<>();
    for (Member m : members) {
      if (m.apiUrl() != null && !m.apiUrl().isEmpty()) {
        t.put(m.name(), m.apiUrl());
      }
    }
    t.putIfAbsent(me, myApiUrl);
    return t;
  }

  /** What the leader does with the {@code failsafe} key this cycle. */
  enum KeyChange {
    NONE,
    WRITE,
    DELETE
  }

  /**
   * What the leader does with the {@code failsafe} key, given the topology it would publish (null
   * when failsafe_mode is off) and the key as read this cycle (null when absent). On: write the
   * topology when it differs, so a member whose key expired (it left, or is down past ttl) drops
   * out of it on the next cycle, and a new one comes in, as Patroni's update_lock does. Off: delete
   * a key that is still there. Patroni only stops writing it (issue patroni/patroni#3363: the stale
   * key stays and GET /failsafe keeps answering 200 with it, though its docs say 502 when
   * failsafe_mode is off); nothing reads the key while the mode is off, and turning it on again
   * writes a fresh one within a cycle, so removing it costs nothing and ends the stale answer.
   */
  static KeyChange keyChange(Map<String, String> topology, Map<String, Object> current) {
    if (topology == null) {
      return current == null ? KeyChange.NONE : KeyChange.DELETE;
    }
    return topology.equals(current) ? KeyChange.NONE : KeyChange.WRITE;
  }

  /**
   * The decision when the DCS could not be read or the lock not renewed, for a running primary with
   * failsafe mode on and not paused: stay primary only if every member of the topology accepted
   * this cycle's call, else demote offline as without failsafe mode. Null when failsafe mode does
   * not apply (the ordinary §5.8 handling follows).
   */
  static Plan onDcsError(HaInput in, boolean paused) {
    if (paused || !in.config().failsafeMode() || !in.pg().isPrimary()) {
      return null;
    }
    if (keepsLeader(in, paused)) {
      return Plan.none(CONTINUE);
    }
    return Plans.demote(in, DemoteMode.OFFLINE, DEMOTED);
  }

  /**
   * Whether failsafe mode keeps this running primary as leader this cycle though the DCS could not
   * be reached: failsafe on, not paused, and every member of the topology accepted this cycle's
   * round. Also while a background task runs (a restart's long checkpoint, say): Patroni's
   * _handle_dcs_error makes the same check without looking at its async executor.
   */
  static boolean keepsLeader(HaInput in, boolean paused) {
    FailsafeCheck check = in.failsafe();
    return !paused
        && in.config().failsafeMode()
        && in.pg().isPrimary()
        && check != null
        && check.allAccepted();
  }

  /**
   * A leaderless view seen by a member that a leader called within ttl: Patroni injects that leader
   * (its member too, if its key has already expired), so the member follows it instead of racing
   * for the key.
   */
  public static Cluster withAcceptedLeader(
      Cluster cluster, FailsafeState.AcceptedLeader leader, String me) {
    if (!cluster.isUnlocked() || leader == null || leader.name().equals(me)) {
      return cluster;
    }
    List<Member> members = new ArrayList<>(cluster.members());
    if (cluster.member(leader.name()).isEmpty()) {
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("conn_url", leader.connUrl());
      data.put("api_url", leader.apiUrl());
      data.put("state", "running");
      data.put("role", "primary");
      members.add(new Member(leader.name(), data, 0));
    }
    return new Cluster(
        cluster.initialize(),
        cluster.config(),
        cluster.configModRevision(),
        new Leader(leader.name(), 0, 0),
        cluster.status(),
        List.copyOf(members),
        cluster.failover(),
        cluster.sync(),
        cluster.history(),
        cluster.failsafe(),
        cluster.revision());
  }

  /**
   * §5.6 (i): with failsafe mode on, a member missing from a non-empty {@code failsafe} key never
   * races: the leader did not call it while the DCS was down, so it cannot know whether a primary
   * still runs.
   */
  static boolean excludedFromRace(HaInput in, Cluster cluster) {
    Map<String, Object> fs = cluster.failsafe();
    return in.config().failsafeMode() && fs != null && !fs.isEmpty() && !fs.containsKey(in.me());
  }

  /**
   * Whether a round that just ended may extend the leader's deadline, given the time left before
   * its current deadline ({@code Long.MAX_VALUE} when the lease is released). Only if it ended
   * before that deadline less the lease guard's margin: a member that accepted the round after our
   * previous deadline may already have checked, found no accepted leader and raced for the key
   * (docs/failsafe.md, "the late round"), and at that deadline the guard has fenced us. A released
   * lease (an earlier round failed, or we are not the holder) is never extended either.
   */
  static boolean endedInTime(long remainingNanos) {
    return remainingNanos != Long.MAX_VALUE && remainingNanos > LeaseGuard.MARGIN_NANOS;
  }

  /**
   * How long one round of calls may take in all (Patroni: 2 s per attempt, one retry), derived from
   * the timings instead. Rounds are sent at most max(loop_wait, retry_timeout + round) apart (a
   * failing DCS read takes retry_timeout before each), and each successful round lets the leader
   * run until it was sent plus ttl; so the next round must end within ttl of the previous one,
   * minus the lease guard's margin: round <= (ttl - retry_timeout - margin) / 2 and round <= ttl -
   * loop_wait - margin. At least 2 s, Patroni's value, when the timings leave less than that.
   */
  public static Duration roundTimeout(DynamicConfig cfg) {
    long ttl = cfg.ttl() * 1000L;
    long byRetry = (ttl - cfg.retryTimeout() * 1000L - GUARD_MARGIN_MILLIS) / 2;
    long byLoop = ttl - cfg.loopWait() * 1000L - GUARD_MARGIN_MILLIS;
    return Duration.ofMillis(Math.max(2000, Math.min(byRetry, byLoop)));
  }
}
