package io.hagent.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key written twice keeps its last value, as in Patroni (PyYAML), and the loader says so with the
 * key's path and both lines, instead of SnakeYAML's raw java.util.logging line.
 */
class DuplicateKeysTest {
  @TempDir Path tmp;

  @Test
  void duplicateKeyIsAWarningWithPathAndLinesAndTheLastValueWins() throws Exception {
    String yaml =
        ConfigLoaderTest.MINIMAL
            + "  parameters:\n" // line 17
            + "    work_mem: 4MB\n"
            + "    shared_buffers: 1GB\n"
            + "    work_mem: 8MB\n" // line 20
            + "tags:\n"
            + "  nofailover: true\n"
            + "tags:\n" // line 23
            + "  nofailover: false\n";
    Path p = tmp.resolve("patroni.yml");
    Files.writeString(p, yaml);
    List<String> julRecords = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler recorder =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord r) {
            julRecords.add(r.getLoggerName() + ": " + r.getMessage());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    ConfigLoader.Loaded loaded;
    try {
      root.addHandler(recorder);
      loaded = ConfigLoader.loadWithWarnings(p, Map.of("HOME", "/h"));
    } finally {
      root.removeHandler(recorder);
    }
    assertEquals(
        List.of(
            p
                + ": duplicate key postgresql.parameters.work_mem on lines 18 and 20: the value on"
                + " line 20 is used, as Patroni does",
            p
                + ": duplicate key tags on lines 21 and 23: the value on line 23 is used, as"
                + " Patroni does"),
        loaded.warnings());
    assertEquals("8MB", loaded.config().postgresql().parameters().get("work_mem"));
    assertEquals(Boolean.FALSE, loaded.config().tags().get("nofailover"));
    assertEquals(List.of(), julRecords, "SnakeYAML's own java.util.logging warning");
    assertEquals(List.of(), ConfigLoader.check(p, Map.of("HOME", "/h")).problems());
  }

  @Test
  void keysRepeatedInDifferentMappingsAreNotDuplicates() throws Exception {
    Path p = tmp.resolve("patroni.yml");
    Files.writeString(p, ConfigLoaderTest.MINIMAL + "tags:\n  listen: x\n");
    assertEquals(List.of(), ConfigLoader.loadWithWarnings(p, Map.of("HOME", "/h")).warnings());
  }
}
