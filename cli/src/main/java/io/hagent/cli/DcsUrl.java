package io.hagent.cli;

import io.hagent.common.cluster.HostPort;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --dcs-url DCS://HOST:PORT/NAMESPACE} (§2.1). etcd and etcd3 (both over the v3 API, default
 * port 2379) and zookeeper (default port 2181) are served; a URL without scheme means etcd.
 *
 * @param endpoints etcd: {@code http://host:port}; ZooKeeper: {@code host:port}
 * @param namespace the path as namespace, or null when the URL has none
 * @param zookeeper the URL names a ZooKeeper ensemble
 */
record DcsUrl(List<String> endpoints, String namespace, boolean zookeeper) {

  static DcsUrl parse(String url) {
    String text = url.trim();
    String scheme = "";
    int sep = text.indexOf("://");
    if (sep >= 0) {
      scheme = text.substring(0, sep);
      text = text.substring(sep + 3);
    }
    boolean zookeeper = scheme.equals("zookeeper");
    int defaultPort = zookeeper ? 2181 : 2379;
    switch (scheme) {
      case "", "etcd", "etcd3", "zookeeper" -> {}
      case "consul", "exhibitor", "kubernetes", "raft" ->
          throw new CtlException(
              "Unsupported dcs scheme: " + scheme + " (hactl speaks etcd v3 and zookeeper)");
      default -> throw new CtlException("Unknown dcs scheme: " + scheme);
    }
    // Several hosts are allowed (etcd3://h1:2379,h2:2379/service), so no java.net.URI here.
    int slash = text.indexOf('/');
    String authority = slash < 0 ? text : text.substring(0, slash);
    String path = slash < 0 ? "" : text.substring(slash).replaceAll("^/+|/+$", "");
    List<String> endpoints = new ArrayList<>();
    for (String part : authority.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      HostPort hp;
      try {
        hp = HostPort.parse(part.trim(), defaultPort);
      } catch (RuntimeException e) {
        throw new CtlException("Invalid dcs url: " + url);
      }
      if (hp.host().isEmpty()) {
        hp = new HostPort("localhost", hp.port());
      }
      endpoints.add((zookeeper ? "" : "http://") + hp);
    }
    if (endpoints.isEmpty()) {
      endpoints.add(zookeeper ? "localhost:2181" : "http://localhost:2379");
    }
    return new DcsUrl(List.copyOf(endpoints), path.isEmpty() ? null : "/" + path, zookeeper);
  }
}
