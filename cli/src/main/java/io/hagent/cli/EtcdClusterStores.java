package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.config.EtcdConfig;
import io.hagent.common.dcs.Dcs;
import io.hagent.common.dcs.DcsException;
import io.hagent.common.dcs.EtcdDcs;
import io.hagent.common.dcs.KeyLayout;

/** Opens {@link ClusterStore}s on etcd v3 (lease-less client: hactl owns no keys). */
final class EtcdClusterStores implements ClusterStore.Factory {
  private static final int TTL = 30;
  private static final int RETRY_TIMEOUT = 10;

  private final EtcdConfig etcd;
  private final String namespace;

  EtcdClusterStores(EtcdConfig etcd, String namespace) {
    this.etcd = etcd;
    this.namespace = namespace;
  }

  @Override
  public ClusterStore open(String scope) {
    if (etcd == null || etcd.endpoints() == null || etcd.endpoints().isEmpty()) {
      throw new CtlException(
          "Can not find suitable configuration of distributed configuration store");
    }
    Dcs dcs = EtcdDcs.create(etcd, new KeyLayout(namespace, scope), null, TTL, RETRY_TIMEOUT);
    return new ClusterStore() {
      @Override
      public Cluster readCluster() throws DcsException {
        try {
          return dcs.readCluster();
        } catch (DcsException e) {
          throw naming(e);
        }
      }

      @Override
      public boolean setConfig(String json, Long rev) throws DcsException {
        try {
          return dcs.setConfig(json, rev);
        } catch (DcsException e) {
          throw naming(e);
        }
      }

      @Override
      public boolean setFailover(String json, Long rev) throws DcsException {
        try {
          return dcs.setFailover(json, rev);
        } catch (DcsException e) {
          throw naming(e);
        }
      }

      @Override
      public void deleteCluster() throws DcsException {
        try {
          dcs.deleteCluster();
        } catch (DcsException e) {
          throw naming(e);
        }
      }

      @Override
      public void close() {
        dcs.close();
      }
    };
  }

  /**
   * "etcd: UNAVAILABLE: io exception" alone does not tell the operator which etcd was tried (the
   * file's hosts or a --dcs-url); the one-line error names the endpoints.
   */
  private DcsException naming(DcsException e) {
    return new DcsException(
        e.getMessage() + " (etcd hosts: " + String.join(",", etcd.endpoints()) + ")", e);
  }
}
