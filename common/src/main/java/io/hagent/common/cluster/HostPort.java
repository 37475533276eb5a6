package io.hagent.common.cluster;

import java.net.URI;

/** A host and a port, as PostgreSQL and the REST API publish them. */
public record HostPort(String host, int port) {

  /** Parses {@code host:port}, {@code [v6]:port} or a bare host (then {@code defaultPort}). */
  public static HostPort parse(String value, int defaultPort) {
    String v = value.trim();
    if (v.startsWith("[")) {
      int end = v.indexOf(']');
      String host = v.substring(1, end);
      String rest = v.substring(end + 1);
      return new HostPort(
          host, rest.startsWith(":") ? Integer.parseInt(rest.substring(1)) : defaultPort);
    }
    int colon = v.lastIndexOf(':');
    if (colon < 0) {
      return new HostPort(v, defaultPort);
    }
    return new HostPort(v.substring(0, colon), Integer.parseInt(v.substring(colon + 1)));
  }

  public static HostPort fromConnUrl(String connUrl) {
    if (connUrl == null) {
      return null;
    }
    try {
      URI uri = URI.create(connUrl);
      return new HostPort(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
  }
}
