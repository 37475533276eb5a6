package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.cluster.Failover;
import io.hagent.common.cluster.Leader;
import io.hagent.common.cluster.Member;
import io.hagent.common.dcs.DcsException;
import io.hagent.common.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** An in-memory cluster record with CAS semantics on config/failover, for command tests. */
class FakeStore implements ClusterStore {
  Cluster cluster;
  final List<String> writes = new ArrayList<>();
  boolean deleted;
  boolean closed;

  FakeStore(Cluster cluster) {
    this.cluster = cluster;
  }

  @Override
  public Cluster readCluster() throws DcsException {
    return cluster;
  }

  @Override
  public boolean setConfig(String json, Long rev) {
    if (rev != null && rev != cluster.configModRevision()) {
      return false;
    }
    writes.add("config=" + json);
    Cluster c = cluster;
    cluster =
        new Cluster(
            c.initialize(),
            Json.readObject(json),
            c.configModRevision() + 1,
            c.leader(),
            c.status(),
            c.members(),
            c.failover(),
            c.sync(),
            c.history(),
            c.failsafe(),
            c.revision() + 1);
    return true;
  }

  @Override
  public boolean setFailover(String json, Long rev) {
    if (rev != null && cluster.failover() != null && rev != cluster.failover().modRevision()) {
      return false;
    }
    writes.add("failover=" + json);
    Cluster c = cluster;
    cluster =
        new Cluster(
            c.initialize(),
            c.config(),
            c.configModRevision(),
            c.leader(),
            c.status(),
            c.members(),
            Failover.fromJson(Json.readObject(json), c.revision() + 1),
            c.sync(),
            c.history(),
            c.failsafe(),
            c.revision() + 1);
    return true;
  }

  @Override
  public void deleteCluster() throws DcsException {
    deleted = true;
  }

  @Override
  public void close() {
    closed = true;
  }

  static Member member(String name, String apiUrl, Map<String, Object> data) {
    Map<String, Object> d = new java.util.LinkedHashMap<>(data);
    if (apiUrl != null) {
      d.put("api_url", apiUrl);
    }
    return new Member(name, d, 1);
  }

  /** The spec's batman example: postgresql0 leader on 5432, postgresql1 streaming on 5433. */
  static Cluster batman(String api0, String api1, Map<String, Object> config) {
    Member m0 =
        member(
            "postgresql0",
            api0,
            Map.of(
                "conn_url",
                "postgres://127.0.0.1:5432/postgres",
                "state",
                "running",
                "role",
                "primary",
                "xlog_location",
                67110120L,
                "timeline",
                5));
    Member m1 =
        member(
            "postgresql1",
            api1,
            Map.of(
                "conn_url",
                "postgres://127.0.0.1:5433/postgres",
                "state",
                "running",
                "role",
                "replica",
                "replication_state",
                "streaming",
                "xlog_location",
                67110120L,
                "receive_lsn",
                67110120L,
                "replay_lsn",
                67110120L,
                "timeline",
                5));
    return new Cluster(
        "7277694203142172922",
        config,
        7,
        new Leader("postgresql0", 3, 1),
        new ClusterStatus(67110120L, Map.of(), List.of()),
        List.of(m1, m0),
        null,
        null,
        List.of(),
        null,
        10);
  }
}
