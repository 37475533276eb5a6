package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Maintenance mode (pause) as Patroni's users run it: the agents stop acting on their own, but a
 * switchover to a named candidate is still carried out (Patroni's pause docs: "Manual unscheduled
 * restart, reinitialize and manual failover are allowed").
 */
@Tag("scenario")
class PauseScenariosTest {
  private static final Duration BOOTSTRAP = Duration.ofSeconds(90);
  private static final Duration ROLE_CHANGE = Duration.ofSeconds(40);

  @RegisterExtension
  static final ClusterExtension CLUSTER =
      new ClusterExtension(ClusterSpec.threeNodes().withNodes(2));

  @Test
  void switchoverToANamedCandidateIsCarriedOutInPause() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode old = c.waitForHealthyCluster(BOOTSTRAP);
    AgentNode candidate = c.replicas().get(0);

    assertEquals(200, send(old, "PATCH", "/config", "{\"pause\": true}").statusCode());
    Wait.until(
        "every agent reports pause",
        ROLE_CHANGE,
        () ->
            c.nodes().stream()
                .allMatch(n -> n.status().map(s -> s.path("pause").asBoolean()).orElse(false)));

    HttpResponse<String> r =
        send(
            old,
            "POST",
            "/switchover",
            "{\"leader\": \"" + old.name() + "\", \"candidate\": \"" + candidate.name() + "\"}");
    assertEquals(200, r.statusCode(), r.body() + "\n" + c.logTails(30));
    assertEquals("Successfully switched over to \"" + candidate.name() + "\"", r.body());
    assertEquals(candidate, c.waitForLeader(ROLE_CHANGE));
    // Once the candidate runs as primary it clears the failover key it kept while promoting.
    String failoverKey = c.dcsPrefix() + "failover";
    Wait.until(
        "the failover key to be cleared",
        ROLE_CHANGE,
        () -> c.etcd().kv().get(failoverKey).map(v -> v.isBlank() || v.equals("{}")).orElse(true));
    Wait.until(
        old.name() + " to run as a replica again", ROLE_CHANGE, () -> old.reportsRole("replica"));
    assertTrue(
        candidate.status().orElseThrow().path("pause").asBoolean(), "the cluster left pause");

    assertEquals(200, send(candidate, "PATCH", "/config", "{\"pause\": false}").statusCode());
    c.waitForHealthyCluster(BOOTSTRAP);
  }

  private static HttpResponse<String> send(AgentNode n, String method, String path, String body)
      throws Exception {
    return AgentNode.httpClient(null)
        .send(
            HttpRequest.newBuilder(n.restUri(path))
                .timeout(Duration.ofSeconds(60))
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json")
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
