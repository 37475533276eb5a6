package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Crash failover faster than the lease (issue #16, docs/crash-detection.md): kill -9 of the
 * leader's agent and PostgreSQL costs a few seconds of writes through HAProxy, not the ttl; a
 * frozen leader (SIGSTOP: its sockets still accept) is not taken for crashed and fails over only
 * after the lease; with {@code fast_failover: false} a crash waits for the lease as before.
 */
@Tag("scenario")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrashFailoverScenarioTest {
  private static final Duration HEAL = Duration.ofSeconds(180);
  private static final String REMOVAL = "refuse connections";

  @RegisterExtension
  static final ClusterExtension CLUSTER =
      new ClusterExtension(ClusterSpec.threeNodes().withHaproxy());

  private final ClusterFixture c = CLUSTER.cluster();
  private final Duration ttl = Duration.ofSeconds(c.spec().ttl());

  @Test
  @Order(1)
  void aCrashedLeaderFailsOverThroughHaproxyWithinSeconds() throws Exception {
    AgentNode old = c.waitForHealthyCluster(HEAL);
    Map<AgentNode, Long> logFrom = logSizes();
    Crash r = crashUnderWrites(old, "crash_fast");
    System.out.printf(
        "crash failover (fast_failover on, ttl %d s): new leader %s after %d ms, write gap"
            + " through HAProxy %d ms%n",
        ttl.toSeconds(), r.next().name(), r.promotedAfter().toMillis(), r.gap().toMillis());
    String explained = logsSince(logFrom, old);
    assertTrue(
        explained.contains(REMOVAL) && explained.contains("removing its leader key"),
        "no replica explained removing the crashed leader's key:\n" + c.logTails(40));
    assertTrue(
        r.gap().compareTo(Duration.ofSeconds(10)) < 0,
        "writes through HAProxy were unavailable for " + r.gap().toMillis() + " ms");
    assertTrue(
        r.promotedAfter().compareTo(ttl.minusSeconds(5)) < 0,
        "promoted only after " + r.promotedAfter().toMillis() + " ms: the lease decided");

    // the crashed node comes back (as systemd would restart it) and rejoins as a replica
    old.start();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    assertEquals(r.next(), leader);
    assertEquals("replica", old.status().orElseThrow().path("role").asText());
  }

  @Test
  @Order(2)
  void aFrozenLeaderIsNotTakenForCrashedAndFailsOverOnlyAfterTheLease() throws Exception {
    AgentNode old = c.waitForHealthyCluster(HEAL);
    Map<AgentNode, Long> logFrom = logSizes();
    long agentPid = old.agentPid().orElseThrow();
    List<Long> frozen = new ArrayList<>();
    frozen.add(agentPid);
    ProcessHandle pm = old.postmaster().orElseThrow();
    frozen.add(pm.pid());
    pm.descendants().forEach(p -> frozen.add(p.pid()));
    long t0 = System.nanoTime();
    frozen.forEach(pid -> signal(pid, "STOP"));
    Duration took;
    try {
      AgentNode next = waitForOtherPrimary(old, ttl.plusSeconds(40));
      took = Duration.ofNanos(System.nanoTime() - t0);
      System.out.printf(
          "frozen leader (SIGSTOP agent + postmaster): %s promoted after %d ms (ttl %d s)%n",
          next.name(), took.toMillis(), ttl.toSeconds());
    } finally {
      frozen.forEach(pid -> signal(pid, "CONT"));
    }
    assertFalse(
        logsSince(logFrom, old).contains(REMOVAL),
        "a frozen leader was taken for crashed:\n" + c.logTails(40));
    assertTrue(
        took.compareTo(ttl.minusSeconds(8)) > 0,
        "failover after " + took.toMillis() + " ms: faster than the lease allows");
    c.waitForHealthyCluster(HEAL);
  }

  @Test
  @Order(3)
  void withTheSwitchOffACrashWaitsForTheLease() throws Exception {
    AgentNode old = c.waitForHealthyCluster(HEAL);
    patchConfig(old, "{\"fast_failover\": false}");
    // every node applies it at its next cycle (loop_wait 2 s)
    Wait.sleep(Duration.ofSeconds(3L * c.spec().loopWait()));
    try {
      Map<AgentNode, Long> logFrom = logSizes();
      Crash r = crashUnderWrites(old, "crash_lease");
      System.out.printf(
          "crash failover (fast_failover off, ttl %d s): new leader %s after %d ms, write gap"
              + " through HAProxy %d ms%n",
          ttl.toSeconds(), r.next().name(), r.promotedAfter().toMillis(), r.gap().toMillis());
      assertFalse(logsSince(logFrom, old).contains(REMOVAL), "the switch was ignored");
      assertTrue(
          r.gap().compareTo(ttl.minusSeconds(8)) > 0,
          "a gap of " + r.gap().toMillis() + " ms is shorter than the lease allows");
      old.start();
      c.waitForHealthyCluster(HEAL);
    } finally {
      patchConfig(c.waitForLeader(HEAL), "{\"fast_failover\": null}");
    }
  }

  // ---------------------------------------------------------------------------------------------

  private record Crash(AgentNode next, Duration promotedAfter, Duration gap) {}

  /**
   * Writes through HAProxy every 20 ms, kill -9 of old's agent and postmaster, until writes flow.
   */
  private Crash crashUnderWrites(AgentNode old, String table) throws SQLException {
    try (Connection conn = old.connect();
        Statement st = conn.createStatement()) {
      st.execute(AckedWriter.createTableSql(table));
    }
    Wait.until(
        "HAProxy to route the primary listener to " + old.name() + " only",
        Duration.ofSeconds(30),
        () -> upServers().equals(List.of(old.name())));
    try (PrimaryCounter counter = new PrimaryCounter(c.nodes());
        AckedWriter writer =
            new AckedWriter(
                    c.haproxyPrimaryUrl(), c.connectionProperties(), table, Duration.ofMillis(20))
                .start()) {
      writer.awaitMoreAcks(30, Duration.ofSeconds(30));
      long crashedAt = System.nanoTime();
      old.crash();
      AgentNode next = c.waitForLeader(ttl.plusSeconds(40));
      Duration promotedAfter = Duration.ofNanos(System.nanoTime() - crashedAt);
      assertNotEquals(old, next);
      writer.awaitMoreAcks(30, Duration.ofSeconds(60));
      Duration gap = writer.longestGap().length();
      assertEquals(
          1, counter.maxSimultaneousPrimaries(), "split brain: " + counter.worstObservation());
      return new Crash(next, promotedAfter, gap);
    }
  }

  private AgentNode waitForOtherPrimary(AgentNode old, Duration timeout) {
    return Wait.forValue(
        "a node other than " + old.name() + " to report primary",
        timeout,
        () -> c.nodes().stream().filter(n -> n != old && n.reportsRole("primary")).findFirst());
  }

  private List<String> upServers() {
    List<String> up = new ArrayList<>();
    for (Map.Entry<String, String> e :
        c.haproxy().orElseThrow().serverStates("primary").entrySet()) {
      if (e.getValue().startsWith("UP")) {
        up.add(e.getKey());
      }
    }
    return up;
  }

  private Map<AgentNode, Long> logSizes() throws IOException {
    Map<AgentNode, Long> sizes = new HashMap<>();
    for (AgentNode n : c.nodes()) {
      sizes.put(n, Files.exists(n.log()) ? Files.size(n.log()) : 0L);
    }
    return sizes;
  }

  /** What every node but {@code except} logged since {@code from}. */
  private String logsSince(Map<AgentNode, Long> from, AgentNode except) throws IOException {
    StringBuilder out = new StringBuilder();
    for (AgentNode n : c.nodes()) {
      if (n == except) {
        continue;
      }
      byte[] all = Files.readAllBytes(n.log());
      int start = (int) Math.min(from.getOrDefault(n, 0L), all.length);
      out.append(new String(all, start, all.length - start, StandardCharsets.UTF_8));
    }
    return out.toString();
  }

  private static void patchConfig(AgentNode node, String json) throws Exception {
    HttpResponse<String> r =
        AgentNode.httpClient(null)
            .send(
                HttpRequest.newBuilder(node.restUri("/config"))
                    .timeout(Duration.ofSeconds(30))
                    .method("PATCH", HttpRequest.BodyPublishers.ofString(json))
                    .header("Content-Type", "application/json")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
  }

  private static void signal(long pid, String sig) {
    try {
      new ProcessBuilder("kill", "-" + sig, Long.toString(pid))
          .start()
          .waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
