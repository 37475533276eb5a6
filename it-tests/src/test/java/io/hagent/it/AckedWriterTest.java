package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer and the postmaster crash used by the failover scenarios, checked against a plain
 * PostgreSQL (no agent): a crash is survived by reconnecting, the gap around it is measured, and
 * every acknowledged id is in the table afterwards.
 */
class AckedWriterTest {
  @TempDir Path tmp;
  private final int port = Ports.free();
  private Path data;
  private AgentNode node;

  @AfterEach
  void stopPostgres() {
    if (node != null) {
      node.killPostmaster();
    }
  }

  @Test
  void survivesAPostmasterCrashAndKeepsEveryAcknowledgedWrite() throws Exception {
    NodeConfig cfg =
        new NodeConfig(
            "s",
            "solo",
            tmp,
            Ports.free(),
            port,
            "127.0.0.1:1",
            ClusterSpec.threeNodes(),
            Credentials.random());
    data = cfg.dataDir();
    node = new AgentNode(cfg, tmp.resolve("no-agent.jar"));
    run(NodeConfig.BIN_DIR + "/initdb", "-D", data.toString(), "-U", "postgres", "--auth=trust");
    startPostgres();
    Properties props = new Properties();
    props.setProperty("user", "postgres");
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    try (Connection c = DriverManager.getConnection(url, props);
        Statement st = c.createStatement()) {
      st.execute(AckedWriter.createTableSql("w"));
    }

    List<Long> acked;
    AckedWriter.Gap gap;
    try (AckedWriter writer = new AckedWriter(url, props, "w", Duration.ofMillis(10)).start()) {
      writer.awaitMoreAcks(20, Duration.ofSeconds(20));
      assertTrue(node.postmaster().isPresent(), "postmaster.pid not found or not a postgres");
      node.killPostmaster();
      assertFalse(node.postmaster().isPresent());
      Wait.sleep(Duration.ofSeconds(1));
      startPostgres();
      writer.awaitMoreAcks(20, Duration.ofSeconds(30));
      // Backends can still commit for a moment after the postmaster is killed, so the outage is
      // the longest gap, not necessarily the one straddling the kill instant.
      gap = writer.longestGap();
      acked = writer.ackedIds();
      assertFalse(writer.errors().isEmpty(), "the crash caused no write error");
    }
    assertTrue(gap.length().compareTo(Duration.ofSeconds(1)) >= 0, "gap " + gap);
    assertTrue(gap.firstIdAfter() > gap.lastIdBefore());
    try (Connection c = DriverManager.getConnection(url, props)) {
      assertEquals(List.of(), AckedWriter.missingIds(c, "w", acked));
    }
  }

  private void startPostgres() throws IOException, InterruptedException {
    run(
        NodeConfig.BIN_DIR + "/pg_ctl",
        "-D",
        data.toString(),
        "-l",
        tmp.resolve("pg.log").toString(),
        "-o",
        "-p " + port + " -k " + tmp + " -c listen_addresses=127.0.0.1",
        "-w",
        "start");
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
    }
  }
}
