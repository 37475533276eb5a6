package io.hagent.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/**
 * {@link CommitRecorder} for scripts (scripts/benchmark-sync): writes through a JDBC URL for a
 * while, then waits for that URL to lead to a writable primary again and prints how many
 * acknowledged commits it lacks. The script crashes the primary in the meantime.
 *
 * <pre>
 * java -cp it-tests/target/test-classes:agent/target/hagent.jar io.hagent.it.CommitRecorderMain \
 *     JDBC_URL TABLE SECONDS [WRITERS [COMMITS_PER_SECOND]]
 * </pre>
 *
 * User from PGUSER (default postgres), password from PGPASSWORD. The last line of the output is
 * machine-readable: {@code RESULT acknowledged=N unknown=N failed=N missing=N}. Exit code 0 when
 * nothing acknowledged is missing, 1 when something is, 2 on bad usage or no primary.
 */
public final class CommitRecorderMain {
  private CommitRecorderMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3 || args.length > 5) {
      System.err.println(
          "usage: CommitRecorderMain JDBC_URL TABLE SECONDS [WRITERS [COMMITS_PER_SECOND]]");
      System.exit(2);
    }
    String url = args[0];
    String table = args[1];
    int seconds = Integer.parseInt(args[2]);
    int writers = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    double rate = args.length > 4 ? Double.parseDouble(args[4]) : 300;
    Properties props = new Properties();
    props.setProperty("user", System.getenv().getOrDefault("PGUSER", "postgres"));
    String password = System.getenv("PGPASSWORD");
    if (password != null) {
      props.setProperty("password", password);
    }
    props.setProperty("connectTimeout", "2");
    props.setProperty("socketTimeout", "10");

    CommitRecorder recorder = new CommitRecorder(url, props, table, writers, rate);
    try (Connection c = primary(url, props, Duration.ofSeconds(30))) {
      recorder.start(c);
    }
    long start = System.nanoTime();
    long end = start + Duration.ofSeconds(seconds).toNanos();
    long lastPrint = start;
    while (System.nanoTime() < end) {
      Wait.sleep(Duration.ofMillis(200));
      long now = System.nanoTime();
      if (now - lastPrint >= 5_000_000_000L) {
        System.out.printf(
            "  %3d s: %d commits acknowledged, %d unknown%n",
            (now - start) / 1_000_000_000L, recorder.ackCount(), recorder.unknown().size());
        lastPrint = now;
      }
    }
    recorder.close();
    CommitRecorder.Report report;
    try (Connection c = primary(url, props, Duration.ofSeconds(120))) {
      report = recorder.verify(c);
    }
    System.out.println(report);
    System.out.printf(
        "RESULT acknowledged=%d unknown=%d failed=%d missing=%d%n",
        report.acknowledged(),
        report.unknown(),
        report.failedBeforeCommit(),
        report.missing().size());
    System.exit(report.missing().isEmpty() ? 0 : 1);
  }

  /** A connection through url to a server that is not in recovery, retried until the timeout. */
  private static Connection primary(String url, Properties props, Duration timeout) {
    try {
      return Wait.forValue(
          "a writable primary at " + url,
          timeout,
          () -> {
            try {
              Connection c = DriverManager.getConnection(url, props);
              try (Statement st = c.createStatement();
                  ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
                if (rs.next() && !rs.getBoolean(1)) {
                  return java.util.Optional.of(c);
                }
              }
              c.close();
              return java.util.Optional.empty();
            } catch (SQLException e) {
              return java.util.Optional.empty();
            }
          });
    } catch (AssertionError e) {
      System.err.println(e.getMessage());
      System.exit(2);
      throw e;
    }
  }
}
