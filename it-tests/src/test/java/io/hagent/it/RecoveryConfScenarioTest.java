package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * postgresql.recovery_conf in the dynamic configuration reaches the replicas the PostgreSQL 12+ way
 * (settings in postgresql.conf, applied by a reload), not the primary.
 */
@Tag("scenario")
class RecoveryConfScenarioTest {
  private static final Duration BOOTSTRAP = Duration.ofSeconds(90);

  @RegisterExtension
  static final ClusterExtension CLUSTER =
      new ClusterExtension(ClusterSpec.threeNodes().withNodes(2));

  @Test
  void dynamicRecoveryConfReachesTheReplica() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForHealthyCluster(BOOTSTRAP);
    AgentNode replica = c.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    String restore = "cp /nonexistent-archive/%f %p";
    String json =
        "{\"postgresql\":{\"recovery_conf\":{\"restore_command\":\""
            + restore
            + "\",\"recovery_min_apply_delay\":\"1s\"}}}";
    HttpResponse<String> r =
        AgentNode.httpClient(null)
            .send(
                HttpRequest.newBuilder(leader.restUri("/config"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .method("PATCH", HttpRequest.BodyPublishers.ofString(json))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    Wait.until(
        "the replica to run with restore_command and recovery_min_apply_delay",
        Duration.ofSeconds(30),
        () ->
            show(replica, "restore_command").filter(restore::equals).isPresent()
                && show(replica, "recovery_min_apply_delay").filter("1s"::equals).isPresent());
    c.waitStreaming(replica, Duration.ofSeconds(30));
    String primaryConf = Files.readString(leader.config().dataDir().resolve("postgresql.conf"));
    assertFalse(primaryConf.contains("restore_command"), primaryConf);
  }

  private static Optional<String> show(AgentNode n, String guc) {
    try (Connection conn = n.connect();
        Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SHOW " + guc)) {
      return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
    } catch (SQLException e) {
      return Optional.empty();
    }
  }
}
