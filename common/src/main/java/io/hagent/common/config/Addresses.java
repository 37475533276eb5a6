package io.hagent.common.config;

/** Strict {@code hosts:port} splitting for config values (the port is mandatory). */
final class Addresses {
  private Addresses() {}

  /** Host part (brackets of an IPv6 literal removed, may be empty or {@code *}) and port. */
  record Split(String hosts, int port) {}

  /** Null if {@code value} has no {@code :port} or the port is not 1-65535. */
  static Split split(String value) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
    int colon = v.lastIndexOf(':');
    if (colon < 0) {
      return null;
    }
    int port;
    try {
      port = Integer.parseInt(v.substring(colon + 1));
    } catch (NumberFormatException e) {
      return null;
    }
    if (port < 1 || port > 65535) {
      return null;
    }
    String hosts = v.substring(0, colon);
    if (hosts.startsWith("[") && hosts.endsWith("]")) {
      hosts = hosts.substring(1, hosts.length() - 1);
    } else if (hosts.contains(":") && !hosts.contains(",")) {
      return null; // an IPv6 literal needs brackets, otherwise the port is ambiguous
    }
    return new Split(hosts, port);
  }
}
