package io.hagent.agent.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.config.ConfigLoader;
import io.hagent.common.config.HagentConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bootstrap.method: which method runs and with which arguments, as Patroni's _custom_bootstrap. */
class CustomBootstrapTest {
  @TempDir Path tmp;

  private static final String BASE =
      """
      name: pg1
      scope: batman
      restapi:
        listen: 127.0.0.1:8008
      etcd3:
        hosts: 127.0.0.1:2379
      postgresql:
        listen: 127.0.0.1:5432
        data_dir: /var/lib/pg/data
        authentication:
          superuser:
            username: postgres
          replication:
            username: replicator
      """;

  private HagentConfig load(String bootstrap) throws Exception {
    Path file = Files.createTempFile(tmp, "patroni", ".yml");
    Files.writeString(file, BASE + bootstrap);
    return ConfigLoader.load(file, Map.of("HOME", tmp.toString()));
  }

  @Test
  void initdbUnlessAMethodWithACommandIsNamed() throws Exception {
    assertNull(CustomBootstrap.of(load("")));
    assertNull(CustomBootstrap.of(load("bootstrap:\n  method: initdb\n")));
    assertNull(CustomBootstrap.of(load("bootstrap:\n  method: wal_g\n")), "no section: initdb");
  }

  @Test
  void theCommandGetsScopeDatadirAndTheOtherOptions() throws Exception {
    CustomBootstrap b =
        CustomBootstrap.of(
            load(
                """
                bootstrap:
                  method: restore
                  restore:
                    command: /usr/local/bin/restore.sh --from 'my backup'
                    keep_existing_recovery_conf: true
                    target: latest
                    recovery_conf:
                      restore_command: cp /archive/%f %p
                      recovery_target_action: promote
                """));
    assertEquals("restore", b.name());
    assertTrue(b.keepExistingRecoveryConf());
    assertEquals(
        List.of(
            "/usr/local/bin/restore.sh",
            "--from",
            "my backup",
            "--scope=batman",
            "--datadir=/var/lib/pg/data",
            "--target=latest"),
        b.commandLine("batman", "/var/lib/pg/data"));
    assertEquals(
        Map.of("restore_command", "cp /archive/%f %p", "recovery_target_action", "promote"),
        b.recoveryConf());
  }

  @Test
  void noParamsLeavesScopeAndDatadirOut() throws Exception {
    CustomBootstrap b =
        CustomBootstrap.of(
            load(
                """
                bootstrap:
                  method: wal_g
                  wal_g:
                    command: wal-g backup-fetch /data LATEST
                    no_params: true
                    retries: 2
                """));
    assertFalse(b.keepExistingRecoveryConf());
    assertNull(b.recoveryConf());
    assertEquals(
        List.of("wal-g", "backup-fetch", "/data", "LATEST", "--retries=2"),
        b.commandLine("batman", "/d"));
  }
}
