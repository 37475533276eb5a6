package io.hagent.it;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The fencing check of issue #12: a client that writes straight to one node's PostgreSQL port, not
 * through HAProxy, as an application with a stale address would. It is a {@link CommitRecorder}
 * with one connection to that node, so "acknowledged" means the same (COMMIT returned success).
 *
 * <p>A fenced node must acknowledge nothing once another node can take writes: {@link
 * #acksAfter(long)} with the new primary's {@link PromotionWatcher.Promotion#lastInRecoveryNanos()}
 * (the earliest the promotion can have happened) must be empty. The comparison is on COMMIT's
 * return: an ack that returns after the promotion told the client "durable" at a moment when a
 * second primary already existed, whatever the moment the old server wrote the commit record.
 */
public final class DirectWriteProbe implements AutoCloseable {
  private final AgentNode node;
  private final CommitRecorder recorder;

  /**
   * @param commitsPerSecond the probe's rate; 0 for as fast as one connection can
   */
  public DirectWriteProbe(AgentNode node, Properties props, String table, double commitsPerSecond) {
    this.node = node;
    Properties p = new Properties();
    p.putAll(props);
    this.recorder = new CommitRecorder(node.jdbcUrl(), p, table, 1, commitsPerSecond);
  }

  /** Creates the table through the node itself (it must be primary now) and starts writing. */
  public DirectWriteProbe start() throws SQLException {
    try (Connection c = node.connect()) {
      recorder.start(c);
    }
    return this;
  }

  public AgentNode node() {
    return node;
  }

  public CommitRecorder recorder() {
    return recorder;
  }

  /** Acknowledged commits whose COMMIT returned after atNanos (System.nanoTime()). */
  public List<CommitRecorder.Ack> acksAfter(long atNanos) {
    List<CommitRecorder.Ack> after = new ArrayList<>();
    for (CommitRecorder.Ack a : recorder.acks()) {
      if (a.ackNanos() > atNanos) {
        after.add(a);
      }
    }
    return after;
  }

  /** The last acknowledgement, or empty when there was none. */
  public java.util.Optional<CommitRecorder.Ack> lastAck() {
    List<CommitRecorder.Ack> acks = recorder.acks();
    return acks.isEmpty()
        ? java.util.Optional.empty()
        : java.util.Optional.of(
            acks.stream()
                .max(java.util.Comparator.comparingLong(CommitRecorder.Ack::ackNanos))
                .orElseThrow());
  }

  @Override
  public void close() {
    recorder.close();
  }
}
