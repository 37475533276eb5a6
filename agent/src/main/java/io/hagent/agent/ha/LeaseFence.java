package io.hagent.agent.ha;

import io.hagent.agent.postgres.Postgres;
import io.hagent.agent.postgres.Postgres.StopMode;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader lease deadline checked on the monotonic clock at the moments a frozen agent wakes up
 * into (docs/fencing.md): at the top of every HA cycle and before the cycle writes anything to the
 * DCS. A SIGSTOP, a long GC pause or a stalled I/O call can leave the agent past the deadline
 * without any of its threads having run; the first thing it does then is to forget the lease and
 * stop PostgreSQL if it runs as primary, before it writes its member key or renews anything. (The
 * REST API needs no call here: /primary compares the same deadline with the clock on every
 * request.) {@link LeaseGuard} fences a little before the deadline from its own thread; this is the
 * check in the loop's own path, which does not depend on that thread having been scheduled.
 */
final class LeaseFence {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseFence.class);

  private final LeaderLease lease;
  private final Postgres pg;
  private final LongSupplier nanoTime;

  LeaseFence(LeaderLease lease, Postgres pg, LongSupplier nanoTime) {
    this.lease = lease;
    this.pg = pg;
    this.nanoTime = nanoTime;
  }

  /**
   * Fences when the lease was held and its deadline has passed.
   *
   * @param paused pause mode: the lease is forgotten but PostgreSQL left alone, as Patroni does
   * @param before what the caller was about to do, for the log
   * @return true when the deadline had passed (the lease is forgotten)
   */
  synchronized boolean fenceIfExpired(boolean paused, String before) {
    long remaining = lease.remaining(nanoTime.getAsLong());
    if (remaining == Long.MAX_VALUE || remaining > 0) {
      return false;
    }
    lease.release();
    long lateMs = TimeUnit.NANOSECONDS.toMillis(-remaining);
    if (paused) {
      LOG.warn(
          "leader lease ran out {} ms ago without a renewal (the agent was stalled); paused, so"
              + " PostgreSQL is left alone",
          lateMs);
      return true;
    }
    if (pg.probe().isPrimary()) {
      LOG.error(
          "leader lease ran out {} ms ago without a renewal (the agent was stalled): stopping"
              + " PostgreSQL immediately before {}",
          lateMs,
          before);
      pg.stop(StopMode.IMMEDIATE, false, 10);
    } else {
      LOG.warn("leader lease ran out {} ms ago without a renewal (the agent was stalled)", lateMs);
    }
    return true;
  }
}
