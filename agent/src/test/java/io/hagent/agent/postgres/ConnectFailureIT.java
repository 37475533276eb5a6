package io.hagent.agent.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.hagent.common.config.Credentials;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL 15 that the agent cannot log in to (wrong password, TLS it does not offer): the
 * driver's reason is logged, once per loop_wait however often the agent retries, and never with the
 * password.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectFailureIT {
  // initdb's pg_hba trusts local TCP; a password has to be asked for to be wrong
  private static final DynamicConfig DYNAMIC =
      DynamicConfig.from(
          Map.of(
              "loop_wait",
              10,
              "postgresql",
              Map.of(
                  "pg_hba",
                  List.of("local all all trust", "host all all 127.0.0.1/32 scram-sha-256"))));
  private static final String WRONG_PASSWORD = "Wr0ng-pa55word";

  @TempDir static Path tmp;

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final List<PostgresController> controllers = new ArrayList<>();
  private int port;
  private Map<String, Object> parameters;
  private PostgresController primary;

  @BeforeAll
  void bootstrap() throws Exception {
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    port = TestConfigs.freePort();
    parameters = Map.of("unix_socket_directories", tmp.toString(), "fsync", false);
    primary =
        controller(
            withSuperuser(new Credentials("postgres", TestConfigs.SUPERUSER_PASSWORD, Map.of())));
    assertTrue(primary.bootstrap(DYNAMIC));
  }

  @AfterAll
  void tearDown() {
    for (PostgresController c : controllers) {
      c.stop(Postgres.StopMode.IMMEDIATE, false, 30);
    }
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
  }

  @BeforeEach
  void clearLogs() {
    logs.list.clear();
  }

  private PostgresController controller(HagentConfig config) {
    PostgresController c = new PostgresController(config);
    controllers.add(c);
    return c;
  }

  /** The same node with other superuser credentials (as after an edit of the YAML). */
  private HagentConfig withSuperuser(Credentials superuser) {
    return TestConfigs.node(
        "node1", tmp.resolve("data"), port, tmp.resolve("pgpass"), parameters, null, superuser);
  }

  private List<String> warnings(String containing) {
    return logs.list.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains(containing))
        .toList();
  }

  private void assertNoPasswordLogged() {
    for (ILoggingEvent e : logs.list) {
      String m = e.getFormattedMessage();
      assertFalse(m.contains(WRONG_PASSWORD), m);
      assertFalse(m.contains(TestConfigs.SUPERUSER_PASSWORD), m);
    }
  }

  @Test
  void aWrongPasswordIsNamedOncePerLoopWait() {
    PostgresController wrong =
        controller(withSuperuser(new Credentials("postgres", WRONG_PASSWORD, Map.of())));
    for (int i = 0; i < 10; i++) {
      assertFalse(wrong.probe().running(), "cannot log in, so cannot see it running");
    }
    List<String> lines = warnings("password authentication failed");
    assertEquals(1, lines.size(), lines.toString());
    assertTrue(
        lines.get(0).startsWith("can not connect to PostgreSQL at 127.0.0.1:"), lines.get(0));
    assertTrue(lines.get(0).contains("for user \"postgres\""), lines.get(0));
    assertNoPasswordLogged();
    assertTrue(primary.probe().running(), "the right password still works");
  }

  @Test
  void aStartThatCannotLogInSaysWhyInsteadOfRetryingSilently() {
    assertTrue(primary.stop(Postgres.StopMode.FAST, false, 30));
    try {
      PostgresController wrong =
          controller(withSuperuser(new Credentials("postgres", WRONG_PASSWORD, Map.of())));
      // pg_ctl start succeeds; the login is retried every 200 ms for 3 s: ~15 attempts
      assertFalse(wrong.start(true, null, DYNAMIC, 3));
      List<String> lines = warnings("password authentication failed");
      assertEquals(1, lines.size(), lines.toString());
      assertNoPasswordLogged();
      wrong.stop(Postgres.StopMode.FAST, false, 30);
    } finally {
      assertTrue(primary.start(true, null, DYNAMIC, 60));
    }
  }

  @Test
  void tlsTheServerDoesNotOfferIsNamed() {
    PostgresController tls =
        controller(
            withSuperuser(
                new Credentials(
                    "postgres", TestConfigs.SUPERUSER_PASSWORD, Map.of("sslmode", "require"))));
    assertFalse(tls.probe().running());
    assertFalse(tls.probe().running());
    List<String> lines = warnings("SSL");
    assertEquals(1, lines.size(), lines.toString());
    assertNoPasswordLogged();
  }
}
