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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * bootstrap.method on real processes: a standalone PostgreSQL (not part of any cluster) gets a
 * table, a base backup is taken from it, and a new 2-node cluster is bootstrapped by a custom
 * method whose command restores that backup, with a recovery_conf. The first leader comes out of
 * recovery on a new timeline with the table, its superuser gets the cluster's password (the
 * backup's is unknown), and the second node clones from it.
 */
@Tag("scenario")
class CustomBootstrapScenarioTest {
  private static final Duration BOOTSTRAP = Duration.ofSeconds(120);

  @Test
  void aClusterBootstrappedFromABackupHasItsData() throws Exception {
    Path base = Files.createTempDirectory("hagent-it-custom-bootstrap-");
    Path source = base.resolve("source");
    Path backup = base.resolve("backup");
    int port = Ports.free();
    ClusterFixture c = null;
    boolean sourceRunning = false;
    try {
      run(
          NodeConfig.BIN_DIR + "/initdb",
          "-D",
          source.toString(),
          "--username=" + Credentials.SUPERUSER,
          "--auth=trust");
      run(
          NodeConfig.BIN_DIR + "/pg_ctl",
          "-D",
          source.toString(),
          "-l",
          base.resolve("source.log").toString(),
          "-o",
          "-p " + port + " -k " + base + " -c listen_addresses=127.0.0.1",
          "-w",
          "start");
      sourceRunning = true;
      psql(
          port,
          "CREATE TABLE before_backup (note text); INSERT INTO before_backup VALUES ('kept')");
      run(
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
          String.valueOf(port),
          "-U",
          Credentials.SUPERUSER);
      psql(port, "INSERT INTO before_backup VALUES ('after the backup')");
      run(NodeConfig.BIN_DIR + "/pg_ctl", "-D", source.toString(), "-m", "fast", "-w", "stop");
      sourceRunning = false;

      Path script = base.resolve("restore.sh");
      Files.writeString(
          script,
          """
          #!/bin/sh
          # hagent's arguments: --scope=... --datadir=... --backup=...
          for a in "$@"; do
            case "$a" in
              --datadir=*) datadir="${a#--datadir=}" ;;
              --backup=*) backup="${a#--backup=}" ;;
            esac
          done
          echo "$*" > "%s"
          cp -a "$backup"/. "$datadir"/ && chmod 700 "$datadir"
          """
              .formatted(base.resolve("restore-args")));
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
      String method =
          "\nbootstrap:\n  method: restore\n  restore:\n    command: "
              + script
              + "\n    backup: "
              + backup
              + "\n    recovery_conf:\n      restore_command: /bin/false\n";
      c =
          ClusterFixture.start(
              ClusterSpec.threeNodes().withNodes(2),
              n -> Map.of(),
              (name, yaml) -> yaml.replace("\nbootstrap:\n", method));
      AgentNode leader = c.waitForHealthyCluster(BOOTSTRAP);
      AgentNode replica = c.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
      c.waitStreaming(replica, BOOTSTRAP);

      String args = Files.readString(base.resolve("restore-args")).strip();
      assertEquals(
          "--scope="
              + c.scope()
              + " --datadir="
              + leader.config().dataDir()
              + " --backup="
              + backup,
          args);
      assertTrue(Files.readString(leader.log()).contains("Running custom bootstrap script: "));
      for (AgentNode n : List.of(leader, replica)) {
        try (Connection conn = n.connect(); // the cluster's superuser password works
            Statement st = conn.createStatement();
            ResultSet rs = st.executeQuery("SELECT string_agg(note, ',') FROM before_backup")) {
          assertTrue(rs.next());
          assertEquals("kept", rs.getString(1), n.name() + ": the table as it was in the backup");
        }
      }
      assertTrue(
          leader.status().orElseThrow().path("timeline").asInt() >= 2,
          "recovery ended with a promotion to a new timeline");
      assertTrue(
          !Files.exists(leader.config().dataDir().resolve("recovery.signal")),
          "no recovery.signal left");
      String conf = Files.readString(leader.config().dataDir().resolve("postgresql.conf"));
      assertTrue(!conf.contains("restore_command"), "recovery settings removed: " + conf);
      String hba = Files.readString(leader.config().dataDir().resolve("pg_hba.conf"));
      assertTrue(!hba.contains("127.0.0.1/32 trust"), "the temporary trust access is gone: " + hba);
    } catch (Throwable t) {
      if (c != null) {
        System.err.println(c.logTails(80));
      }
      throw t;
    } finally {
      if (c != null) {
        c.close();
      }
      if (sourceRunning) {
        new ProcessBuilder(
                NodeConfig.BIN_DIR + "/pg_ctl", "-D", source.toString(), "-m", "immediate", "stop")
            .inheritIO()
            .start()
            .waitFor(30, TimeUnit.SECONDS);
      }
      try (Stream<Path> walk = Files.walk(base)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void psql(int port, String sql) throws Exception {
    run(
        NodeConfig.BIN_DIR + "/psql",
        "-h",
        "127.0.0.1",
        "-p",
        String.valueOf(port),
        "-U",
        Credentials.SUPERUSER,
        "-d",
        "postgres",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        sql);
  }

  private static void run(String... cmd) throws Exception {
    List<String> command = new ArrayList<>(List.of(cmd));
    Process p = new ProcessBuilder(command).inheritIO().start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    assertEquals(0, p.exitValue(), "failed: " + command);
  }
}
