package io.hagent.agent.api;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.RestApiConfig;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access control for the unsafe endpoints (§1.8), in Patroni's order: allowlist, client certificate
 * (verify_client optional), then HTTP Basic authentication.
 */
final class AccessGuard {
  private static final Logger LOG = LoggerFactory.getLogger(AccessGuard.class);

  /** An address block; a plain address is a block of its full length. */
  record Network(byte[] address, int prefix) {
    boolean contains(InetAddress ip) {
      byte[] a = normalize(ip).getAddress();
      if (a.length != address.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (a[i] != address[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (a[full] & mask) == (address[full] & mask);
    }
  }

  private final List<Network> allowlist;
  private final boolean includeMembers;
  private final byte[] expectedAuth;
  private final boolean certificateRequiredForUnsafe;

  AccessGuard(RestApiConfig cfg) {
    this.allowlist = parseAllowlist(cfg.allowlist());
    this.includeMembers = cfg.allowlistIncludeMembers();
    this.expectedAuth =
        cfg.username() == null || cfg.username().isEmpty()
            ? null
            : Base64.getEncoder()
                .encodeToString(
                    (cfg.username() + ":" + (cfg.password() == null ? "" : cfg.password()))
                        .getBytes(StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.US_ASCII);
    String verify = cfg.verifyClient() == null ? "none" : cfg.verifyClient();
    this.certificateRequiredForUnsafe =
        cfg.tls() && (verify.equals("optional") || verify.equals("required"));
  }

  /** Whether any allowlist (restapi.allowlist or allowlist_include_members) is configured. */
  boolean hasAllowlist() {
    return !allowlist.isEmpty() || includeMembers;
  }

  /**
   * The allowlist decision for one peer, taken when its connection is accepted.
   *
   * @param cluster the cached cluster view, for allowlist_include_members (may be null)
   */
  boolean allowlisted(InetAddress client, Cluster cluster) {
    if (!hasAllowlist()) {
      return true;
    }
    List<Network> allowed = new ArrayList<>(allowlist);
    if (includeMembers && cluster != null) {
      allowed.addAll(memberNetworks(cluster));
    }
    return allowed.stream().anyMatch(n -> n.contains(client));
  }

  /**
   * The allowlist decision for POST /failsafe: restapi.allowlist only, never the members' addresses
   * (Patroni's check_access(allowlist_check_members=False), after patroni/patroni#3096). The leader
   * calls it exactly when it cannot reach the DCS; by then its member key may have expired from the
   * caller's view of the cluster, and a members-only check would refuse it and make it demote.
   */
  boolean allowlistedIgnoringMembers(InetAddress client) {
    return allowlist.isEmpty() || allowlist.stream().anyMatch(n -> n.contains(client));
  }

  /**
   * @param allowlisted the connection's {@link #allowlisted} decision
   * @return null when the request may proceed, else the 403/401 reply
   */
  HttpReply check(boolean allowlisted, boolean hasClientCert, String authorization) {
    if (!allowlisted) {
      return HttpReply.text(403, "Access is denied");
    }
    if (certificateRequiredForUnsafe && !hasClientCert) {
      return HttpReply.text(403, "client certificate required");
    }
    String reason = authFailure(authorization);
    if (reason != null) {
      return HttpReply.text(401, reason).withHeader("WWW-Authenticate", "Basic realm=\"Patroni\"");
    }
    return null;
  }

  private String authFailure(String header) {
    if (expectedAuth == null) {
      return null;
    }
    if (header == null) {
      return "no auth header received";
    }
    if (!header.startsWith("Basic ")) {
      return "not authenticated";
    }
    byte[] given = header.substring(6).getBytes(StandardCharsets.US_ASCII);
    // Constant time in the content, so the comparison does not leak how much of it matched.
    return MessageDigest.isEqual(given, expectedAuth) ? null : "not authenticated";
  }

  static List<Network> parseAllowlist(List<String> entries) {
    List<Network> out = new ArrayList<>();
    if (entries == null) {
      return out;
    }
    for (String entry : entries) {
      try {
        out.addAll(parse(entry.trim()));
      } catch (UnknownHostException | IllegalArgumentException e) {
        LOG.warn("restapi.allowlist: ignoring '{}': {}", entry, e.getMessage());
      }
    }
    return out;
  }

  /** An IP, a CIDR block, or a host name (every address it resolves to). */
  static List<Network> parse(String entry) throws UnknownHostException {
    int slash = entry.indexOf('/');
    if (slash >= 0) {
      InetAddress base = normalize(InetAddress.getByName(literal(entry.substring(0, slash))));
      int bits = base.getAddress().length * 8;
      int prefix;
      try {
        prefix = Integer.parseInt(entry.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad prefix length");
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("prefix length out of range");
      }
      return List.of(new Network(base.getAddress(), prefix));
    }
    List<Network> out = new ArrayList<>();
    for (InetAddress a : InetAddress.getAllByName(entry)) {
      byte[] bytes = normalize(a).getAddress();
      out.add(new Network(bytes, bytes.length * 8));
    }
    return out;
  }

  /** Requires an IP literal for a CIDR base, so no DNS lookup happens for it. */
  private static String literal(String s) {
    if (!s.matches("[0-9.]+") && !s.contains(":")) {
      throw new IllegalArgumentException("a network must be written as an IP address");
    }
    return s;
  }

  private static List<Network> memberNetworks(Cluster cluster) {
    List<Network> out = new ArrayList<>();
    for (Member m : cluster.members()) {
      String url = m.apiUrl();
      if (url == null) {
        continue;
      }
      try {
        String host = URI.create(url).getHost();
        if (host != null) {
          out.addAll(parse(host.startsWith("[") ? host.substring(1, host.length() - 1) : host));
        }
      } catch (IllegalArgumentException | UnknownHostException e) {
        LOG.debug("allowlist_include_members: cannot resolve {}: {}", url, e.getMessage());
      }
    }
    return out;
  }

  /** IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) compare as IPv4. */
  static InetAddress normalize(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length == 16) {
      boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
      for (int i = 0; i < 10 && mapped; i++) {
        mapped = b[i] == 0;
      }
      if (mapped) {
        try {
          return InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16));
        } catch (UnknownHostException e) {
          return a;
        }
      }
    }
    return a;
  }
}
