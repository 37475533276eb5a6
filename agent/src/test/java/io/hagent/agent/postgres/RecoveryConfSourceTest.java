package io.hagent.agent.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.PostgresqlConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** recovery_conf comes from the node's file, else from the dynamic configuration (§3.5). */
class RecoveryConfSourceTest {
  static final DynamicConfig DYNAMIC =
      DynamicConfig.from(
          Map.of(
              "postgresql",
              Map.of(
                  "recovery_conf",
                  Map.of("restore_command", "cp /dyn/%f %p", "recovery_min_apply_delay", "5min"))));

  static PostgresqlConfig local() {
    return TestConfigs.node("n1", Path.of("/tmp/d"), 5432, Path.of("/tmp/p"), Map.of(), null)
        .postgresql();
  }

  @Test
  void theDynamicOneAppliesWhenTheFileHasNone() {
    assertEquals(
        Map.of("restore_command", "cp /dyn/%f %p", "recovery_min_apply_delay", "5min"),
        ConfigWriter.recoveryConf(local(), DYNAMIC));
    assertNull(ConfigWriter.recoveryConf(local(), DynamicConfig.from(Map.of())));
  }

  @Test
  void pgIdentLinesAreReadFromAPostgresqlSection() {
    assertEquals(
        java.util.List.of("m1 sys pg"),
        ConfigWriter.identLines(
            Map.of("postgresql", Map.of("pg_ident", java.util.List.of("m1 sys pg")))));
    assertNull(ConfigWriter.identLines(Map.of("postgresql", Map.of())));
    assertNull(ConfigWriter.identLines(null));
  }

  @Test
  void theFileWins() {
    PostgresqlConfig p = local();
    PostgresqlConfig withLocal =
        new PostgresqlConfig(
            p.listenAddresses(),
            p.port(),
            p.connectAddress(),
            p.proxyAddress(),
            p.dataDir(),
            p.configDir(),
            p.binDir(),
            p.binName(),
            p.pgpass(),
            p.database(),
            p.superuser(),
            p.replication(),
            p.rewind(),
            p.parameters(),
            p.pgHba(),
            p.callbacks(),
            p.createReplicaMethods(),
            p.basebackupArgs(),
            p.usePgRewind(),
            p.removeDataDirectoryOnRewindFailure(),
            p.removeDataDirectoryOnDivergedTimelines(),
            Map.of("restore_command", "cp /local/%f %p"),
            p.pgCtlTimeout(),
            p.useUnixSocket(),
            p.prePromote(),
            p.beforeStop());
    assertEquals(
        Map.of("restore_command", "cp /local/%f %p"),
        ConfigWriter.recoveryConf(withLocal, DYNAMIC));
  }
}
