package io.hagent.agent.ha;

import io.hagent.agent.postgres.LocalState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Failover;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * {@code primary_race_backoff} (Patroni 4.1, §5.3 step 1, patroni/patroni#3453): a replica whose
 * WAL receiver is streaming and whose max(receive, replay) position moved since the previous cycle
 * while the leader key is missing is still receiving WAL from the old primary, so that primary is
 * alive and only its agent (or its etcd connection) failed. Such a replica stays out of the race
 * for up to {@code primary_race_backoff - loop_wait} seconds from the first cycle it saw that (the
 * next cycle then races, so the whole wait is about {@code primary_race_backoff}), and races anyway
 * once they have passed (a primary that keeps writing without a lock must not block failover
 * forever). A replica whose WAL stands still races at once, as without the setting.
 *
 * <p>{@link #observe} keeps the state between cycles (the loop calls it once per cycle); {@link
 * #decide} is the pure part.
 */
public final class RaceBackoff {

  /**
   * What the loop observed this cycle.
   *
   * @param walMoved this replica's WAL position differs from last cycle's
   * @param elapsedMillis since the backoff began (0 when it has not begun)
   */
  public record Status(boolean walMoved, long elapsedMillis) {
    public static final Status NONE = new Status(false, 0);
  }

  private final LongSupplier nanoTime;
  private Long previousWal;
  private long startedNanos; // 0 = not started

  public RaceBackoff(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /**
   * One cycle's observation; the backoff starts with the first moved position of a leaderless view.
   */
  public Status observe(Cluster cluster, LocalState pg) {
    Long wal = pg.isReplica() ? pg.walPosition() : null;
    // Patroni's rule (patroni/patroni#3453): only WAL that arrives through a live WAL receiver
    // shows a primary still running; WAL restored from the archive moves without any primary.
    boolean streaming = "streaming".equals(pg.replicationState());
    boolean moved = streaming && wal != null && previousWal != null && !wal.equals(previousWal);
    previousWal = wal;
    if (cluster == null || !cluster.isUnlocked() || wal == null) {
      startedNanos = 0;
      return Status.NONE;
    }
    long now = nanoTime.getAsLong();
    if (startedNanos == 0 && moved) {
      startedNanos = now == 0 ? 1 : now;
    }
    long elapsed = startedNanos == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(now - startedNanos);
    return new Status(moved, elapsed);
  }

  /**
   * The plan of a replica that must not race yet, or null. Not in pause, not for the candidate of a
   * manual failover, not for a node that runs as primary.
   */
  static Plan decide(HaInput in, Cluster cluster, LocalState pg) {
    int backoff = in.config().primaryRaceBackoff();
    Status s = in.raceBackoff();
    if (backoff <= 0 || s == null || !s.walMoved() || !pg.isReplica()) {
      return null;
    }
    Failover f = cluster.failover();
    if (f != null && !f.isEmpty() && f.member() != null) {
      return null;
    }
    // The spec's rule (§5.3 step 1): back off while the position moves and less than
    // primary_race_backoff - loop_wait seconds have passed since it first moved. The cycle after
    // that races, about loop_wait later: the race comes no later than about primary_race_backoff
    // after the first moved position, never later.
    long leftMillis = (backoff - (long) in.config().loopWait()) * 1000L - s.elapsedMillis();
    if (leftMillis <= 0) {
      return null;
    }
    return Plan.none(
        "My ("
            + in.me()
            + ") wal position moved since last heart beat loop, "
            + (leftMillis + 999) / 1000
            + " seconds until leader race");
  }
}
