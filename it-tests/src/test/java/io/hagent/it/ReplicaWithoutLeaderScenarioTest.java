package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * create_replica_methods with {@code no_leader}: a node whose data directory is gone comes back
 * while the cluster has no leader at all (every agent stopped) and restores itself from a backup,
 * as Patroni's "bootstrap (without leader)". Without the backup (before it exists) the same method
 * fails and the replica falls back to basebackup.
 */
@Tag("scenario")
class ReplicaWithoutLeaderScenarioTest {
  private static final Duration BOOTSTRAP = Duration.ofSeconds(120);

  @Test
  void aNoLeaderMethodRestoresAReplicaWhileThereIsNoLeader() throws Exception {
    Path base = Files.createTempDirectory("hagent-it-no-leader-");
    Path backup = base.resolve("backup");
    Path script = base.resolve("restore.sh");
    Files.writeString(
        script,
        """
        #!/bin/sh
        for a in "$@"; do
          case "$a" in
            --datadir=*) datadir="${a#--datadir=}" ;;
            --backup=*) backup="${a#--backup=}" ;;
          esac
        done
        [ -d "$backup" ] || { echo "restore: no backup yet" >&2; exit 2; }
        echo "$*" >> "%s"
        cp -a "$backup"/. "$datadir"/ && chmod 700 "$datadir"
        """
            .formatted(base.resolve("restore-args")));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    String methods =
        "\npostgresql:\n  create_replica_methods: [restore, basebackup]\n  restore:\n"
            + "    command: "
            + script
            + "\n    no_leader: true\n    backup: "
            + backup
            + "\n";
    ClusterFixture c = null;
    try {
      c =
          ClusterFixture.start(
              ClusterSpec.threeNodes().withNodes(2),
              n -> Map.of(),
              (name, yaml) -> yaml.replace("\npostgresql:\n", methods));
      AgentNode leader = c.waitForHealthyCluster(BOOTSTRAP);
      AgentNode replica = c.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
      assertTrue(
          Files.readString(replica.log()).contains("replica has been created using basebackup"),
          "without a backup the first method fails and basebackup is used");
      try (Connection conn = leader.connect();
          Statement st = conn.createStatement()) {
        st.execute("CREATE TABLE before_backup (note text)");
        st.execute("INSERT INTO before_backup VALUES ('kept')");
      }
      ProcessBuilder pb =
          new ProcessBuilder(
                  NodeConfig.BIN_DIR + "/pg_basebackup",
                  "-D",
                  backup.toString(),
                  "-X",
                  "stream",
                  "-c",
                  "fast",
                  "-h",
                  "127.0.0.1",
                  "-p",
                  String.valueOf(leader.config().pgPort()),
                  "-U",
                  Credentials.REPLICATION)
              .inheritIO();
      pb.environment().put("PGPASSWORD", c.credentials().replicationPassword());
      Process p = pb.start();
      assertTrue(p.waitFor(120, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), "pg_basebackup");

      // no leader at all: both agents stop (each stops its PostgreSQL), the replica loses its data
      assertTrue(replica.stopAgent(Duration.ofSeconds(60)));
      assertTrue(leader.stopAgent(Duration.ofSeconds(60)));
      try (Stream<Path> walk = Files.walk(replica.config().dataDir())) {
        walk.sorted(Comparator.reverseOrder())
            .filter(f -> !f.equals(replica.config().dataDir()))
            .forEach(f -> f.toFile().delete());
      }
      long logStart = Files.size(replica.log());
      replica.start();
      Wait.until(
          replica.name() + " to restore itself without a leader",
          BOOTSTRAP,
          () -> {
            replica.assertNotDied();
            return readFrom(replica.log(), logStart).contains("bootstrapped (without leader)");
          });
      String log = readFrom(replica.log(), logStart);
      assertTrue(log.contains("trying to bootstrap (without leader)"), log);
      assertTrue(log.contains("replica has been created using restore"), log);
      List<String> calls = Files.readAllLines(base.resolve("restore-args"));
      assertEquals(1, calls.size(), calls.toString());
      assertTrue(calls.get(0).contains("--no_leader=True --backup=" + backup), calls.get(0));
      assertTrue(calls.get(0).endsWith("--connstring="), "no source: " + calls.get(0));
      Wait.until(
          replica.name() + " to run its PostgreSQL",
          BOOTSTRAP,
          () -> replica.reportsRole("replica") || replica.reportsRole("primary"));
      try (Connection conn = replica.connect();
          Statement st = conn.createStatement();
          ResultSet rs = st.executeQuery("SELECT note FROM before_backup")) {
        assertTrue(rs.next());
        assertEquals("kept", rs.getString(1));
      }
    } catch (Throwable t) {
      if (c != null) {
        System.err.println(c.logTails(80));
      }
      throw t;
    } finally {
      if (c != null) {
        c.close();
      }
      try (Stream<Path> walk = Files.walk(base)) {
        walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private static String readFrom(Path log, long offset) {
    try {
      byte[] all = Files.readAllBytes(log);
      return new String(
          all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset));
    } catch (java.io.IOException e) {
      return "";
    }
  }
}
