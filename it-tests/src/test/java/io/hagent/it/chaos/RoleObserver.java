package io.hagent.it.chaos;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The readers of the chaos workload: one thread per node asks {@code SELECT pg_is_in_recovery()}
 * every {@link #POLL_MILLIS} ms over its own connection and records the answer with the time
 * (System.nanoTime()). A frozen or cut-off node answers nothing (DOWN) within a second, and does
 * not delay the other nodes' samples.
 *
 * <p>A promotion is a node answering WRITABLE after it last answered RECOVERY; its moment is
 * bounded below by that last RECOVERY sample, which is what strict checks compare with (as the
 * process-based PromotionWatcher does).
 */
public final class RoleObserver implements AutoCloseable {
  static final long POLL_MILLIS = 50;

  public enum State {
    WRITABLE,
    RECOVERY,
    DOWN
  }

  public record Sample(long nanos, State state) {}

  /** Node became writable between lastRecoveryNanos and firstWritableNanos. */
  public record Promotion(String node, long lastRecoveryNanos, long firstWritableNanos) {}

  private final Map<String, List<Sample>> samples = new LinkedHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;

  public RoleObserver(List<ChaosNode> nodes) {
    for (ChaosNode n : nodes) {
      samples.put(n.name(), new ArrayList<>());
      Thread t = new Thread(() -> poll(n), "role-observer-" + n.name());
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  private void poll(ChaosNode n) {
    Connection c = null;
    while (running) {
      State s;
      try {
        if (c == null) {
          c = n.connect(1, 1);
        }
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
          rs.next();
          s = rs.getBoolean(1) ? State.RECOVERY : State.WRITABLE;
        }
      } catch (SQLException e) {
        s = State.DOWN;
        closeQuietly(c);
        c = null;
      }
      long now = System.nanoTime();
      synchronized (this) {
        samples.get(n.name()).add(new Sample(now, s));
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
    closeQuietly(c);
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // broken already
      }
    }
  }

  public synchronized Map<String, List<Sample>> samples() {
    Map<String, List<Sample>> copy = new LinkedHashMap<>();
    samples.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    return copy;
  }

  /** Every RECOVERY -> WRITABLE transition after fromNanos, in time order. */
  public List<Promotion> promotionsAfter(long fromNanos) {
    List<Promotion> out = new ArrayList<>();
    samples()
        .forEach(
            (node, list) -> {
              long lastRecovery = -1;
              for (Sample s : list) {
                if (s.state() == State.RECOVERY) {
                  lastRecovery = s.nanos();
                } else if (s.state() == State.WRITABLE && lastRecovery >= 0) {
                  if (s.nanos() > fromNanos) {
                    out.add(new Promotion(node, lastRecovery, s.nanos()));
                  }
                  lastRecovery = -1;
                }
              }
            });
    out.sort(java.util.Comparator.comparingLong(Promotion::lastRecoveryNanos));
    return out;
  }

  /**
   * The longest time node answered WRITABLE after {@code fromNanos} and before {@code untilNanos}:
   * the last such sample minus fromNanos, or 0 when there is none.
   */
  public long writableMillisAfter(String node, long fromNanos, long untilNanos) {
    long last = -1;
    for (Sample s : samples().get(node)) {
      if (s.nanos() > fromNanos && s.nanos() < untilNanos && s.state() == State.WRITABLE) {
        last = s.nanos();
      }
    }
    return last < 0 ? 0 : (last - fromNanos) / 1_000_000L;
  }

  @Override
  public void close() {
    running = false;
    for (Thread t : threads) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
