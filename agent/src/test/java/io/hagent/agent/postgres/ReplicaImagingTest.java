package io.hagent.agent.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.config.ConfigLoader;
import io.hagent.common.config.HagentConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which replica methods are tried and with which arguments, as Patroni's create_replica. */
class ReplicaImagingTest {
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

  private HagentConfig load(String extra) throws Exception {
    Path file = Files.createTempFile(tmp, "patroni", ".yml");
    Files.writeString(file, BASE + extra);
    return ConfigLoader.load(file, Map.of("HOME", tmp.toString()));
  }

  @Test
  void withoutMethodsItIsBasebackupAndNeedsALeader() throws Exception {
    HagentConfig c = load("");
    assertEquals(List.of("basebackup"), ReplicaImaging.toTry(c, true));
    assertEquals(List.of(), ReplicaImaging.toTry(c, false));
    assertFalse(ReplicaImaging.canCreateWithoutLeader(c));
  }

  @Test
  void aCustomMethodGetsItsOptionsThenPatronisArguments() throws Exception {
    HagentConfig c =
        load(
            """
              create_replica_methods: [pgbackrest, basebackup]
              pgbackrest:
                command: /usr/bin/pgbackrest --stanza="main db" restore
                keep_data: true
                no_leader: true
                delta: on
            """);
    assertEquals(List.of("pgbackrest", "basebackup"), ReplicaImaging.toTry(c, true));
    assertEquals(List.of("pgbackrest"), ReplicaImaging.toTry(c, false));
    assertTrue(ReplicaImaging.canCreateWithoutLeader(c));
    assertTrue(ReplicaImaging.keepData(c, "pgbackrest"));
    assertEquals(
        List.of(
            "/usr/bin/pgbackrest",
            "--stanza=main db",
            "restore",
            "--keep_data=True",
            "--no_leader=True",
            "--delta=True",
            "--scope=batman",
            "--role=replica",
            "--datadir=/var/lib/pg/data",
            "--connstring=host=h port=1"),
        ReplicaImaging.commandLine(c, "pgbackrest", "/var/lib/pg/data", "host=h port=1"));
  }

  @Test
  void noParamsPassesOnlyTheMethodsOwnOptions() throws Exception {
    HagentConfig c =
        load(
            """
              create_replica_method:
              - wal_g
              wal_g:
                command: wal-g backup-fetch /data LATEST
                no_params: true
                no_master: 1
                retries: 3
            """);
    assertEquals(
        List.of("wal-g", "backup-fetch", "/data", "LATEST", "--retries=3"),
        ReplicaImaging.commandLine(c, "wal_g", "/var/lib/pg/data", ""));
    assertEquals(List.of("wal_g"), ReplicaImaging.toTry(c, false), "no_master counts too");
  }

  @Test
  void aMethodWithoutSectionIsItsOwnCommand() throws Exception {
    HagentConfig c = load("  create_replica_methods: [/usr/local/bin/clone.sh]\n");
    assertEquals(
        List.of(
            "/usr/local/bin/clone.sh",
            "--scope=batman",
            "--role=replica",
            "--datadir=/d",
            "--connstring="),
        ReplicaImaging.commandLine(c, "/usr/local/bin/clone.sh", "/d", ""));
    assertFalse(ReplicaImaging.canCreateWithoutLeader(c));
  }

  @Test
  void pythonTruthAndSpelling() {
    assertFalse(ReplicaImaging.truthy(null));
    assertFalse(ReplicaImaging.truthy(""));
    assertFalse(ReplicaImaging.truthy(0));
    assertTrue(ReplicaImaging.truthy("false"), "a non-empty string is true in Python");
    assertEquals("True", ReplicaImaging.pythonStr(true));
    assertEquals("None", ReplicaImaging.pythonStr(null));
  }
}
