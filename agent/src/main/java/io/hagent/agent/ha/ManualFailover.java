package io.hagent.agent.ha;

import io.hagent.agent.ha.Effect.ClearFailover;
import io.hagent.agent.ha.Effect.Log;
import io.hagent.agent.ha.Plan.Kind;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Failover;
import io.hagent.common.cluster.Member;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The leader's handling of a pending switchover or failover request (§5.9 step 2). */
final class ManualFailover {
  private ManualFailover() {}

  /** §5.9 step 2: the leader's handling of a pending switchover/failover request. */
  static Plan leaderHandles(HaInput in, Cluster cluster, boolean paused) {
    Failover failover = cluster.failover();
    if (failover == null || failover.isEmpty()) {
      return null;
    }
    String kind = failover.leader() == null ? "manual failover" : "switchover";
    // Patroni ends its sentences with the bare action word: "no need to failover".
    String action = failover.leader() == null ? "failover" : "switchover";
    if (failover.scheduledAt() != null) {
      if (paused) {
        // Patroni keeps a scheduled request until the cluster is resumed.
        return null;
      }
      Instant at;
      try {
        at = OffsetDateTime.parse(failover.scheduledAt().replace(' ', 'T')).toInstant();
      } catch (DateTimeParseException e) {
        return clear(in, failover, "Unable to parse scheduled_at " + failover.scheduledAt());
      }
      Duration ahead = Duration.between(in.now(), at);
      long secondsAhead = ahead.toSeconds();
      // not toSeconds() > 0: that truncates, so 0.9 s ahead acted early
      if (ahead.toMillis() > 0) {
        return Plan.none(
            "Awaiting "
                + kind
                + " at "
                + failover.scheduledAt()
                + " (in "
                + Math.round(ahead.toMillis() / 1000.0)
                + " seconds)");
      }
      if (-secondsAhead > 1.5 * in.config().loopWait() + 1) {
        return clear(in, failover, "Found a stale " + kind + " value, cleaning up");
      }
    }
    if (failover.leader() != null && !failover.leader().equals(in.me())) {
      return clear(
          in,
          failover,
          kind + ": leader name does not match: " + failover.leader() + " != " + in.me());
    }
    if (in.me().equals(failover.member())) {
      return clear(in, failover, kind + ": I am already the leader, no need to " + action);
    }
    if (paused && failover.member() == null) {
      return clear(
          in,
          failover,
          titled(kind) + " is possible only to a specific candidate in a paused state");
    }
    Optional<Member> candidate = switchoverCandidate(in, cluster, failover);
    if (candidate.isEmpty()) {
      return clear(
          in, failover, kind + ": no healthy members found, " + action + " is not possible");
    }
    return Plans.switchover(in, kind, candidate.get());
  }

  /** Python's str.title(): "manual failover" -> "Manual Failover". */
  private static String titled(String s) {
    StringBuilder b = new StringBuilder(s.length());
    boolean start = true;
    for (char ch : s.toCharArray()) {
      b.append(start ? Character.toUpperCase(ch) : ch);
      start = !Character.isLetter(ch);
    }
    return b.toString();
  }

  /** Logs why the request cannot be carried out, clears it and goes on as the healthy leader. */
  private static Plan clear(HaInput in, Failover failover, String why) {
    return new Plan(
            Kind.CLEAR_FAILOVER,
            List.of(),
            HaDecision.noActionLeader(in).message(),
            null,
            List.of(why))
        .then(new Log("Cleaning up failover key"))
        .then(new ClearFailover(failover.modRevision()));
  }

  /**
   * The member a switchover would hand over to, judged from the member keys: running, a replica,
   * allowed to fail over, and within maximum_lag_on_failover of our position.
   */
  private static Optional<Member> switchoverCandidate(
      HaInput in, Cluster cluster, Failover failover) {
    long optime = in.pg().walPosition();
    return cluster.members().stream()
        .filter(m -> !m.name().equals(in.me()))
        .filter(m -> failover.member() == null || m.name().equals(failover.member()))
        .filter(m -> "running".equals(m.state()) && !m.tagView().nofailover())
        // synchronous mode: a switchover only to a member the sync key lists
        .filter(m -> failover.leader() == null || SyncGate.maySwitchOverTo(in, m.name()))
        .filter(m -> m.apiUrl() != null)
        .filter(
            m ->
                m.xlogLocation() != null
                    && optime - m.xlogLocation() <= in.config().maximumLagOnFailover())
        .max(Comparator.comparingLong((Member m) -> m.xlogLocation()).thenComparing(Member::name));
  }
}
