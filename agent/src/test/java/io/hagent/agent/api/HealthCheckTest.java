package io.hagent.agent.api;

import static io.hagent.agent.api.Snapshots.NOW;
import static io.hagent.agent.api.Snapshots.OPTIME;
import static io.hagent.agent.api.Snapshots.SEC;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hagent.agent.node.NodeSnapshot;
import io.hagent.agent.postgres.LocalState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.SyncState;
import io.hagent.common.config.DynamicConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HealthCheckTest {

  /** Evaluates "path?query" like the server does. */
  static int code(NodeSnapshot s, String request, long now) {
    int q = request.indexOf('?');
    String path = q < 0 ? request : request.substring(0, q);
    String query = q < 0 ? null : request.substring(q + 1);
    return HealthCheck.evaluate(s, path, RestApiServer.parseQuery(query), now);
  }

  @ParameterizedTest(name = "leader {0} -> {1}")
  @CsvSource({
    "/, 200",
    "/primary, 200",
    "/master, 200",
    "/read-write, 200",
    "/leader, 200",
    "/standby-leader, 503",
    "/standby_leader, 503",
    "/replica, 503",
    "/read-only, 200",
    "/health, 200",
    "/sync, 503",
    "/synchronous, 503",
    "/async, 503",
    "/quorum, 503",
    "/read-only-sync, 200",
    "/read-only-quorum, 200",
    "/primary?tag_dc=nowhere, 200",
    "/read-only?tag_dc=nowhere, 503",
    "/health?tag_dc=nowhere, 503",
    "/foo, 503",
    "/xprimaryx, 200",
  })
  void leader(String request, int expected) {
    assertEquals(expected, code(Snapshots.leader(), request, NOW));
  }

  @ParameterizedTest(name = "streaming replica {0} -> {1}")
  @CsvSource({
    "/, 503",
    "/primary, 503",
    "/master, 503",
    "/read-write, 503",
    "/leader, 503",
    "/standby-leader, 503",
    "/replica, 200",
    "/replica?lag=1MB, 200",
    "/replica?replication_state=streaming, 200",
    "/replica?replication_state=in%20archive%20recovery, 503",
    "/read-only, 200",
    "/health, 200",
    "/async, 200",
    "/asynchronous, 200",
    "/sync, 503",
    "/read-only-sync, 503",
    "/quorum, 503",
    "/read-only-quorum, 503",
    "/unknown, 503",
  })
  void streamingReplica(String request, int expected) {
    assertEquals(expected, code(Snapshots.replica(), request, NOW));
  }

  @ParameterizedTest(name = "replica 2MB behind {0} -> {1}")
  @CsvSource({
    "/replica, 200",
    "/replica?lag=1MB, 503",
    "/replica?lag=16MB, 200",
    "/replica?lag=1024, 503",
    "/replica?lag=2097152, 200",
    "/replica?lag=2048kB, 200",
    "/replica?lag=2047kB, 503",
    "/replica?lag=1GB, 200",
    "/replica?lag=1TB, 200",
    "/replica?lag=bogus, 200",
    "/replica?lag=1mb, 200",
    "/replica?lag=, 200",
    "/read-only?lag=1MB, 503",
    "/async?lag=1MB, 503",
    "/health?lag=1MB, 200",
  })
  void laggingReplica(String request, int expected) {
    NodeSnapshot s = Snapshots.replica(OPTIME - 2 * 1024 * 1024, "streaming", Map.of());
    assertEquals(expected, code(s, request, NOW));
  }

  @ParameterizedTest(name = "noloadbalance replica {0} -> {1}")
  @CsvSource({"/replica, 503", "/read-only, 503", "/async, 503", "/health, 200"})
  void noloadbalance(String request, int expected) {
    NodeSnapshot s = Snapshots.replica(OPTIME, "streaming", Map.of("noloadbalance", true));
    assertEquals(expected, code(s, request, NOW));
  }

  @Test
  void archiveRecoveryReplicaMatchesItsReplicationState() {
    NodeSnapshot s = Snapshots.replica(OPTIME, "in archive recovery", Map.of());
    assertEquals(200, code(s, "/replica?replication_state=in+archive+recovery", NOW));
    assertEquals(503, code(s, "/replica?replication_state=streaming", NOW));
    assertEquals(200, code(s, "/replica", NOW));
  }

  @ParameterizedTest(name = "tags {0} -> {1}")
  @CsvSource({
    "/replica?tag_dc=east, 200",
    "/replica?tag_dc=west, 503",
    "/replica?tag_missing=x, 503",
    "/replica?tag_flag=true, 200",
    "/replica?tag_flag=True, 503",
    "/replica?tag_weight=1.5, 200",
    "/replica?tag_count=3, 200",
    "/replica?tag_nosync=false, 503",
    "/replica?tag_dc=east&tag_flag=true, 200",
    "/replica?tag_dc=east&tag_flag=false, 503",
    "/read-only?tag_dc=east, 200",
    "/health?tag_dc=west, 503",
    "/leader?tag_dc=west, 503",
  })
  void tags(String request, int expected) {
    Map<String, Object> tags = new LinkedHashMap<>();
    tags.put("dc", "east");
    tags.put("flag", true);
    tags.put("weight", 1.5);
    tags.put("count", 3);
    tags.put("nosync", false);
    NodeSnapshot s = Snapshots.replica(OPTIME, "streaming", tags);
    assertEquals(expected, code(s, request, NOW));
  }

  @ParameterizedTest(name = "stopped {0} -> {1}")
  @CsvSource({
    "/, 503",
    "/primary, 503",
    "/leader, 503",
    "/replica, 503",
    "/read-only, 503",
    "/health, 503",
    "/async, 503"
  })
  void stopped(String request, int expected) {
    assertEquals(expected, code(Snapshots.stopped(), request, NOW));
  }

  @Test
  void leaderCodesFollowTheInMemoryLeaseExpiry() {
    NodeSnapshot s = Snapshots.leader(); // leaderUntil = NOW + 20 s
    assertEquals(200, code(s, "/primary", NOW + 19 * SEC));
    assertEquals(200, code(s, "/leader", NOW + 20 * SEC - 1));
    assertEquals(503, code(s, "/primary", NOW + 20 * SEC));
    assertEquals(503, code(s, "/leader", NOW + 21 * SEC));
    assertEquals(503, code(s, "/", NOW + 21 * SEC));
    // a primary without the lock is neither leader-ish nor a replica
    assertEquals(503, code(s, "/read-only", NOW + 21 * SEC));
    assertEquals(200, code(s, "/health", NOW + 21 * SEC));
  }

  @Test
  void pausedWithoutClusterAnswersFromThePostgresRole() {
    DynamicConfig paused = DynamicConfig.from(Map.of("pause", true));
    NodeSnapshot primaryNoLock =
        new NodeSnapshot(
            "batman",
            "node1",
            "4.1.4",
            Snapshots.primaryPg(),
            io.hagent.agent.node.Role.PRIMARY,
            null,
            0,
            paused,
            Map.of(),
            0,
            NOW,
            false,
            null,
            false);
    assertEquals(200, code(primaryNoLock, "/", NOW));
    assertEquals(200, code(primaryNoLock, "/primary", NOW));
    assertEquals(200, code(primaryNoLock, "/leader", NOW));
    assertEquals(503, code(primaryNoLock, "/standby-leader", NOW));
    assertEquals(503, code(primaryNoLock, "/replica", NOW));

    NodeSnapshot replica = Snapshots.withCluster(Snapshots.replica(), null, paused);
    assertEquals(503, code(replica, "/leader", NOW));
    assertEquals(503, code(replica, "/primary", NOW));
    assertEquals(200, code(replica, "/replica", NOW));
    // no cached cluster: the sync/async family is not evaluated
    assertEquals(503, code(replica, "/async", NOW));
  }

  @Test
  void unpausedWithoutClusterFollowsTheLease() {
    NodeSnapshot s = Snapshots.withCluster(Snapshots.leader(), null, DynamicConfig.DEFAULTS);
    assertEquals(200, code(s, "/primary", NOW));
    assertEquals(503, code(s, "/primary", NOW + 30 * SEC));
  }

  @ParameterizedTest(name = "sync standby {0} -> {1}")
  @CsvSource({
    "/sync, 200",
    "/synchronous, 200",
    "/read-only-sync, 200",
    "/read-only-synchronous, 200",
    "/async, 503",
    "/quorum, 503",
    "/read-only-quorum, 503",
    "/replica, 200",
  })
  void syncStandby(String request, int expected) {
    Map<String, Object> cfg = Map.of("synchronous_mode", true);
    Cluster c = Snapshots.cluster(cfg, new SyncState("node1", List.of("node2"), 0, 7));
    NodeSnapshot s = Snapshots.withCluster(Snapshots.replica(), c, DynamicConfig.from(cfg));
    assertEquals(expected, code(s, request, NOW));
  }

  @ParameterizedTest(name = "quorum standby {0} -> {1}")
  @CsvSource({
    "/quorum, 200",
    "/read-only-quorum, 200",
    "/sync, 503",
    "/read-only-sync, 503",
    "/async, 503",
  })
  void quorumStandby(String request, int expected) {
    Map<String, Object> cfg = Map.of("synchronous_mode", "quorum");
    Cluster c = Snapshots.cluster(cfg, new SyncState("node1", List.of("node2"), 1, 7));
    NodeSnapshot s = Snapshots.withCluster(Snapshots.replica(), c, DynamicConfig.from(cfg));
    assertEquals(expected, code(s, request, NOW));
  }

  @ParameterizedTest(name = "standby leader {0} -> {1}")
  @CsvSource({
    "/standby-leader, 200",
    "/standby_leader, 200",
    "/leader, 200",
    "/primary, 503",
    "/, 503",
    "/replica, 503",
    "/read-only, 200",
  })
  void standbyLeader(String request, int expected) {
    Map<String, Object> cfg = Map.of("standby_cluster", Map.of("host", "10.1.0.1"));
    LocalState pg = Snapshots.replicaPg(OPTIME, "streaming");
    NodeSnapshot s =
        new NodeSnapshot(
            "batman",
            "node1",
            "4.1.4",
            pg,
            io.hagent.agent.node.Role.STANDBY_LEADER,
            Snapshots.cluster(cfg, null),
            NOW + 10 * SEC,
            DynamicConfig.from(cfg),
            Map.of(),
            0,
            NOW,
            false,
            null,
            false);
    assertEquals(expected, code(s, request, NOW));
  }

  @Test
  void liveness() {
    NodeSnapshot leader = Snapshots.leader(); // next run NOW+10s, ttl 30 -> threshold 30s
    assertEquals(200, HealthCheck.liveness(leader, NOW + 39 * SEC));
    assertEquals(503, HealthCheck.liveness(leader, NOW + 40 * SEC));
    NodeSnapshot replica = Snapshots.replica(); // threshold 2*ttl
    assertEquals(200, HealthCheck.liveness(replica, NOW + 69 * SEC));
    assertEquals(503, HealthCheck.liveness(replica, NOW + 70 * SEC));
    NodeSnapshot paused =
        Snapshots.withCluster(leader, leader.cluster(), DynamicConfig.from(Map.of("pause", true)));
    assertEquals(200, HealthCheck.liveness(paused, NOW + 1000 * SEC));
  }

  @Test
  void readiness() {
    Map<String, List<String>> none = Map.of();
    assertEquals(200, HealthCheck.readiness(Snapshots.leader(), none, NOW));
    assertEquals(503, HealthCheck.readiness(Snapshots.leader(), none, NOW + 60 * SEC));
    assertEquals(200, HealthCheck.readiness(Snapshots.replica(), none, NOW));
    NodeSnapshot lagging = Snapshots.replica(OPTIME - 2 * 1024 * 1024, "streaming", Map.of());
    assertEquals(503, HealthCheck.readiness(lagging, none, NOW)); // default limit 1 MB
    assertEquals(200, HealthCheck.readiness(lagging, RestApiServer.parseQuery("lag=16MB"), NOW));
    assertEquals(
        503, HealthCheck.readiness(lagging, RestApiServer.parseQuery("mode=write&lag=1MB"), NOW));
    NodeSnapshot archive = Snapshots.replica(OPTIME, "in archive recovery", Map.of());
    assertEquals(503, HealthCheck.readiness(archive, none, NOW));
    assertEquals(503, HealthCheck.readiness(Snapshots.stopped(), none, NOW));
  }

  @ParameterizedTest(name = "parseSize({0}) = {1}")
  @CsvSource({
    "16MB, 16777216",
    "1024, 1024",
    "0, 0",
    "100B, 100",
    "2kB, 2048",
    "3GB, 3221225472",
    "1TB, 1099511627776",
    "' 5MB ', 5242880",
    "1.5MB, 1572864",
    "bogus, -1",
    "16mb, -1",
    "16 XB, -1",
    "'', -1",
    "99999999999999999999TB, -1",
  })
  void parseSize(String value, long expected) {
    assertEquals(expected, HealthCheck.parseSize(value, -1));
  }

  @Test
  void parseSizeAbsentIsTheDefault() {
    assertEquals(Long.MAX_VALUE, HealthCheck.parseSize(null, Long.MAX_VALUE));
  }
}
