package io.hagent.agent.ha;

import io.hagent.agent.postgres.Postgres;
import io.hagent.agent.postgres.Postgres.StopMode;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fences the primary when the leader lease is about to run out without a renewal, even if the HA
 * loop is stuck (a hung DCS call, a long pause): a node that cannot prove it holds the key must not
 * stay writable. Normally the loop demotes long before this fires (loop_wait + 2*retry_timeout
 * &lt;= ttl); this is the second line.
 */
public final class LeaseGuard implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseGuard.class);

  /** How long before the deadline the guard fences (a failsafe round must end before that). */
  static final long MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(1500);

  private static final long MIN_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long MAX_SLEEP_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final LeaderLease lease;
  private final Postgres pg;
  private final LongSupplier nanoTime;
  private final BooleanSupplier runningAsPrimary;
  private final BooleanSupplier paused;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "lease-guard");
            t.setDaemon(true);
            return t;
          });

  public LeaseGuard(
      LeaderLease lease,
      Postgres pg,
      LongSupplier nanoTime,
      BooleanSupplier runningAsPrimary,
      BooleanSupplier paused) {
    this.lease = lease;
    this.pg = pg;
    this.nanoTime = nanoTime;
    this.runningAsPrimary = runningAsPrimary;
    this.paused = paused;
  }

  public void start() {
    timer.schedule(this::checkAndReschedule, 0, TimeUnit.MILLISECONDS);
  }

  /**
   * Sleeps until just before the lease deadline instead of polling: a renewal moves the deadline,
   * so the guard wakes about once per renewal, checks, and sleeps again (at most MAX_SLEEP, so a
   * lease taken while it sleeps is watched in time: any lease is longer than that plus margin).
   */
  private void checkAndReschedule() {
    long delay;
    try {
      check();
    } finally {
      long remaining = lease.remaining(nanoTime.getAsLong());
      delay =
          remaining == Long.MAX_VALUE
              ? MAX_SLEEP_NANOS
              : Math.max(MIN_SLEEP_NANOS, Math.min(MAX_SLEEP_NANOS, remaining - MARGIN_NANOS));
      try {
        timer.schedule(this::checkAndReschedule, delay, TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closed: the agent is stopping
      }
    }
  }

  /** Fences when the deadline is within the margin; package-private for tests. */
  boolean check() {
    long remaining = lease.remaining(nanoTime.getAsLong());
    if (remaining == Long.MAX_VALUE || remaining > MARGIN_NANOS || paused.getAsBoolean()) {
      return false;
    }
    if (!runningAsPrimary.getAsBoolean()) {
      return false;
    }
    lease.release();
    LOG.error(
        "leader lock was not renewed in time (lease ends in {} ms): stopping PostgreSQL immediately"
            + " so that it cannot accept writes without the lock",
        TimeUnit.NANOSECONDS.toMillis(remaining));
    pg.stop(StopMode.IMMEDIATE, false, 10);
    return true;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
