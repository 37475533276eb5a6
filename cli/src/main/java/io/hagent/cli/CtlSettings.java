package io.hagent.cli;

import io.hagent.common.config.Credentials;
import io.hagent.common.config.CtlConfig;
import io.hagent.common.config.EtcdConfig;
import io.hagent.common.config.HagentConfig;
import io.hagent.common.config.RestApiConfig;
import io.hagent.common.config.ZooKeeperConfig;
import java.util.Map;

/**
 * What hactl takes from the configuration (§2.1): the default cluster, where the DCS is, how to
 * talk to the members' REST APIs, and whom {@code query} logs in as by default.
 *
 * @param superuser postgresql.authentication.superuser, null when the file has none
 */
record CtlSettings(
    String scope,
    String namespace,
    EtcdConfig etcd,
    ZooKeeperConfig zookeeper,
    String username,
    String password,
    String cacert,
    String certfile,
    String keyfile,
    String keyfilePassword,
    boolean insecure,
    Credentials superuser) {

  /** {@code dcsUrl} (may be null) replaces the file's DCS section; {@code -k} forces insecure. */
  static CtlSettings from(HagentConfig cfg, String dcsUrl, boolean insecureFlag) {
    CtlConfig ctl = cfg == null ? null : cfg.ctl();
    RestApiConfig api = cfg == null ? null : cfg.restapi();
    String namespace = cfg == null ? null : cfg.namespace();
    EtcdConfig etcd = cfg == null ? null : cfg.etcd();
    ZooKeeperConfig zookeeper = cfg == null ? null : cfg.zookeeper();
    if (dcsUrl != null && !dcsUrl.isBlank()) {
      DcsUrl url = DcsUrl.parse(dcsUrl);
      if (url.zookeeper()) {
        etcd = null;
        zookeeper =
            new ZooKeeperConfig(
                url.endpoints(), false, null, null, null, null, true, Map.of(), Map.of());
      } else {
        etcd = new EtcdConfig(url.endpoints(), "http", null, null, null, null, null);
        zookeeper = null;
      }
      if (url.namespace() != null) {
        namespace = url.namespace();
      }
    }
    String user = ctl != null && ctl.username() != null ? ctl.username() : null;
    String pass = ctl != null && ctl.username() != null ? ctl.password() : null;
    if (user == null && api != null && api.username() != null) {
      user = api.username();
      pass = api.password();
    }
    String cacert =
        ctl != null && ctl.cacert() != null ? ctl.cacert() : api == null ? null : api.cafile();
    return new CtlSettings(
        cfg == null ? null : cfg.scope(),
        namespace,
        etcd,
        zookeeper,
        user,
        pass,
        cacert,
        ctl == null ? null : ctl.certfile(),
        ctl == null ? null : ctl.keyfile(),
        ctl == null ? null : ctl.keyfilePassword(),
        insecureFlag || (ctl != null && ctl.insecure()),
        cfg == null || cfg.postgresql() == null ? null : cfg.postgresql().superuser());
  }

  /** Never print the password. */
  @Override
  public String toString() {
    return "CtlSettings[scope=" + scope + ", namespace=" + namespace + ", user=" + username + "]";
  }
}
