package io.hagent.agent.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.config.Credentials;
import java.net.ConnectException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Why the local PostgreSQL cannot be reached: logged once per reason and loop_wait, no secret. */
class ConnectFailureLogTest {
  private static final long SECOND = 1_000_000_000L;

  private long now = 1000 * SECOND;
  private final List<String> lines = new ArrayList<>();
  private final ConnectFailureLog log = new ConnectFailureLog(() -> now, lines::add);

  private static SQLException auth() {
    return new SQLException("FATAL: password authentication failed for user \"postgres\"", "28P01");
  }

  @Test
  void theSameReasonIsLoggedOncePerInterval() {
    log.interval(Duration.ofSeconds(10));
    assertTrue(log.failed("127.0.0.1:5432 as postgres", auth(), null));
    // startAndWait retries every 200 ms: 49 more attempts within the same cycle stay silent
    for (int i = 0; i < 49; i++) {
      now += SECOND / 5;
      assertFalse(log.failed("127.0.0.1:5432 as postgres", auth(), null));
    }
    assertEquals(
        List.of(
            "can not connect to PostgreSQL at 127.0.0.1:5432 as postgres:"
                + " FATAL: password authentication failed for user \"postgres\""),
        lines);
    now += SECOND / 5; // 10 s after the first line: the next cycle says it again
    assertTrue(log.failed("127.0.0.1:5432 as postgres", auth(), null));
    assertEquals(2, lines.size());
  }

  @Test
  void aDifferentReasonIsLoggedAtOnce() {
    assertTrue(log.failed("h:1 as u", auth(), null));
    now += SECOND;
    assertTrue(log.failed("h:1 as u", new SQLException("The server does not support SSL."), null));
    now += SECOND;
    assertFalse(log.failed("h:1 as u", auth(), null));
    assertFalse(log.failed("h:1 as u", new SQLException("The server does not support SSL."), null));
    assertEquals(2, lines.size());
  }

  @Test
  void theIntervalFollowsLoopWait() {
    log.interval(Duration.ofSeconds(2));
    assertTrue(log.failed("h:1 as u", auth(), null));
    now += SECOND;
    assertFalse(log.failed("h:1 as u", auth(), null));
    now += SECOND;
    assertTrue(log.failed("h:1 as u", auth(), null));
  }

  @Test
  void theCauseIsPartOfTheReasonAndThePasswordIsNot() {
    SQLException e =
        new SQLException(
            "The connection attempt failed.",
            "08001",
            new ConnectException("Connection refused for s3cret-pw"));
    String reason = ConnectFailureLog.reason(e, "s3cret-pw");
    assertEquals("The connection attempt failed.: Connection refused for ******", reason);
  }

  @Test
  void aRefusedLocalConnectionSaysWhyOnce() throws Exception {
    int port = TestConfigs.freePort(); // nothing listens there: no PostgreSQL needed
    try (LocalConnection c =
        new LocalConnection(
            "127.0.0.1",
            port,
            "postgres",
            new Credentials("postgres", "pw-not-logged", Map.of()),
            false,
            log)) {
      for (int i = 0; i < 5; i++) {
        assertThrows(SQLException.class, () -> c.query("SELECT 1"));
      }
    }
    assertEquals(1, lines.size(), lines.toString());
    String line = lines.get(0);
    assertTrue(
        line.startsWith("can not connect to PostgreSQL at 127.0.0.1:" + port + " as postgres: "),
        line);
    assertTrue(line.contains("refused"), line);
    assertFalse(line.contains("pw-not-logged"), line);
  }
}
