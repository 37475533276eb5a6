package io.hagent.common.dcs;

import io.hagent.common.cluster.Cluster;
import java.util.Map;

/**
 * The cluster's shared state store (Patroni's DCS, §4). Every call either completes within the
 * configured retry timeout or throws {@link DcsException}: a caller is never left waiting, so a
 * leader always learns in time that it failed to renew its key.
 *
 * <p>Keys written with the member's lease ({@code leader}, {@code members/<name>}) disappear at
 * most {@code ttl} seconds after the agent stops renewing it.
 */
public interface Dcs extends AutoCloseable {

  /** The name this agent writes its member and leader keys under. */
  String memberName();

  /** Reads every key of the cluster in one linearizable range request. */
  Cluster readCluster() throws DcsException;

  /**
   * Sets the lease TTL and the per-call deadline; a changed ttl makes the next leader or member
   * write grant a new lease.
   */
  void setTimeouts(int ttlSeconds, int retryTimeoutSeconds);

  /** Races for the leader key: create-if-absent with our lease. False if another holds it. */
  boolean attemptToAcquireLeader() throws DcsException;

  /**
   * Refreshes the lease and confirms the leader key is still ours (re-attaching it to a new lease
   * if needed). False if the key is gone or owned by someone else.
   */
  boolean updateLeader() throws DcsException;

  /** Unconditionally writes the leader key with our lease (after a successful bootstrap). */
  void takeLeader() throws DcsException;

  /** Deletes the leader key only if it still holds our name. */
  boolean deleteLeader() throws DcsException;

  /**
   * Deletes the leader key only if it is still exactly the one observed: same holder, same revision
   * (etcd mod_revision; ZooKeeper mzxid) and same lease (ZooKeeper: ephemeral owner). For a replica
   * that has evidence the holder's processes are gone (docs/crash-detection.md): a holder that
   * restarted and renewed the key in between changed its revision and keeps it.
   *
   * @return true if this call deleted the key
   */
  boolean deleteLeaderIfUnchanged(io.hagent.common.cluster.Leader observed) throws DcsException;

  /** Writes {@code members/<name>} with our lease; skips the write when the value is unchanged. */
  void touchMember(Map<String, Object> data) throws DcsException;

  /** Bootstrap race: create {@code initialize} if absent (create=true), or overwrite it. */
  boolean initialize(boolean create, String sysid) throws DcsException;

  /** Removes {@code initialize} after a failed bootstrap. */
  void cancelInitialization() throws DcsException;

  /** Writes {@code config}; with a non-null revision only if its mod revision still matches. */
  boolean setConfig(String json, Long expectedModRevision) throws DcsException;

  /** Writes {@code failover}; with a non-null revision only if its mod revision still matches. */
  boolean setFailover(String json, Long expectedModRevision) throws DcsException;

  /** Writes {@code sync}; with a non-null revision only if its mod revision still matches. */
  boolean setSync(String json, Long expectedModRevision) throws DcsException;

  void deleteSync() throws DcsException;

  void setHistory(String json) throws DcsException;

  /** Writes {@code status} (optime, slots) when it changed since the last write. */
  void setStatus(String json) throws DcsException;

  void setFailsafe(String json) throws DcsException;

  /** Deletes {@code failsafe} (the leader does, once failsafe_mode is off); absent is fine. */
  void deleteFailsafe() throws DcsException;

  /** Deletes the whole cluster prefix (hactl remove). */
  void deleteCluster() throws DcsException;

  /**
   * Starts a prefix watch; {@code listener} runs (on a DCS thread, so it must be quick) for every
   * change of {@code leader}, {@code config}, {@code failover} or {@code status}. The watch
   * reconnects by itself.
   */
  void watch(DcsListener listener);

  /** Revokes our lease (so member and leader keys vanish at once) and closes the client. */
  @Override
  void close();
}
