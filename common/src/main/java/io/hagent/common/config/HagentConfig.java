package io.hagent.common.config;

import io.hagent.common.cluster.Tags;
import io.hagent.common.dcs.KeyLayout;
import java.util.Map;

/**
 * The local configuration (a Patroni YAML file plus PATRONI_* overrides), validated and with
 * Patroni's defaults applied. Built only by {@link ConfigLoader}.
 *
 * @param raw the merged YAML tree, for sections not modelled here
 */
public record HagentConfig(
    String scope,
    String namespace,
    String name,
    RestApiConfig restapi,
    CtlConfig ctl,
    EtcdConfig etcd,
    BootstrapConfig bootstrap,
    PostgresqlConfig postgresql,
    Map<String, Object> tags,
    WatchdogConfig watchdog,
    LogConfig log,
    Map<String, Object> raw) {

  /**
   * The {@code zookeeper:} section when it names the cluster store (no etcd section), else null.
   * Derived from {@link #raw} (already validated by {@link ConfigLoader}) so that the record keeps
   * its shape.
   */
  public ZooKeeperConfig zookeeper() {
    if (etcd != null || raw == null || !(raw.get("zookeeper") instanceof Map<?, ?>)) {
      return null;
    }
    return ZooKeeperSectionParser.parse(raw, new Problems());
  }

  public KeyLayout keys() {
    return new KeyLayout(namespace, scope);
  }

  public Tags tagView() {
    return new Tags(tags);
  }
}
