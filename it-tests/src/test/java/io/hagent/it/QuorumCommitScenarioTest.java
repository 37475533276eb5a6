package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #11, quorum commit on four nodes: PATCH /config with synchronous_mode quorum and
 * synchronous_node_count 2 gives ANY 2 of the three replicas, the sync key lists them with quorum
 * 1; after a crash of the leader a voter takes over with the acknowledged commit.
 */
@Tag("scenario")
class QuorumCommitScenarioTest {
  private static final Duration HEAL = Duration.ofSeconds(150);
  private static final Duration SETTLE = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final ClusterExtension CLUSTER =
      new ClusterExtension(ClusterSpec.threeNodes().withNodes(4));

  @Test
  void anyTwoOfThreeAndAVoterTakesOver() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    HttpResponse<String> r =
        AgentNode.httpClient(null)
            .send(
                HttpRequest.newBuilder(leader.restUri("/config"))
                    .method(
                        "PATCH",
                        HttpRequest.BodyPublishers.ofString(
                            "{\"synchronous_mode\":\"quorum\",\"synchronous_node_count\":2}"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    List<String> voters =
        c.nodes().stream().filter(n -> n != leader).map(AgentNode::name).sorted().toList();
    String expected =
        "ANY 2 (" + String.join(",", voters.stream().map(v -> "\"" + v + "\"").toList()) + ")";
    Wait.until("ANY 2 of three on the leader", SETTLE, () -> expected.equals(ssn(leader)));
    Wait.until(
        "the sync key to list three voters with quorum 1",
        SETTLE,
        () ->
            syncKey()
                .map(
                    k ->
                        String.join(",", voters).equals(k.path("sync_standby").asText())
                            && k.path("quorum").asInt() == 1
                            && leader.name().equals(k.path("leader").asText()))
                .orElse(false));
    for (String v : voters) {
      AgentNode n = c.node(v);
      Wait.until("/quorum on " + v, SETTLE, () -> n.healthCode("/quorum") == 200);
    }
    try (Connection conn = leader.connect();
        Statement st = conn.createStatement()) {
      st.execute("CREATE TABLE quorum_probe (x int)");
      st.execute("INSERT INTO quorum_probe VALUES (1)");
    }
    leader.crash();
    AgentNode next = c.waitForLeader(HEAL);
    assertTrue(voters.contains(next.name()), next.name() + " is a voter");
    try (Connection conn = next.connect();
        Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM quorum_probe")) {
      rs.next();
      assertEquals(1, rs.getInt(1), "the acknowledged commit survived");
    }
    leader.start();
    c.waitForHealthyCluster(HEAL);
  }

  private static String ssn(AgentNode n) {
    try (Connection conn = n.connect();
        Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SHOW synchronous_standby_names")) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      return "<" + e.getMessage() + ">";
    }
  }

  private static Optional<JsonNode> syncKey() {
    ClusterFixture c = CLUSTER.cluster();
    return c.etcd()
        .kv()
        .get(c.dcsPrefix() + "sync")
        .map(
            s -> {
              try {
                return JSON.readTree(s);
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
  }
}
