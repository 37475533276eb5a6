package io.hagent.common.config;

import java.util.List;
import java.util.Map;

/**
 * The {@code zookeeper:} section as Patroni reads it.
 *
 * @param hosts {@code host:port} of every ensemble member (port 2181 when none was given)
 * @param setAcls principal (an x509 subject, or {@code scheme:credential} as in Patroni) to
 *     permissions ({@code CREATE}, {@code READ}, {@code WRITE}, {@code DELETE}, {@code ADMIN},
 *     {@code ALL}) for every node we create; empty: open
 * @param authData scheme to credential, sent with {@code addAuthInfo} on every session
 */
public record ZooKeeperConfig(
    List<String> hosts,
    boolean useSsl,
    String cacert,
    String cert,
    String key,
    String keyPassword,
    boolean verify,
    Map<String, List<String>> setAcls,
    Map<String, String> authData) {

  /** The connect string the ZooKeeper client takes: {@code h1:2181,h2:2181}. */
  public String connectString() {
    return String.join(",", hosts);
  }

  /** Never print the key password or credentials. */
  @Override
  public String toString() {
    return "ZooKeeperConfig[hosts=" + hosts + ", useSsl=" + useSsl + "]";
  }
}
