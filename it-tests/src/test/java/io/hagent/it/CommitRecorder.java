package io.hagent.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The proof harness for "no acknowledged commit is ever lost" (issue #11): several JDBC connections
 * write through one URL (HAProxy's primary port) at a steady total rate, each transaction INSERTs
 * one unique id and COMMITs explicitly.
 *
 * <p>A commit counts as ACKNOWLEDGED only when {@code COMMIT} returned success: that is the promise
 * a database makes to an application. An error or a broken connection during the COMMIT leaves the
 * outcome unknown (the server may have committed before the connection broke); such ids are
 * recorded apart and never counted, and never retried, so every id is written at most once. An
 * error before the COMMIT (INSERT failed, connection refused) is a plain failure. After any error
 * the writer reconnects.
 *
 * <p>For every acknowledged id the recorder keeps when the COMMIT was sent and when it returned, on
 * the monotonic clock ({@link System#nanoTime()}, to compare with events of the test) and on the
 * wall clock (to compare with server logs). {@link #verify(Connection)} reads the ids present on a
 * server (the current primary) and reports acknowledged ids that are missing there.
 */
public final class CommitRecorder implements AutoCloseable {
  /** One acknowledged commit: COMMIT sent at startNanos, returned at ackNanos / ackWall. */
  public record Ack(long id, int writer, long startNanos, long ackNanos, Instant ackWall) {}

  /** An id whose COMMIT failed or lost its connection: it may or may not be in the table. */
  public record Unknown(long id, int writer, long startNanos, long endNanos, String error) {}

  /** The result of comparing the acknowledged ids with a server's table. */
  public record Report(
      int acknowledged, int unknown, int failedBeforeCommit, List<Ack> missing, int present) {
    public List<Long> missingIds() {
      return missing.stream().map(Ack::id).toList();
    }

    @Override
    public String toString() {
      return "acknowledged %d, outcome unknown %d, failed before COMMIT %d, present on the server %d, acknowledged but missing %d%s"
          .formatted(
              acknowledged,
              unknown,
              failedBeforeCommit,
              present,
              missing.size(),
              missing.isEmpty() ? "" : " " + missingIds().subList(0, Math.min(20, missing.size())));
    }
  }

  private final String url;
  private final Properties props;
  private final String table;
  private final int writers;
  private final double commitsPerSecond;
  private final AtomicLong nextId = new AtomicLong(1);
  private final List<Ack> acks = new ArrayList<>();
  private final List<Unknown> unknown = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private int failedBeforeCommit;
  private volatile boolean running = true;

  /**
   * @param writers connections writing at the same time (at least 1)
   * @param commitsPerSecond target total rate over all writers; 0 for as fast as they can
   */
  public CommitRecorder(
      String url, Properties props, String table, int writers, double commitsPerSecond) {
    if (writers < 1) {
      throw new IllegalArgumentException("writers must be >= 1, got " + writers);
    }
    if (commitsPerSecond < 0) {
      throw new IllegalArgumentException("commitsPerSecond must be >= 0, got " + commitsPerSecond);
    }
    if (!table.matches("[a-z_][a-z0-9_]*")) {
      throw new IllegalArgumentException("table must be a plain lower-case identifier: " + table);
    }
    this.url = url;
    this.props = new Properties();
    this.props.putAll(props);
    // a dead primary must not hold a writer for long: a COMMIT that waits longer than this (a
    // strict synchronous primary without a standby) ends as "unknown" and the writer reconnects
    this.props.setProperty("connectTimeout", "2");
    this.props.setProperty("socketTimeout", "10");
    this.props.setProperty("ApplicationName", "commit-recorder");
    this.table = table;
    this.writers = writers;
    this.commitsPerSecond = commitsPerSecond;
  }

  public static String createTableSql(String table) {
    return "CREATE TABLE IF NOT EXISTS "
        + table
        + " (id bigint PRIMARY KEY, writer int NOT NULL, at timestamptz DEFAULT clock_timestamp())";
  }

  /** Creates the table on conn (the primary) if needed and starts the writers. */
  public CommitRecorder start(Connection conn) throws SQLException {
    try (Statement st = conn.createStatement()) {
      st.execute(createTableSql(table));
    }
    for (int w = 0; w < writers; w++) {
      int writer = w;
      Thread t = new Thread(() -> run(writer), "commit-recorder-" + table + "-" + w);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    return this;
  }

  private void run(int writer) {
    // each writer keeps its share of the rate on its own schedule; behind schedule it does not
    // burst to catch up, so a failover is not followed by a storm of commits
    long interval =
        commitsPerSecond == 0 ? 0 : (long) (1_000_000_000L * writers / commitsPerSecond);
    long next = System.nanoTime() + (interval * writer) / writers;
    Connection conn = null;
    while (running) {
      if (interval > 0) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          sleepNanos(wait);
        }
        next = Math.max(next + interval, System.nanoTime());
      }
      try {
        if (conn == null) {
          conn = DriverManager.getConnection(url, props);
          conn.setAutoCommit(false);
        }
      } catch (SQLException e) {
        failed(writer, -1, e);
        sleepNanos(50_000_000L);
        continue;
      }
      long id = nextId.getAndIncrement();
      try (PreparedStatement ps =
          conn.prepareStatement("INSERT INTO " + table + " (id, writer) VALUES (?, ?)")) {
        ps.setLong(1, id);
        ps.setInt(2, writer);
        ps.executeUpdate();
      } catch (SQLException e) {
        failed(writer, id, e);
        closeQuietly(conn);
        conn = null;
        continue;
      }
      long start = System.nanoTime();
      try {
        conn.commit();
      } catch (SQLException e) {
        long end = System.nanoTime();
        synchronized (this) {
          unknown.add(new Unknown(id, writer, start, end, e.getSQLState() + " " + e.getMessage()));
        }
        closeQuietly(conn);
        conn = null;
        continue;
      }
      long ack = System.nanoTime();
      Instant wall = Instant.now();
      synchronized (this) {
        acks.add(new Ack(id, writer, start, ack, wall));
      }
    }
    closeQuietly(conn);
  }

  private synchronized void failed(int writer, long id, SQLException e) {
    failedBeforeCommit++;
    if (errors.size() < 200) {
      errors.add("writer " + writer + " id " + id + ": " + e.getSQLState() + " " + e.getMessage());
    }
  }

  private static void sleepNanos(long nanos) {
    try {
      Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // broken already; nothing to do
      }
    }
  }

  public synchronized List<Ack> acks() {
    return List.copyOf(acks);
  }

  public synchronized int ackCount() {
    return acks.size();
  }

  public synchronized List<Unknown> unknown() {
    return List.copyOf(unknown);
  }

  public synchronized List<String> errors() {
    return List.copyOf(errors);
  }

  /** Acknowledgements that returned in [fromNanos, toNanos). */
  public synchronized int acksBetween(long fromNanos, long toNanos) {
    int n = 0;
    for (Ack a : acks) {
      if (a.ackNanos() >= fromNanos && a.ackNanos() < toNanos) {
        n++;
      }
    }
    return n;
  }

  /** The longest time without an acknowledgement between two acks after fromNanos, in ms. */
  public synchronized long longestGapMillisAfter(long fromNanos) {
    long prev = -1;
    long longest = 0;
    // acks are appended by several threads: their ackNanos are nearly but not strictly ordered
    long[] times = acks.stream().mapToLong(Ack::ackNanos).filter(t -> t >= fromNanos).toArray();
    java.util.Arrays.sort(times);
    for (long t : times) {
      if (prev >= 0) {
        longest = Math.max(longest, t - prev);
      }
      prev = t;
    }
    return longest / 1_000_000L;
  }

  /** Blocks until n more commits were acknowledged than now. */
  public void awaitMoreAcks(int n, Duration timeout) {
    int target = ackCount() + n;
    Wait.until(n + " more acknowledged commits in " + table, timeout, () -> ackCount() >= target);
  }

  /** Blocks until n commits were acknowledged after fromNanos (System.nanoTime()). */
  public void awaitAcksAfter(long fromNanos, int n, Duration timeout) {
    Wait.until(
        n + " acknowledged commits in " + table + " after the event",
        timeout,
        () -> acksBetween(fromNanos, Long.MAX_VALUE) >= n);
  }

  /**
   * Reads the ids present in the table on conn (meant to be the current primary) and reports every
   * id acknowledged so far that is not there. The list of acks is taken before the read, so every
   * one of them was committed before the read started.
   */
  public Report verify(Connection conn) throws SQLException {
    List<Ack> acked;
    int unknownCount;
    int failed;
    synchronized (this) {
      acked = List.copyOf(acks);
      unknownCount = unknown.size();
      failed = failedBeforeCommit;
    }
    Set<Long> present = new HashSet<>();
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT id FROM " + table)) {
      while (rs.next()) {
        present.add(rs.getLong(1));
      }
    }
    List<Ack> missing = acked.stream().filter(a -> !present.contains(a.id())).toList();
    return new Report(acked.size(), unknownCount, failed, missing, present.size());
  }

  /** Stops the writers and waits for them (an in-flight statement may take socketTimeout). */
  @Override
  public void close() {
    running = false;
    for (Thread t : threads) {
      try {
        t.join(Duration.ofSeconds(15).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
