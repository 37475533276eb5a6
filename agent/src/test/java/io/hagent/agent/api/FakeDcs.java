package io.hagent.agent.api;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Failover;
import io.hagent.common.dcs.Dcs;
import io.hagent.common.dcs.DcsException;
import io.hagent.common.dcs.DcsListener;
import io.hagent.common.json.Json;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * An in-memory DCS holding one {@link Cluster}: config and failover writes honour compare-and-set
 * on the mod revision. {@link #afterFailoverWrite} scripts what later reads see (the cluster as the
 * HA loops would change it); the last scripted state repeats.
 */
final class FakeDcs implements Dcs {
  Cluster cluster;
  final Deque<Cluster> afterFailoverWrite = new ArrayDeque<>();
  final List<String> configWrites = new ArrayList<>();
  final List<String> failoverWrites = new ArrayList<>();
  final List<Long> revisionsUsed = new ArrayList<>();
  boolean failWrites;

  /** Another writer bumps the config revision right after each read. */
  boolean concurrentWriter;

  int reads;
  private boolean failoverWritten;
  private long revision = 100;

  FakeDcs(Cluster cluster) {
    this.cluster = cluster;
  }

  @Override
  public String memberName() {
    return "node1";
  }

  @Override
  public synchronized Cluster readCluster() {
    reads++;
    if (failoverWritten && !afterFailoverWrite.isEmpty()) {
      cluster =
          afterFailoverWrite.size() > 1 ? afterFailoverWrite.poll() : afterFailoverWrite.peek();
    }
    return cluster;
  }

  @Override
  public synchronized boolean setConfig(String json, Long expectedModRevision) throws DcsException {
    revisionsUsed.add(expectedModRevision);
    if (failWrites) {
      throw new DcsException("etcd is down");
    }
    long current = cluster.configModRevision() + (concurrentWriter ? 1 : 0);
    if (expectedModRevision != null && expectedModRevision != current) {
      return false;
    }
    configWrites.add(json);
    Cluster c = cluster;
    cluster =
        new Cluster(
            c.initialize(),
            Json.readObject(json),
            ++revision,
            c.leader(),
            c.status(),
            c.members(),
            c.failover(),
            c.sync(),
            c.history(),
            c.failsafe(),
            revision);
    return true;
  }

  @Override
  public synchronized boolean setFailover(String json, Long expectedModRevision)
      throws DcsException {
    revisionsUsed.add(expectedModRevision);
    if (failWrites) {
      throw new DcsException("etcd is down");
    }
    Cluster c = cluster;
    if (expectedModRevision != null
        && (c.failover() == null || expectedModRevision != c.failover().modRevision())) {
      return false;
    }
    failoverWrites.add(json);
    failoverWritten = true;
    Map<String, Object> value = Json.readObject(json);
    cluster =
        new Cluster(
            c.initialize(),
            c.config(),
            c.configModRevision(),
            c.leader(),
            c.status(),
            c.members(),
            Failover.fromJson(value, ++revision),
            c.sync(),
            c.history(),
            c.failsafe(),
            revision);
    return true;
  }

  // The management API uses nothing else; a call would be a bug worth seeing.

  @Override
  public void setTimeouts(int ttlSeconds, int retryTimeoutSeconds) {
    throw new UnsupportedOperationException();
  }

  @Override
  public boolean attemptToAcquireLeader() {
    throw new UnsupportedOperationException();
  }

  @Override
  public boolean updateLeader() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void takeLeader() {
    throw new UnsupportedOperationException();
  }

  @Override
  public boolean deleteLeader() {
    throw new UnsupportedOperationException();
  }

  @Override
  public boolean deleteLeaderIfUnchanged(io.hagent.common.cluster.Leader observed) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void touchMember(Map<String, Object> data) {
    throw new UnsupportedOperationException();
  }

  @Override
  public boolean initialize(boolean create, String sysid) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void cancelInitialization() {
    throw new UnsupportedOperationException();
  }

  @Override
  public boolean setSync(String json, Long expectedModRevision) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void deleteSync() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void setHistory(String json) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void setStatus(String json) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void setFailsafe(String json) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void deleteFailsafe() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void deleteCluster() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void watch(DcsListener listener) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void close() {}
}
