package io.hagent.agent.ha;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.dcs.Dcs;
import io.hagent.common.dcs.DcsException;
import io.hagent.common.dcs.DcsListener;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A DCS that records every write as a line and answers races as told; no etcd. */
class RecordingDcs implements Dcs {
  final List<String> calls = new CopyOnWriteArrayList<>();
  volatile boolean winRaces = true;
  volatile boolean failWrites;

  private void call(String what) throws DcsException {
    calls.add(what);
    if (failWrites) {
      throw new DcsException("etcd is down");
    }
  }

  @Override
  public String memberName() {
    return "node1";
  }

  @Override
  public Cluster readCluster() throws DcsException {
    throw new DcsException("not used by the executor");
  }

  @Override
  public void setTimeouts(int ttlSeconds, int retryTimeoutSeconds) {}

  @Override
  public boolean attemptToAcquireLeader() throws DcsException {
    call("attemptToAcquireLeader");
    return winRaces;
  }

  @Override
  public boolean updateLeader() throws DcsException {
    call("updateLeader");
    return true;
  }

  @Override
  public void takeLeader() throws DcsException {
    call("takeLeader");
  }

  @Override
  public boolean deleteLeader() throws DcsException {
    call("deleteLeader");
    return true;
  }

  @Override
  public boolean deleteLeaderIfUnchanged(io.hagent.common.cluster.Leader observed)
      throws DcsException {
    call("deleteLeaderIfUnchanged " + observed.name() + " " + observed.modRevision());
    return true;
  }

  @Override
  public void touchMember(Map<String, Object> data) throws DcsException {
    call("touchMember " + data.get("role"));
  }

  @Override
  public boolean initialize(boolean create, String sysid) throws DcsException {
    call("initialize " + create + " " + sysid);
    return winRaces;
  }

  @Override
  public void cancelInitialization() throws DcsException {
    call("cancelInitialization");
  }

  @Override
  public boolean setConfig(String json, Long expectedModRevision) throws DcsException {
    call("setConfig");
    return true;
  }

  @Override
  public boolean setFailover(String json, Long expectedModRevision) throws DcsException {
    call("setFailover " + json + " " + expectedModRevision);
    return true;
  }

  /** Whether a compare-and-set of the sync key succeeds (false: another writer was first). */
  volatile boolean syncCasSucceeds = true;

  @Override
  public boolean setSync(String json, Long expectedModRevision) throws DcsException {
    call("setSync " + json + " @" + expectedModRevision);
    return syncCasSucceeds;
  }

  @Override
  public void deleteSync() throws DcsException {
    call("deleteSync");
  }

  @Override
  public void setHistory(String json) throws DcsException {
    call("setHistory " + json);
  }

  @Override
  public void setStatus(String json) throws DcsException {
    call("setStatus " + json);
  }

  @Override
  public void setFailsafe(String json) throws DcsException {
    call("setFailsafe " + json);
  }

  @Override
  public void deleteFailsafe() throws DcsException {
    call("deleteFailsafe");
  }

  @Override
  public void deleteCluster() throws DcsException {
    call("deleteCluster");
  }

  @Override
  public void watch(DcsListener listener) {}

  @Override
  public void close() {}
}
