package io.hagent.agent.api;

import io.hagent.agent.node.NodeSnapshot;
import io.hagent.agent.postgres.LocalState;
import io.hagent.agent.postgres.LocalState.DataDirState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.cluster.Leader;
import io.hagent.common.cluster.Member;
import io.hagent.common.cluster.SyncState;
import io.hagent.common.config.DynamicConfig;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Fabricated snapshots for the API tests: a two-node cluster, node1 leader, node2 replica. */
final class Snapshots {
  static final long NOW = 1_000_000_000_000L;
  static final long SEC = 1_000_000_000L;
  static final Instant START = Instant.parse("2024-08-28T19:39:26.352526Z");
  static final long OPTIME = 100_000_000L;

  private Snapshots() {}

  static LocalState primaryPg() {
    return new LocalState(
        DataDirState.INITIALIZED,
        true,
        "running",
        false,
        3,
        OPTIME,
        null,
        null,
        null,
        null,
        "7401234567890123456",
        "in production",
        150010,
        START,
        null,
        null,
        List.of(row("node2")),
        false,
        null);
  }

  static LocalState replicaPg(long replay, String replicationState) {
    return new LocalState(
        DataDirState.INITIALIZED,
        true,
        "running",
        true,
        3,
        null,
        replay,
        replay,
        OPTIME,
        replicationState,
        "7401234567890123456",
        "in archive recovery",
        150010,
        START,
        false,
        Instant.parse("2024-08-28T19:40:00Z"),
        List.of(),
        false,
        null);
  }

  static LocalState stoppedPg() {
    return new LocalState(
        DataDirState.INITIALIZED,
        false,
        "stopped",
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        "7401234567890123456",
        "shut down",
        null,
        null,
        null,
        null,
        List.of(),
        false,
        null);
  }

  static Map<String, Object> row(String app) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("usename", "replicator");
    r.put("application_name", app);
    r.put("client_addr", "127.0.0.1");
    r.put("state", "streaming");
    r.put("sync_state", "async");
    r.put("sync_priority", 0);
    return r;
  }

  static Cluster cluster(Map<String, Object> config, SyncState sync) {
    Member m1 =
        new Member(
            "node1",
            Map.of(
                "conn_url", "postgres://10.0.0.1:5432/postgres",
                "api_url", "http://10.0.0.1:8008/patroni",
                "state", "running",
                "role", "primary",
                "xlog_location", OPTIME,
                "timeline", 3),
            1);
    Member m2 =
        new Member(
            "node2",
            Map.of(
                "conn_url",
                "postgres://10.0.0.2:5433/postgres",
                "api_url",
                "http://10.0.0.2:8008/patroni",
                "state",
                "running",
                "role",
                io.hagent.agent.node.Role.REPLICA,
                "replication_state",
                "streaming",
                "xlog_location",
                OPTIME - 4096,
                "receive_lsn",
                OPTIME - 4096,
                "replay_lsn",
                OPTIME - 8192,
                "timeline",
                3,
                "tags",
                Map.of("nofailover", true)),
            2);
    return new Cluster(
        "7401234567890123456",
        config,
        5,
        new Leader("node1", 10, 42),
        new ClusterStatus(OPTIME, Map.of(), List.of()),
        List.of(m2, m1),
        null,
        sync,
        List.of(
            List.of(
                2, 50331808, "no recovery target specified", "2024-08-28T19:00:00+00:00", "node1")),
        null,
        20);
  }

  static Cluster cluster() {
    return cluster(Map.of("ttl", 30), null);
  }

  static NodeSnapshot leader() {
    return new NodeSnapshot(
        "batman",
        "node1",
        "4.1.4",
        primaryPg(),
        io.hagent.agent.node.Role.PRIMARY,
        cluster(),
        NOW + 20 * SEC,
        DynamicConfig.from(Map.of("ttl", 30)),
        Map.of(),
        1724873966L,
        NOW + 10 * SEC,
        false,
        null,
        false);
  }

  static NodeSnapshot replica(long replay, String replicationState, Map<String, Object> tags) {
    return new NodeSnapshot(
        "batman",
        "node2",
        "4.1.4",
        replicaPg(replay, replicationState),
        io.hagent.agent.node.Role.REPLICA,
        cluster(),
        0,
        DynamicConfig.from(Map.of("ttl", 30)),
        tags,
        1724873966L,
        NOW + 10 * SEC,
        false,
        null,
        false);
  }

  static NodeSnapshot replica() {
    return replica(OPTIME, "streaming", Map.of());
  }

  static NodeSnapshot stopped() {
    return new NodeSnapshot(
        "batman",
        "node2",
        "4.1.4",
        stoppedPg(),
        io.hagent.agent.node.Role.REPLICA,
        cluster(),
        0,
        DynamicConfig.from(Map.of("ttl", 30)),
        Map.of(),
        1724873966L,
        NOW + 10 * SEC,
        false,
        null,
        false);
  }

  static NodeSnapshot withCluster(NodeSnapshot s, Cluster c, DynamicConfig cfg) {
    return new NodeSnapshot(
        s.scope(),
        s.name(),
        s.version(),
        s.pg(),
        s.role(),
        c,
        s.leaderUntilNanos(),
        cfg,
        s.tags(),
        s.dcsLastSeenEpoch(),
        s.nextRunNanos(),
        s.failsafeActive(),
        null,
        false);
  }
}
