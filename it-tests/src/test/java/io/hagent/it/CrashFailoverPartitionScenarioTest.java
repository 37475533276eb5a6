package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The other side of {@link CrashFailoverScenarioTest}: a leader cut off behind proxies that stop
 * answering (a partition: connects hang, nothing is refused) is not taken for crashed by the
 * replicas' crash detection (docs/crash-detection.md); the failover waits for the lease.
 */
@Tag("scenario")
class CrashFailoverPartitionScenarioTest {
  private static final int TTL = 20;

  private static ClusterFixture c;

  @BeforeAll
  static void startCluster() {
    c =
        ClusterFixture.startPartitionable(
            new ClusterSpec(3, false, TTL, 2, 5, false, RestApiSecurity.none()));
  }

  @AfterAll
  static void stopCluster() {
    if (c != null) {
      c.close();
    }
  }

  @Test
  void aPartitionedLeaderIsNotTakenForCrashed() throws Exception {
    AgentNode old;
    try {
      old = c.waitForHealthyCluster(Duration.ofSeconds(120));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n" + c.logTails(60), e);
    }
    Map<AgentNode, Long> from = new HashMap<>();
    for (AgentNode n : c.nodes()) {
      from.put(n, Files.size(n.log()));
    }
    long t0 = System.nanoTime();
    c.partition(old);
    Duration took;
    try {
      AgentNode next =
          Wait.forValue(
              "a node other than " + old.name() + " to report primary",
              Duration.ofSeconds(TTL + 40L),
              () ->
                  c.nodes().stream().filter(n -> n != old && n.reportsRole("primary")).findFirst());
      took = Duration.ofNanos(System.nanoTime() - t0);
      System.out.printf(
          "partitioned leader (proxies hang): %s promoted after %d ms (ttl %d s)%n",
          next.name(), took.toMillis(), TTL);
    } finally {
      c.heal(old);
    }
    StringBuilder logs = new StringBuilder();
    for (AgentNode n : c.nodes()) {
      if (n != old) {
        logs.append(since(n, from.get(n)));
      }
    }
    assertFalse(
        logs.toString().contains("refuse connections"),
        "a partitioned leader was taken for crashed:\n" + c.logTails(40));
    assertTrue(
        took.compareTo(Duration.ofSeconds(TTL - 8L)) > 0,
        "failover after " + took.toMillis() + " ms: faster than the lease allows");
    c.waitForHealthyCluster(Duration.ofSeconds(180));
  }

  private static String since(AgentNode n, long from) throws IOException {
    byte[] all = Files.readAllBytes(n.log());
    int start = (int) Math.min(from, all.length);
    return new String(all, start, all.length - start, StandardCharsets.UTF_8);
  }
}
