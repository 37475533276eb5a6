package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.dcs.DcsException;

/** The few DCS operations hactl needs for one cluster; a seam so tests can use a fake. */
public interface ClusterStore extends AutoCloseable {

  /** One linearizable read of every key of the cluster. */
  Cluster readCluster() throws DcsException;

  /** Writes {@code config}; with a revision only if it still matches (CAS). */
  boolean setConfig(String json, Long expectedModRevision) throws DcsException;

  /** Writes {@code failover}; with a revision only if it still matches (CAS). */
  boolean setFailover(String json, Long expectedModRevision) throws DcsException;

  /** Deletes every key of the cluster. */
  void deleteCluster() throws DcsException;

  @Override
  void close();

  /** Opens the store of the named cluster (scope). */
  @FunctionalInterface
  interface Factory {
    ClusterStore open(String scope);
  }
}
