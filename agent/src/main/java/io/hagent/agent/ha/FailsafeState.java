package io.hagent.agent.ha;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What this node knows about failsafe mode (§5.8) between cycles, on the monotonic clock.
 *
 * <p>On a replica: the leader that last called {@code POST /failsafe} on us, remembered for {@code
 * ttl} seconds from the moment we accepted it. While it is remembered, a cluster view without a
 * leader key is read as "led by that leader", so this node neither races for the key nor follows
 * anyone else (see docs/failsafe.md for why that keeps a second primary out).
 *
 * <p>On the leader: until when its last successful round of {@code POST /failsafe} calls lets it
 * run as primary (the moment the round was sent plus {@code ttl}), for {@code
 * failsafe_mode_is_active} in the REST API.
 *
 * <p>Written by the REST API's threads and the HA loop, hence the volatile fields.
 */
public final class FailsafeState {

  /** The leader a replica accepted through {@code POST /failsafe}, valid until {@code until}. */
  public record AcceptedLeader(String name, String connUrl, String apiUrl, long untilNanos) {}

  private final LongSupplier nanoTime;
  private volatile long ttlNanos;
  private volatile AcceptedLeader accepted;
  private volatile long leaderActiveUntil; // 0 = not active

  public FailsafeState(int ttlSeconds, LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    setTtlSeconds(ttlSeconds);
  }

  public void setTtlSeconds(int ttlSeconds) {
    ttlNanos = TimeUnit.SECONDS.toNanos(ttlSeconds);
  }

  /** A leader's {@code POST /failsafe} was accepted now: remember it for ttl from now. */
  public void accept(String name, String connUrl, String apiUrl) {
    long until = nanoTime.getAsLong() + ttlNanos;
    accepted = new AcceptedLeader(name, connUrl, apiUrl, until == 0 ? 1 : until);
  }

  /** The accepted leader, if its acceptance has not run out. */
  public Optional<AcceptedLeader> acceptedLeader() {
    AcceptedLeader a = accepted;
    if (a == null || nanoTime.getAsLong() - a.untilNanos() >= 0) {
      return Optional.empty();
    }
    return Optional.of(a);
  }

  /** On the leader: a round sent at {@code sentNanos} was accepted by every member. */
  public void leaderRoundSucceeded(long sentNanos) {
    long until = sentNanos + ttlNanos;
    leaderActiveUntil = until == 0 ? 1 : until;
  }

  /** On the leader: the DCS answers again, or a round failed. */
  public void leaderInactive() {
    leaderActiveUntil = 0;
  }

  /** Patroni's failsafe_is_active(): a leader within its last round, or a remembered leader. */
  public boolean isActive() {
    long until = leaderActiveUntil;
    long now = nanoTime.getAsLong();
    if (until != 0 && now - until < 0) {
      return true;
    }
    return acceptedLeader().isPresent();
  }
}
