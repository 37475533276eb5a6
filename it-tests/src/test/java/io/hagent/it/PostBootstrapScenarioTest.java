package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A new cluster bootstraps with a post_bootstrap command that quotes an argument, as Patroni users
 * write it: the agent splits it like Patroni's shlex.split, so psql gets {@code SELECT 1} as one
 * argument (split on whitespace it got {@code "SELECT} and {@code 1"} and the bootstrap failed).
 */
class PostBootstrapScenarioTest {

  @Test
  void postBootstrapWithAQuotedArgumentBootstrapsTheCluster() throws Exception {
    Path base = Files.createTempDirectory("hagent-it-postboot-");
    EtcdProcess etcd = new EtcdProcess(base.resolve("etcd"));
    AgentNode node = null;
    try {
      etcd.start();
      NodeConfig cfg =
          new NodeConfig(
              "itpb" + Long.toString(System.nanoTime() % 1_000_000_000L, 36),
              "node1",
              base.resolve("node1"),
              Ports.free(),
              Ports.free(),
              etcd.hostPort(),
              ClusterSpec.threeNodes().withNodes(1),
              Credentials.random());
      // The command, plus a second -c whose effect proves the script ran with its words.
      String command = "psql -w -c \"SELECT 1\" -c \"CREATE TABLE post_bootstrap_ran (note text)\"";
      String yaml =
          cfg.yaml().replace("\nbootstrap:\n", "\nbootstrap:\n  post_bootstrap: " + command + "\n");
      assertTrue(yaml.contains("post_bootstrap: psql -w -c \"SELECT 1\""), yaml);
      Files.createDirectories(
          cfg.dir(),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Files.writeString(cfg.configFile(), yaml);
      Files.setPosixFilePermissions(cfg.configFile(), PosixFilePermissions.fromString("rw-------"));

      AgentNode started = new AgentNode(cfg, ClusterFixture.agentJar()).start();
      node = started;
      ProcessReaper.registerCleanup(started::killPostmaster);
      Wait.until(
          "node1 to bootstrap and run as primary",
          Duration.ofSeconds(90),
          () -> {
            started.assertNotDied();
            return started.reportsRole("primary");
          });

      try (Connection c = started.connect();
          Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename ="
                      + " 'post_bootstrap_ran'")) {
        assertTrue(rs.next());
        assertEquals(1, rs.getInt(1), "post_bootstrap created its table");
      }
      String log = Files.readString(cfg.log());
      assertFalse(log.contains("post_bootstrap script"), log);
    } finally {
      if (node != null) {
        node.killAgent();
        node.killPostmaster();
      }
      etcd.close();
      if (!Boolean.getBoolean("it.keep")) {
        try (Stream<Path> walk = Files.walk(base)) {
          walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }
}
