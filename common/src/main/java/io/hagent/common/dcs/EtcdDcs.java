package io.hagent.common.dcs;

import io.hagent.common.config.EtcdConfig;

/** The etcd v3 implementation of {@link Dcs} (jetcd), with a deadline on every call. */
public abstract class EtcdDcs implements Dcs {

  /**
   * @param memberName the agent's name; null for a read/write client without a lease (hactl)
   */
  public static EtcdDcs create(
      EtcdConfig config, KeyLayout keys, String memberName, int ttl, int retryTimeout) {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
