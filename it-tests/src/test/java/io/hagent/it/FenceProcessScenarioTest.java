package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code watchdog.driver: fence} on a real cluster (docs/fencing.md, "The fence process"): three
 * nodes with {@code mode: required}, ttl 20, safety_margin 5 (timeout 15 s), no watchdog device.
 * Unlike WatchdogScenariosTest, nothing here emulates the fence: the fence process kills the frozen
 * leader's PostgreSQL itself.
 */
@Tag("scenario")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FenceProcessScenarioTest {
  private static final Duration HEAL = Duration.ofSeconds(120);
  private static final ClusterSpec SPEC = ClusterSpec.threeNodes();
  private static final int SAFETY_MARGIN = 5;
  private static ClusterFixture c;

  @org.junit.jupiter.api.extension.RegisterExtension
  static final LogTailsOnFailure LOG_TAILS = new LogTailsOnFailure(() -> c);

  @BeforeAll
  static void startCluster() {
    c =
        ClusterFixture.start(
            SPEC,
            name -> Map.of(),
            (name, yaml) ->
                yaml
                    + "\nwatchdog:\n  mode: required\n  driver: fence\n  safety_margin: %d\n"
                        .formatted(SAFETY_MARGIN));
    ProcessReaper.registerCleanup(FenceProcessScenarioTest::stopFences);
  }

  @AfterAll
  static void stopCluster() {
    if (c != null) {
      for (AgentNode n : c.nodes()) {
        n.agentPid().ifPresent(pid -> WatchdogScenariosTest.signal(pid, "CONT"));
      }
      c.close();
      stopFences();
    }
  }

  /** Fence processes outlive their agents by design: the test ends the ones its agents started. */
  private static void stopFences() {
    for (AgentNode n : c.nodes()) {
      fencePid(n).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @BeforeEach
  void heal() {
    for (AgentNode n : c.nodes()) {
      if (!n.isAgentRunning()) {
        n.start();
      }
    }
  }

  private static Path fenceDir(AgentNode n) {
    Path data = n.config().dataDir().toAbsolutePath().normalize();
    return data.resolveSibling(data.getFileName() + ".fence");
  }

  /** The live fence process of a node, if any. */
  private static Optional<Long> fencePid(AgentNode n) {
    try {
      long pid = Long.parseLong(Files.readString(fenceDir(n).resolve("fence.pid")).trim());
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(ProcessHandle::pid);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static String fenceLog(AgentNode n) throws IOException {
    Path log = fenceDir(n).resolve("fence.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  @Test
  @Order(1)
  void onlyTheLeaderRunsAFenceProcessArmedWithTtlMinusSafetyMargin() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    Wait.until(
        "the leader's fence process", Duration.ofSeconds(30), () -> fencePid(leader).isPresent());
    for (AgentNode n : c.nodes()) {
      assertEquals(n == leader, fencePid(n).isPresent(), n.name() + "'s fence process");
    }
    String log = Files.readString(leader.log());
    assertTrue(
        log.contains(
            "hagent fence process (pid "
                + fencePid(leader).orElseThrow()
                + ") activated with "
                + (SPEC.ttl() - SAFETY_MARGIN)
                + " second timeout"),
        "no activation line in " + leader.log());
  }

  /**
   * SIGSTOP of the leader's agent only, PostgreSQL left running with a client writing to it
   * directly: the fence process kills that PostgreSQL before the leader key can expire, so every
   * commit the old primary acknowledged is older than the new primary's promotion.
   */
  @Test
  @Order(2)
  void aFrozenLeadersPostgresIsKilledByItsFenceBeforeAReplicaPromotes() throws Exception {
    AgentNode old = c.waitForHealthyCluster(HEAL);
    WatchdogScenariosTest.execute(
        old, "CREATE TABLE IF NOT EXISTS wd_writes (id bigserial PRIMARY KEY, t timestamptz)");
    long pm = old.postmaster().orElseThrow().pid();
    long agentPid = old.agentPid().orElseThrow();
    AgentNode promoted;
    long stopMs;
    long killedMs;
    WatchdogScenariosTest.DirectWriter writer = new WatchdogScenariosTest.DirectWriter(old);
    try {
      writer.awaitAcks(20);
      stopMs = System.currentTimeMillis();
      WatchdogScenariosTest.signal(agentPid, "STOP");
      try {
        Wait.until(
            old.name() + "'s postmaster to be killed by its fence",
            Duration.ofSeconds(2L * SPEC.ttl()),
            () -> ProcessHandle.of(pm).isEmpty());
        killedMs = System.currentTimeMillis();
        promoted =
            Wait.forValue(
                "a replica to promote",
                Duration.ofSeconds(3L * SPEC.ttl()),
                () ->
                    c.nodes().stream()
                        .filter(n -> n != old && n.reportsRole("primary"))
                        .findFirst());
      } finally {
        WatchdogScenariosTest.signal(agentPid, "CONT");
      }
    } finally {
      writer.close();
    }
    long promotedMs = WatchdogScenariosTest.promotionTime(promoted);
    long lastAck = writer.lastAck();
    System.out.printf(
        "frozen leader with the fence process: PostgreSQL killed %d ms after SIGSTOP; last"
            + " acknowledged write on the old primary %d ms before %s's promotion (%d acknowledged"
            + " in all)%n",
        killedMs - stopMs, promotedMs - lastAck, promoted.name(), writer.acks.size());
    assertTrue(
        killedMs - stopMs <= (SPEC.ttl() - SAFETY_MARGIN + SPEC.loopWait() + 1) * 1000L,
        "killed " + (killedMs - stopMs) + " ms after SIGSTOP");
    assertTrue(
        lastAck < promotedMs,
        "the old primary acknowledged a commit "
            + (lastAck - promotedMs)
            + " ms after the new primary's promotion");
    assertTrue(fenceLog(old).contains("killed PostgreSQL's postmaster " + pm), fenceLog(old));

    AgentNode leader = c.waitForHealthyCluster(HEAL);
    assertEquals(promoted, leader);
    assertEquals("replica", old.status().orElseThrow().path("role").asText());
    assertTrue(fencePid(old).isEmpty(), "the old leader still runs a fence process");
  }

  /**
   * kill -9 of the leader's agent, restarted within the fence's timeout (as systemd's
   * Restart=always would): the new agent feeds the fence process its predecessor left, and the
   * primary is not killed.
   */
  @Test
  @Order(3)
  void aLeaderAgentRestartedInTimeKeepsItsPrimary() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    Wait.until(
        "the leader's fence process", Duration.ofSeconds(30), () -> fencePid(leader).isPresent());
    long fence = fencePid(leader).orElseThrow();
    long pm = leader.postmaster().orElseThrow().pid();
    // kill -9 of the agent's JVM alone, as the OOM killer does (AgentNode.killAgent would also kill
    // the fence, which is the agent's descendant)
    WatchdogScenariosTest.signal(leader.agentPid().orElseThrow(), "KILL");
    Wait.until("the agent to die", Duration.ofSeconds(10), () -> !leader.isAgentRunning());
    Wait.sleep(Duration.ofSeconds(2));
    leader.start();
    // past the timeout of the last keepalive the killed agent sent
    Wait.sleep(Duration.ofSeconds(SPEC.ttl() - SAFETY_MARGIN + 3));
    assertEquals(Optional.of(fence), fencePid(leader), "the fence process was replaced or fired");
    assertEquals(pm, leader.postmaster().orElseThrow().pid(), "the primary was killed");
    assertEquals(leader, c.waitForHealthyCluster(HEAL));
    assertTrue(!fenceLog(leader).contains("killed"), fenceLog(leader));
  }

  /** A clean shutdown stops PostgreSQL, then disarms the fence: no fence process is left. */
  @Test
  @Order(4)
  void aCleanShutdownDisarmsTheFence() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    Wait.until(
        "the leader's fence process", Duration.ofSeconds(30), () -> fencePid(leader).isPresent());
    assertTrue(leader.stopAgent(Duration.ofSeconds(60)));
    Wait.until(
        "the fence to be disarmed", Duration.ofSeconds(10), () -> fencePid(leader).isEmpty());
    assertTrue(fenceLog(leader).contains("disarmed"), fenceLog(leader));
  }
}
