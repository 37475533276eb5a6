package io.hagent.agent.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * reconfigure() without a running PostgreSQL (no processes): what it refuses, and that it leaves
 * the data directory alone when there is nothing to reload (start() writes the files later).
 */
class PostgresControllerReconfigureTest {
  private static final DynamicConfig DYNAMIC = DynamicConfig.from(Map.of());

  @TempDir Path tmp;

  private HagentConfig node(Path dataDir, int port, Map<String, Object> params) {
    return TestConfigs.node("n1", dataDir, port, tmp.resolve("pgpass"), params, null);
  }

  @Test
  void refusesSettingsThatOnlyARestartCanChange() {
    Path data = tmp.resolve("data");
    PostgresController pg = new PostgresController(node(data, 5432, Map.of()));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> pg.reconfigure(node(tmp.resolve("other"), 5432, Map.of()), DYNAMIC));
    assertTrue(e.getMessage().contains("data_dir"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> pg.reconfigure(node(data, 5433, Map.of()), DYNAMIC));
  }

  @Test
  void stoppedPostgresGetsNoFilesWritten() throws Exception {
    Path data = Files.createDirectory(tmp.resolve("data"));
    PostgresController pg = new PostgresController(node(data, 5432, Map.of()));
    pg.reconfigure(node(data, 5432, Map.of("work_mem", "8MB")), DYNAMIC);
    // an empty data directory must stay empty: initdb and pg_basebackup need it so
    try (Stream<Path> files = Files.list(data)) {
      assertEquals(List.of(), files.toList());
    }
    assertTrue(pg.commandHistory().isEmpty(), "no pg_ctl reload without a postmaster");
  }
}
