package io.hagent.cli;

import java.net.URI;
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
    URI uri;
    try {
      uri = URI.create("//" + text);
    } catch (IllegalArgumentException e) {
      throw new CtlException("Invalid dcs url: " + url);
    }
    String host = uri.getHost() == null || uri.getHost().isEmpty() ? "localhost" : uri.getHost();
    int port = uri.getPort() < 0 ? 2379 : uri.getPort();
    String path = uri.getPath() == null ? "" : uri.getPath().replaceAll("^/+|/+$", "");
    String hostPart = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return new DcsUrl(
        List.of("http://" + hostPart + ":" + port), path.isEmpty() ? null : "/" + path);
  }
}
