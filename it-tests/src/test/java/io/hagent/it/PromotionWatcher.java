package io.hagent.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Measures when a node's PostgreSQL became writable: every {@link #POLL} it asks each node {@code
 * SELECT pg_is_in_recovery()} over its own connection and remembers, per node, the last answer "in
 * recovery" and the first answer "not in recovery" that followed.
 *
 * <p>The promotion happened between those two answers. Checks that must be strict ("nothing was
 * acknowledged on the old primary after the new one could take writes") use the earlier bound,
 * {@link Promotion#lastInRecoveryNanos()}: it is never after the real moment, at most one poll
 * interval plus a query's latency before it. The agent's log line ("promoted self to leader ...")
 * is not used: it is written when the agent decides, not when PostgreSQL ends recovery, and its
 * timestamp is on another process's clock.
 */
public final class PromotionWatcher implements AutoCloseable {
  static final Duration POLL = Duration.ofMillis(20);

  /** A node seen in recovery at lastInRecoveryNanos and writable at firstWritableNanos. */
  public record Promotion(
      String node, long lastInRecoveryNanos, long firstWritableNanos, Instant firstWritableWall) {
    /** How precisely the moment is known: the width of the window it lies in. */
    public Duration uncertainty() {
      return Duration.ofNanos(firstWritableNanos - lastInRecoveryNanos);
    }
  }

  private final List<AgentNode> nodes;
  private final Map<String, Long> lastInRecovery = new HashMap<>();
  private final List<Promotion> promotions = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  public PromotionWatcher(List<AgentNode> nodes) {
    this.nodes = List.copyOf(nodes);
    this.thread = new Thread(this::run, "promotion-watcher");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  private void run() {
    Map<String, Connection> conns = new HashMap<>();
    while (running) {
      for (AgentNode n : nodes) {
        Optional<Boolean> inRecovery = ask(n, conns);
        long now = System.nanoTime();
        if (inRecovery.isEmpty()) {
          continue;
        }
        synchronized (this) {
          if (inRecovery.get()) {
            lastInRecovery.put(n.name(), now);
          } else {
            Long last = lastInRecovery.remove(n.name());
            if (last != null) {
              promotions.add(new Promotion(n.name(), last, now, Instant.now()));
            }
          }
        }
      }
      Wait.sleep(POLL);
    }
    conns.values().forEach(PromotionWatcher::closeQuietly);
  }

  private static Optional<Boolean> ask(AgentNode n, Map<String, Connection> conns) {
    Connection c = conns.get(n.name());
    try {
      if (c == null) {
        Properties p = AgentNode.connectionProperties(n.config().credentials());
        if (n.config().spec().tls() != null) {
          n.config().spec().tls().addJdbcTls(p);
        }
        p.setProperty("connectTimeout", "1");
        p.setProperty("socketTimeout", "2");
        p.setProperty("ApplicationName", "promotion-watcher");
        c = DriverManager.getConnection(n.jdbcUrl(), p);
        conns.put(n.name(), c);
      }
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
        rs.next();
        return Optional.of(rs.getBoolean(1));
      }
    } catch (SQLException e) {
      closeQuietly(c);
      conns.remove(n.name());
      return Optional.empty();
    }
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

  /** Every promotion seen so far, in order. */
  public synchronized List<Promotion> promotions() {
    return List.copyOf(promotions);
  }

  /** Waits for a node other than {@code except} to be seen promoted after afterNanos. */
  public Promotion awaitPromotion(String except, long afterNanos, Duration timeout) {
    return Wait.forValue(
        "a node other than " + except + " to end recovery",
        timeout,
        () -> {
          synchronized (this) {
            return promotions.stream()
                .filter(p -> !p.node().equals(except) && p.firstWritableNanos() > afterNanos)
                .findFirst();
          }
        });
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
