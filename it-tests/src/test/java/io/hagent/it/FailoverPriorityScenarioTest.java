package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #10: when the leader shuts down cleanly and both replicas have the same WAL, the one with
 * the higher failover_priority becomes leader, and the other says why it stood back, in Patroni's
 * words. Two rounds, the higher priority once on each replica, so name order cannot decide.
 */
@Tag("scenario")
class FailoverPriorityScenarioTest {
  private static final Duration HEAL = Duration.ofSeconds(120);

  @RegisterExtension
  static final ClusterExtension CLUSTER = new ClusterExtension(ClusterSpec.threeNodes());

  @Test
  void higherPriorityWinsAfterACleanShutdownOfTheLeader() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    for (int round = 0; round < 2; round++) {
      AgentNode leader = c.waitForHealthyCluster(HEAL);
      List<AgentNode> replicas =
          c.replicas().stream().sorted(Comparator.comparing(AgentNode::name)).toList();
      AgentNode preferred = replicas.get(round == 0 ? 1 : 0);
      AgentNode other = replicas.get(round == 0 ? 0 : 1);
      setPriority(preferred, 2);
      setPriority(other, 1);
      Wait.until(
          preferred.name() + " to publish failover_priority 2",
          Duration.ofSeconds(30),
          () ->
              preferred
                  .status()
                  .map(s -> s.path("tags").path("failover_priority").asInt() == 2)
                  .orElse(false));

      long otherLogBefore = Files.size(other.log());
      assertTrue(leader.stopAgent(Duration.ofSeconds(60)), "the leader stopped on SIGTERM");
      AgentNode next = c.waitForLeader(Duration.ofSeconds(40));
      assertEquals(preferred.name(), next.name(), "round " + round + ": the higher priority wins");
      String otherLog = tail(other.log(), otherLogBefore);
      assertTrue(
          otherLog.contains(
                  preferred.name()
                      + " has equally tolerable WAL position and priority 2, while this node has"
                      + " priority 1")
              || otherLog.contains(
                  "Wal position of " + preferred.name() + " is ahead of my wal position"),
          other.name() + " says why it stood back:\n" + otherLog);

      leader.start();
      c.waitForHealthyCluster(HEAL);
    }
  }

  private static String tail(Path log, long from) throws Exception {
    byte[] all = Files.readAllBytes(log);
    return new String(
        all,
        (int) Math.min(from, all.length),
        (int) Math.max(0, all.length - from),
        StandardCharsets.UTF_8);
  }

  /** Edits the node's YAML tags and reloads it, as an operator would. */
  private static void setPriority(AgentNode n, int priority) throws Exception {
    Path file = n.config().configFile();
    String yaml = Files.readString(file).replaceAll("\n  failover_priority: \\d+", "");
    yaml = yaml.replace("\ntags:\n", "\ntags:\n  failover_priority: " + priority + "\n");
    Files.writeString(file, yaml);
    HttpResponse<String> r =
        AgentNode.httpClient(null)
            .send(
                HttpRequest.newBuilder(n.restUri("/reload"))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(202, r.statusCode(), r.body());
  }
}
