package io.hagent.it.chaos;

import io.hagent.it.CommitRecorder;
import java.util.List;
import java.util.Map;

/**
 * The checker's dual-primary count: commits a node acknowledged on its direct connection after
 * another node had been promoted, split by when the COMMIT was <em>sent</em>.
 *
 * <p>The moment of a promotion is bounded below by the new primary's last "in recovery" answer
 * ({@link RoleObserver.Promotion#lastRecoveryNanos()}), so both counts lean towards counting more.
 * A commit of another node counts from that moment until that node is itself promoted again (then
 * its commits are legitimate again) or the round ends:
 *
 * <ul>
 *   <li><b>accepted after the promotion</b>: COMMIT sent after it. The old primary took a new write
 *       while another node was primary: this is the dual-primary window, and the invariant.
 *   <li><b>in flight across the promotion</b>: COMMIT sent before it (at or before the new
 *       primary's last "in recovery" answer) and acknowledged after it. Such a commit is concurrent
 *       with the promotion (a COMMIT waiting on a slow disk, a lossy link or a synchronous standby;
 *       the writers' 10 s socket timeout bounds the wait, so it returns at most about 10 s after
 *       the promotion); whether it survives is the replication mode's business and shows in the
 *       lost column, not here.
 * </ul>
 *
 * @param acceptedAfter commits sent and acknowledged by a node after another node's promotion
 * @param acceptedAfterMillis the latest such acknowledgement minus that promotion (0 when none)
 * @param inFlight commits sent before another node's promotion and acknowledged after it
 * @param inFlightMillis the latest such acknowledgement minus that promotion (0 when none)
 */
record OldPrimaryCommits(
    int acceptedAfter, long acceptedAfterMillis, int inFlight, long inFlightMillis) {

  /**
   * @param promotions every promotion seen during the round
   * @param directAcks per node, the commits acknowledged on the connection straight to it
   * @param endNanos the end of the round (a window still open counts up to it)
   */
  static OldPrimaryCommits of(
      List<RoleObserver.Promotion> promotions,
      Map<String, List<CommitRecorder.Ack>> directAcks,
      long endNanos) {
    int accepted = 0;
    long acceptedMillis = 0;
    int inFlight = 0;
    long inFlightMillis = 0;
    for (RoleObserver.Promotion p : promotions) {
      long promoted = p.lastRecoveryNanos();
      for (Map.Entry<String, List<CommitRecorder.Ack>> e : directAcks.entrySet()) {
        if (e.getKey().equals(p.node())) {
          continue;
        }
        long until = nextPromotion(promotions, e.getKey(), promoted, endNanos);
        for (CommitRecorder.Ack a : e.getValue()) {
          long millis = (a.ackNanos() - promoted) / 1_000_000L;
          if (a.startNanos() > promoted && a.startNanos() < until) {
            accepted++;
            acceptedMillis = Math.max(acceptedMillis, millis);
          } else if (a.startNanos() <= promoted && a.ackNanos() > promoted) {
            inFlight++;
            inFlightMillis = Math.max(inFlightMillis, millis);
          }
        }
      }
    }
    return new OldPrimaryCommits(accepted, acceptedMillis, inFlight, inFlightMillis);
  }

  /** When {@code node} is promoted after {@code after}, or endNanos. */
  static long nextPromotion(
      List<RoleObserver.Promotion> promotions, String node, long after, long endNanos) {
    return promotions.stream()
        .filter(q -> q.node().equals(node) && q.lastRecoveryNanos() > after)
        .mapToLong(RoleObserver.Promotion::lastRecoveryNanos)
        .min()
        .orElse(endNanos);
  }
}
