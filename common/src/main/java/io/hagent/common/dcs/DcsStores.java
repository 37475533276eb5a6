package io.hagent.common.dcs;

import io.hagent.common.config.EtcdConfig;
import io.hagent.common.config.ZooKeeperConfig;

/**
 * The one place that knows which store implementations exist: callers (agent, hactl) pass both
 * configured sections and get a {@link Dcs}; nothing above it knows which one runs.
 */
public final class DcsStores {
  private DcsStores() {}

  /**
   * @param etcd the etcd section, null when the store is ZooKeeper
   * @param zookeeper the zookeeper section, used only when there is no etcd section
   * @param memberName the agent's name; null for a client that owns no keys (hactl)
   */
  public static Dcs create(
      EtcdConfig etcd,
      ZooKeeperConfig zookeeper,
      KeyLayout keys,
      String memberName,
      int ttl,
      int retryTimeout) {
    if (etcd == null && zookeeper != null) {
      return ZooKeeperDcs.create(zookeeper, keys, memberName, ttl, retryTimeout);
    }
    if (etcd == null) {
      throw new IllegalArgumentException(
          "Can not find suitable configuration of distributed configuration store");
    }
    return EtcdDcs.create(etcd, keys, memberName, ttl, retryTimeout);
  }
}
