package io.hagent.cli;

import io.hagent.common.cluster.HostPort;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --dcs-url DCS://HOST:PORT/NAMESPACE} (§2.1). Only etcd and etcd3 are served (both over the
 * v3 API); a URL without scheme means etcd, whose default port is 2379.
 *
 * @param namespace the path as namespace, or null when the URL has none
 */
record DcsUrl(List<String> endpoints, String namespace) {

  static DcsUrl parse(String url) {
    String text = url.trim();
    String scheme = "";
    int sep = text.indexOf("://");
    if (sep >= 0) {
      scheme = text.substring(0, sep);
      text = text.substring(sep + 3);
    }
    switch (scheme) {
      case "", "etcd", "etcd3" -> {}
      case "consul", "zookeeper", "exhibitor", "kubernetes", "raft" ->
          throw new CtlException(
              "Unsupported dcs scheme: " + scheme + " (hactl speaks etcd v3 only)");
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
        hp = HostPort.parse(part.trim(), 2379);
      } catch (RuntimeException e) {
        throw new CtlException("Invalid dcs url: " + url);
      }
      if (hp.host().isEmpty()) {
        hp = new HostPort("localhost", hp.port());
      }
      endpoints.add("http://" + hp);
    }
    if (endpoints.isEmpty()) {
      endpoints.add("http://localhost:2379");
    }
    return new DcsUrl(List.copyOf(endpoints), path.isEmpty() ? null : "/" + path);
  }
}
