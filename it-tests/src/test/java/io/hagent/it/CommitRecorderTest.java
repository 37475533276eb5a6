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
 * The durability harness against a plain PostgreSQL (no agent): it reaches its rate from several
 * connections, survives a postmaster crash by reconnecting, finds every acknowledged id after a
 * crash of a single server (fsync'd commits survive it), and does report ids that are gone.
 */
class CommitRecorderTest {
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
  void countsOnlyAcknowledgedCommitsAndReportsTheMissingOnes() throws Exception {
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

    long crashedAt;
    CommitRecorder recorder = new CommitRecorder(url, props, "acks", 4, 250);
    try (Connection setup = DriverManager.getConnection(url, props);
        CommitRecorder r = recorder.start(setup);
        DirectWriteProbe probe = new DirectWriteProbe(node, props, "direct", 50)) {
      probe.recorder().start(setup);
      recorder.awaitMoreAcks(100, Duration.ofSeconds(20));
      long t0 = System.nanoTime();
      Wait.sleep(Duration.ofSeconds(2));
      int inTwoSeconds = recorder.acksBetween(t0, System.nanoTime());
      // (a loaded 2-core machine may lag; the schedule must not burst beyond the rate)
      assertTrue(inTwoSeconds >= 300, "only " + inTwoSeconds + " commits in 2 s at 250/s");
      assertTrue(inTwoSeconds <= 600, inTwoSeconds + " commits in 2 s: the rate is not kept");
      assertEquals(4, recorder.acks().stream().map(CommitRecorder.Ack::writer).distinct().count());

      crashedAt = System.nanoTime();
      node.killPostmaster();
      Wait.sleep(Duration.ofSeconds(1));
      assertTrue(probe.acksAfter(System.nanoTime()).isEmpty(), "an ack after now cannot exist");
      long down = System.nanoTime();
      startPostgres();
      recorder.awaitAcksAfter(down, 100, Duration.ofSeconds(30));
      probe.recorder().awaitAcksAfter(down, 10, Duration.ofSeconds(30));
      assertFalse(probe.acksAfter(down).isEmpty());
      assertTrue(recorder.longestGapMillisAfter(crashedAt - 500_000_000L) >= 1000);
    }
    try (Connection c = DriverManager.getConnection(url, props)) {
      CommitRecorder.Report report = recorder.verify(c);
      assertEquals(List.of(), report.missingIds(), report.toString());
      assertTrue(report.failedBeforeCommit() > 0, "the crash caused no error: " + report);
      // an id whose COMMIT broke may or may not be there; every other row was acknowledged
      assertTrue(
          report.present() >= report.acknowledged()
              && report.present() <= report.acknowledged() + report.unknown(),
          report.toString());
    }
  }

  @Test
  void verifyListsAcknowledgedIdsThatAreNotOnTheServer() throws Exception {
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
        CommitRecorder recorder = new CommitRecorder(url, props, "lost", 4, 0).start(c)) {
      recorder.awaitMoreAcks(200, Duration.ofSeconds(20));
      recorder.close();
      assertEquals(List.of(), recorder.verify(c).missingIds());
      // what a failover to a replica that lacks the newest commits looks like to the recorder
      try (Statement st = c.createStatement()) {
        st.execute("DELETE FROM lost WHERE id IN (3, 5, 8)");
      }
      CommitRecorder.Report report = recorder.verify(c);
      assertEquals(List.of(3L, 5L, 8L), report.missingIds().stream().sorted().toList());
      assertEquals(report.acknowledged() - 3, report.present());
      assertTrue(report.toString().contains("acknowledged but missing 3"), report.toString());
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
