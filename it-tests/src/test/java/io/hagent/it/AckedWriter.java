package io.hagent.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A background writer that INSERTs sequential ids (autocommit) through one JDBC URL, reconnecting
 * after any failure, and records every id whose COMMIT was acknowledged and when. After a failover
 * a test checks that all acknowledged ids exist on the new primary, and reads the write gap.
 *
 * <p>A failed attempt never retries its id (its outcome is unknown: it may or may not have
 * committed), so ids are unique and the table needs only a primary key.
 */
public final class AckedWriter implements AutoCloseable {
  /** One acknowledged write: the id and System.nanoTime() when the COMMIT returned. */
  public record Ack(long id, long ackedAtNanos) {}

  /** The longest time without an acknowledged write, between the two acks around it. */
  public record Gap(Duration length, long lastIdBefore, long firstIdAfter) {}

  private final String url;
  private final Properties props;
  private final String table;
  private final Duration pause;
  private final List<Ack> acks = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  public AckedWriter(String url, Properties props, String table, Duration pause) {
    this.url = url;
    this.props = new Properties();
    this.props.putAll(props);
    this.props.setProperty("connectTimeout", "2");
    this.props.setProperty("socketTimeout", "5");
    this.table = table;
    this.pause = pause;
    this.thread = new Thread(this::run, "acked-writer-" + table);
    this.thread.setDaemon(true);
  }

  public static String createTableSql(String table) {
    return "CREATE TABLE IF NOT EXISTS "
        + table
        + " (id bigint PRIMARY KEY, at timestamptz DEFAULT now())";
  }

  public AckedWriter start() {
    thread.start();
    return this;
  }

  private void run() {
    long nextId = 1;
    Connection conn = null;
    while (running) {
      long id = nextId++;
      try {
        if (conn == null) {
          conn = DriverManager.getConnection(url, props);
          conn.setAutoCommit(true);
        }
        try (PreparedStatement ps =
            conn.prepareStatement("INSERT INTO " + table + " (id) VALUES (?)")) {
          ps.setLong(1, id);
          ps.executeUpdate();
        }
        long now = System.nanoTime();
        synchronized (this) {
          acks.add(new Ack(id, now));
        }
      } catch (SQLException e) {
        synchronized (this) {
          if (errors.size() < 200) {
            errors.add("id " + id + ": " + e.getSQLState() + " " + e.getMessage());
          }
        }
        closeQuietly(conn);
        conn = null;
        Wait.sleep(Duration.ofMillis(100));
        continue;
      }
      if (!pause.isZero()) {
        Wait.sleep(pause);
      }
    }
    closeQuietly(conn);
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // the connection is already broken; nothing to do
      }
    }
  }

  public synchronized List<Ack> acks() {
    return List.copyOf(acks);
  }

  public synchronized List<Long> ackedIds() {
    return acks.stream().map(Ack::id).toList();
  }

  public synchronized int ackCount() {
    return acks.size();
  }

  public synchronized List<String> errors() {
    return List.copyOf(errors);
  }

  /** Blocks until at least n more acknowledged writes than now, or fails after the timeout. */
  public void awaitMoreAcks(int n, Duration timeout) {
    int target = ackCount() + n;
    Wait.until(n + " more acknowledged writes", timeout, () -> ackCount() >= target);
  }

  /** The longest interval between consecutive acknowledged writes. */
  public synchronized Gap longestGap() {
    Gap longest = new Gap(Duration.ZERO, 0, 0);
    for (int i = 1; i < acks.size(); i++) {
      long d = acks.get(i).ackedAtNanos() - acks.get(i - 1).ackedAtNanos();
      if (d > longest.length().toNanos()) {
        longest = new Gap(Duration.ofNanos(d), acks.get(i - 1).id(), acks.get(i).id());
      }
    }
    return longest;
  }

  /**
   * Unavailability around an event at eventNanos (System.nanoTime()): from the last ack before it
   * to the first ack after it; empty when there is no ack after the event yet.
   */
  public synchronized java.util.Optional<Gap> gapAround(long eventNanos) {
    Ack before = null;
    for (Ack a : acks) {
      if (a.ackedAtNanos() <= eventNanos) {
        before = a;
      } else {
        return before == null
            ? java.util.Optional.empty()
            : java.util.Optional.of(
                new Gap(
                    Duration.ofNanos(a.ackedAtNanos() - before.ackedAtNanos()),
                    before.id(),
                    a.id()));
      }
    }
    return java.util.Optional.empty();
  }

  /** Stops the thread and waits for it (an in-flight statement may take up to socketTimeout). */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(Duration.ofSeconds(15).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Which of the given ids are missing from the table on this connection. */
  public static List<Long> missingIds(Connection c, String table, List<Long> ids)
      throws SQLException {
    java.util.Set<Long> present = new java.util.HashSet<>();
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT id FROM " + table)) {
      while (rs.next()) {
        present.add(rs.getLong(1));
      }
    }
    return ids.stream().filter(id -> !present.contains(id)).toList();
  }
}
