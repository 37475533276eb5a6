package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.config.EtcdConfig;
import io.hagent.common.config.ZooKeeperConfig;
import io.hagent.common.dcs.Dcs;
import io.hagent.common.dcs.DcsException;
import io.hagent.common.dcs.DcsStores;
import io.hagent.common.dcs.EtcdGatewayReader;
import io.hagent.common.dcs.KeyLayout;
import java.time.Duration;

/**
 * Opens {@link ClusterStore}s on the configured store (a client that owns no keys). On etcd v3,
 * reads go through etcd's JSON gateway over plain HTTP when the configuration allows it (no TLS);
 * writes, reads over TLS, and everything on ZooKeeper use the {@link Dcs} client, created on first
 * use.
 */
final class EtcdClusterStores implements ClusterStore.Factory {
  private static final int TTL = 30;
  private static final int RETRY_TIMEOUT = 10;
  private static final Duration GATEWAY_DEADLINE = Duration.ofSeconds(5);

  private final EtcdConfig etcd;
  private final ZooKeeperConfig zookeeper;
  private final String namespace;

  EtcdClusterStores(EtcdConfig etcd, String namespace) {
    this(etcd, null, namespace);
  }

  /**
   * @param etcd the etcd section; null when the store is ZooKeeper
   * @param zookeeper the zookeeper section, used when there is no etcd section
   */
  EtcdClusterStores(EtcdConfig etcd, ZooKeeperConfig zookeeper, String namespace) {
    this.etcd = etcd;
    this.zookeeper = etcd == null ? zookeeper : null;
    this.namespace = namespace;
  }

  @Override
  public ClusterStore open(String scope) {
    boolean onEtcd = etcd != null && etcd.endpoints() != null && !etcd.endpoints().isEmpty();
    boolean onZooKeeper = zookeeper != null && !zookeeper.hosts().isEmpty();
    if (!onEtcd && !onZooKeeper) {
      throw new CtlException(
          "Can not find suitable configuration of distributed configuration store");
    }
    KeyLayout layout = new KeyLayout(namespace, scope);
    EtcdGatewayReader gateway =
        onEtcd && EtcdGatewayReader.supports(etcd)
            ? new EtcdGatewayReader(etcd, GATEWAY_DEADLINE)
            : null;
    return new ClusterStore() {
      private Dcs dcs; // the store's client, built only when needed: it costs ~0.5 s of start-up

      private Dcs dcs() {
        if (dcs == null) {
          Hactl.quietJavaUtilLogging();
          dcs = DcsStores.create(etcd, zookeeper, layout, null, TTL, RETRY_TIMEOUT);
        }
        return dcs;
      }

      @Override
      public Cluster readCluster() throws DcsException {
        if (gateway != null) {
          return gateway.readCluster(layout); // its errors name every endpoint tried
        }
        try {
          return dcs().readCluster();
        } catch (DcsException e) {
          throw naming(e);
        }
      }

      @Override
      public boolean setConfig(String json, Long rev) throws DcsException {
        try {
          return dcs().setConfig(json, rev);
        } catch (DcsException e) {
          throw naming(e);
        }
      }

      @Override
      public boolean setFailover(String json, Long rev) throws DcsException {
        try {
          return dcs().setFailover(json, rev);
        } catch (DcsException e) {
          throw naming(e);
        }
      }

      @Override
      public void deleteCluster() throws DcsException {
        try {
          dcs().deleteCluster();
        } catch (DcsException e) {
          throw naming(e);
        }
      }

      @Override
      public void close() {
        if (dcs != null) {
          dcs.close();
        }
      }
    };
  }

  /**
   * "etcd: UNAVAILABLE: io exception" alone does not tell the operator which etcd was tried (the
   * file's hosts or a --dcs-url); the one-line error names the endpoints.
   */
  private DcsException naming(DcsException e) {
    String hosts =
        etcd != null
            ? "etcd hosts: " + String.join(",", etcd.endpoints())
            : "zookeeper hosts: " + zookeeper.connectString();
    return new DcsException(e.getMessage() + " (" + hosts + ")", e);
  }
}
