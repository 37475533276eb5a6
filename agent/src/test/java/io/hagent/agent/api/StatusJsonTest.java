package io.hagent.agent.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.node.NodeSnapshot;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.SyncState;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.json.Json;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusJsonTest {

  @Test
  void primaryBody() {
    String json = Json.write(StatusJson.build(Snapshots.leader()));
    assertEquals(
        "{\"state\":\"running\",\"postmaster_start_time\":\"2024-08-28 19:39:26.352526+00:00\","
            + "\"role\":\"primary\",\"server_version\":150010,\"xlog\":{\"location\":100000000},"
            + "\"timeline\":3,\"replication\":[{\"usename\":\"replicator\","
            + "\"application_name\":\"node2\",\"client_addr\":\"127.0.0.1\","
            + "\"state\":\"streaming\",\"sync_state\":\"async\",\"sync_priority\":0}],"
            + "\"dcs_last_seen\":1724873966,"
            + "\"database_system_identifier\":\"7401234567890123456\","
            + "\"patroni\":{\"version\":\"4.1.4\",\"scope\":\"batman\",\"name\":\"node1\"}}",
        json);
  }

  @Test
  void replicaBody() {
    NodeSnapshot s =
        Snapshots.replica(
            Snapshots.OPTIME, "streaming", Map.of("nofailover", true, "nosync", false));
    String json = Json.write(StatusJson.build(s));
    assertEquals(
        "{\"state\":\"running\",\"postmaster_start_time\":\"2024-08-28 19:39:26.352526+00:00\","
            + "\"role\":\"replica\",\"server_version\":150010,"
            + "\"xlog\":{\"received_location\":100000000,\"replayed_location\":100000000,"
            + "\"replayed_timestamp\":\"2024-08-28 19:40:00+00:00\",\"paused\":false},"
            + "\"timeline\":3,\"replication_state\":\"streaming\","
            + "\"dcs_last_seen\":1724873966,\"tags\":{\"nofailover\":true},"
            + "\"database_system_identifier\":\"7401234567890123456\","
            + "\"patroni\":{\"version\":\"4.1.4\",\"scope\":\"batman\",\"name\":\"node2\"}}",
        json);
  }

  @Test
  void stoppedNodeReportsItsInternalRoleAndNoPostgresFields() {
    Map<String, Object> body = StatusJson.build(Snapshots.stopped());
    assertEquals("stopped", body.get("state"));
    assertEquals("replica", body.get("role"));
    assertFalse(body.containsKey("xlog"));
    assertFalse(body.containsKey("timeline"));
    assertFalse(body.containsKey("postmaster_start_time"));
    assertFalse(body.containsKey("server_version"));
  }

  @Test
  void flagsForPauseUnlockedFailsafeAndSync() {
    Map<String, Object> cfg = Map.of("synchronous_mode", true, "pause", true);
    Cluster unlocked =
        new Cluster(
            "1",
            cfg,
            1,
            null,
            Snapshots.cluster().status(),
            List.of(),
            null,
            new SyncState("node1", List.of("node2"), 0, 1),
            List.of(),
            null,
            1);
    NodeSnapshot base = Snapshots.replica();
    NodeSnapshot s =
        new NodeSnapshot(
            "batman",
            "node2",
            "4.1.4",
            base.pg(),
            io.hagent.agent.node.Role.REPLICA,
            unlocked,
            0,
            DynamicConfig.from(cfg),
            Map.of(),
            5,
            0,
            true,
            null,
            false);
    Map<String, Object> body = StatusJson.build(s);
    assertEquals(true, body.get("sync_standby"));
    assertEquals(true, body.get("pause"));
    assertEquals(true, body.get("cluster_unlocked"));
    assertEquals(true, body.get("failsafe_mode_is_active"));
    List<String> keys = List.copyOf(body.keySet());
    assertTrue(keys.indexOf("sync_standby") < keys.indexOf("timeline"));
    assertTrue(keys.indexOf("pause") < keys.indexOf("cluster_unlocked"));
    assertTrue(keys.indexOf("failsafe_mode_is_active") < keys.indexOf("dcs_last_seen"));
  }

  @Test
  void datetimeLikePython() {
    assertEquals(
        "2024-08-28 19:39:26.352526+00:00",
        StatusJson.datetime(Instant.parse("2024-08-28T19:39:26.352526Z")));
    assertEquals(
        "2024-08-28 19:39:26+00:00", StatusJson.datetime(Instant.parse("2024-08-28T19:39:26Z")));
    assertEquals(
        "2024-08-28 19:39:26.000100+00:00",
        StatusJson.datetime(Instant.parse("2024-08-28T19:39:26.0001Z")));
  }

  @Test
  void scheduledRestartAndWatchdogFailure() {
    NodeSnapshot l = Snapshots.leader();
    NodeSnapshot s =
        new NodeSnapshot(
            l.scope(),
            l.name(),
            l.version(),
            l.pg(),
            l.role(),
            l.cluster(),
            l.leaderUntilNanos(),
            l.config(),
            l.tags(),
            l.dcsLastSeenEpoch(),
            l.nextRunNanos(),
            l.failsafeActive(),
            Map.of(
                "schedule", "2030-01-01T10:00:00+00:00",
                "role", "primary",
                "postmaster_start_time", "2024-08-28 19:39:26.352526+00:00"),
            true);
    Map<String, Object> json = StatusJson.build(s);
    assertEquals(
        Map.of("schedule", "2030-01-01T10:00:00+00:00", "role", "primary"),
        json.get("scheduled_restart"));
    assertEquals(true, json.get("watchdog_failed"));
    Map<String, Object> plain = StatusJson.build(l);
    assertFalse(plain.containsKey("scheduled_restart") || plain.containsKey("watchdog_failed"));
  }
}
