package io.hagent.agent.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hagent.common.config.LogConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class LogSetupTest {
  static final String DEFAULT_FORMAT = "%(asctime)s %(levelname)s: %(message)s";
  @TempDir Path dir;
  final Logger log = LoggerFactory.getLogger("io.hagent.agent.ha.HaLoop");

  static LogConfig config(
      String type, String dir, int fileNum, long fileSize, Map<String, String> loggers) {
    return new LogConfig(type, "INFO", DEFAULT_FORMAT, null, dir, fileNum, fileSize, loggers);
  }

  static LoggerContext context() {
    return (LoggerContext) LoggerFactory.getILoggerFactory();
  }

  @AfterEach
  void restoreDefaultLogging() throws Exception {
    context().reset();
    new ContextInitializer(context()).autoConfig();
  }

  List<String> lines(String name) throws Exception {
    return Files.readAllLines(dir.resolve(name));
  }

  @Test
  void plainLinesGoToHagentLogInPatroniFormat() throws Exception {
    LogSetup.apply(config(null, dir.toString(), 4, 25_000_000, null));
    log.info("no action. I am (node1), the leader with the lock");
    log.warn("Loop time exceeded, rescheduling immediately.");
    log.debug("not shown at INFO");
    List<String> lines = lines("hagent.log");
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(
        lines
            .get(0)
            .matches(
                "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} INFO: no action\\. I am \\(node1\\), the leader with the lock"),
        lines.get(0));
    assertTrue(lines.get(1).endsWith(" WARNING: Loop time exceeded, rescheduling immediately."));
  }

  @Test
  void jsonLinesUseTheFormatsAttributesAsKeys() throws Exception {
    LogSetup.apply(config("json", dir.toString(), 4, 25_000_000, null));
    log.info("promoted self to leader by acquiring session lock");
    log.error("failed to update leader lock", new IllegalStateException("etcd timeout"));
    List<String> lines = lines("hagent.log");
    assertEquals(2, lines.size(), lines.toString());
    ObjectMapper json = new ObjectMapper();
    JsonNode first = json.readTree(lines.get(0));
    assertEquals(List.of("asctime", "levelname", "message"), fieldNames(first));
    assertEquals("INFO", first.get("levelname").asText());
    assertEquals(
        "promoted self to leader by acquiring session lock", first.get("message").asText());
    JsonNode second = json.readTree(lines.get(1));
    assertEquals("ERROR", second.get("levelname").asText());
    assertTrue(second.get("exc_info").asText().contains("IllegalStateException: etcd timeout"));
  }

  static List<String> fieldNames(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void rotatesBySizeKeepingFileNumOldFiles() throws Exception {
    LogSetup.apply(config(null, dir.toString(), 2, 1024, null));
    String filler = "x".repeat(100);
    for (int i = 0; i < 100; i++) {
      log.info("line {} {}", i, filler);
    }
    assertTrue(Files.exists(dir.resolve("hagent.log")));
    assertTrue(Files.exists(dir.resolve("hagent.log.1")));
    assertTrue(Files.exists(dir.resolve("hagent.log.2")));
    assertFalse(Files.exists(dir.resolve("hagent.log.3")));
    assertTrue(Files.size(dir.resolve("hagent.log.1")) <= 1024 + 200);
    List<String> current = lines("hagent.log");
    assertTrue(current.get(current.size() - 1).contains("line 99 "));
  }

  @Test
  void noisyLibrariesAtWarnUnlessConfigured() {
    LogSetup.apply(
        config(
            null,
            null,
            4,
            25_000_000,
            Map.of("io.grpc", "DEBUG", "io.hagent.agent.api", "WARNING")));
    assertEquals(Level.DEBUG, context().getLogger("io.grpc").getEffectiveLevel());
    assertEquals(Level.WARN, context().getLogger("io.netty.channel").getEffectiveLevel());
    assertEquals(Level.WARN, context().getLogger("io.vertx.core").getEffectiveLevel());
    assertEquals(Level.WARN, context().getLogger("io.hagent.agent.api.Rest").getEffectiveLevel());
    assertEquals(Level.INFO, context().getLogger("io.hagent.agent.ha").getEffectiveLevel());
  }

  @Test
  void julRecordsArriveThroughTheBridge() throws Exception {
    LogSetup.apply(config(null, dir.toString(), 4, 25_000_000, null));
    java.util.logging.Logger.getLogger("io.hagent.jul").warning("from java.util.logging");
    java.util.logging.Logger.getLogger("io.grpc.internal").info("grpc chatter");
    List<String> lines = lines("hagent.log");
    assertEquals(1, lines.size(), lines.toString());
    assertTrue(lines.get(0).endsWith("WARNING: from java.util.logging"));
  }

  @Test
  void secretsAreMasked() throws Exception {
    LogSetup.apply(config(null, dir.toString(), 4, 25_000_000, null));
    log.info("running pg_basebackup --dbname=host=10.0.0.11 user=replicator password=hunter2");
    String line = lines("hagent.log").get(0);
    assertFalse(line.contains("hunter2"), line);
    assertTrue(line.contains("password=******"), line);
  }

  @Test
  void badSettingsThrowAndChangeNothing() throws Exception {
    LogSetup.apply(config(null, dir.toString(), 4, 25_000_000, null));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LogSetup.apply(config("xml", null, 4, 25_000_000, null)));
    assertTrue(e.getMessage().startsWith("log.type"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LogSetup.apply(config(null, null, 4, 25_000_000, Map.of("io.hagent", "LOUD"))));
    assertTrue(e.getMessage().contains("log.loggers.io.hagent"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LogSetup.apply(config(null, dir.resolve("missing").toString(), 4, 1, null)));
    assertTrue(e.getMessage().contains("not a writable directory"), e.getMessage());
    log.info("still logging to the file");
    assertEquals(
        List.of("still logging to the file"),
        lines("hagent.log").stream().map(l -> l.substring(l.indexOf(": ") + 2)).toList());
  }
}
