package io.hagent.agent.ha;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Our right to act as leader, as an in-memory deadline: the time the last successful leader-key
 * write was <em>sent</em> plus ttl. etcd starts the lease's countdown no earlier than it receives
 * that write, so this deadline never outlives the key itself.
 */
public final class LeaderLease {
  private final AtomicLong untilNanos = new AtomicLong();
  private volatile long ttlNanos;

  public LeaderLease(int ttlSeconds) {
    setTtlSeconds(ttlSeconds);
  }

  public void setTtlSeconds(int ttlSeconds) {
    ttlNanos = TimeUnit.SECONDS.toNanos(ttlSeconds);
  }

  /** A leader-key write sent at {@code sentNanos} succeeded. */
  public void renewed(long sentNanos) {
    long until = sentNanos + ttlNanos;
    // Never 0: 0 means "not held".
    untilNanos.set(until == 0 ? 1 : until);
  }

  public void release() {
    untilNanos.set(0);
  }

  public long untilNanos() {
    return untilNanos.get();
  }

  public boolean isHeld(long nowNanos) {
    long until = untilNanos.get();
    return until != 0 && nowNanos - until < 0;
  }

  /** Nanoseconds left before the deadline (negative once passed); Long.MAX_VALUE if not held. */
  public long remaining(long nowNanos) {
    long until = untilNanos.get();
    return until == 0 ? Long.MAX_VALUE : until - nowNanos;
  }
}
