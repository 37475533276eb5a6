package io.hagent.it;

import java.nio.file.Path;

/**
 * The restapi security settings a test cluster's nodes get: HTTP Basic credentials for the unsafe
 * endpoints and/or TLS (PEM files, client verification mode). toString() hides the password so it
 * cannot leak into test reports.
 */
public record RestApiSecurity(String username, String password, Tls tls) {

  /** restapi.certfile/keyfile/cafile/verify_client, and what a client needs to talk to it. */
  public record Tls(
      Path certfile, Path keyfile, Path cafile, String verifyClient, TestCertificates certs) {}

  public static RestApiSecurity none() {
    return new RestApiSecurity(null, null, null);
  }

  /** Basic auth with user "admin" and a random password. */
  public static RestApiSecurity basicAuth() {
    return new RestApiSecurity("admin", Credentials.random().superuserPassword(), null);
  }

  /** HTTPS with the given certificates; verify_client as Patroni spells it. */
  public static RestApiSecurity tls(TestCertificates certs, String verifyClient) {
    return new RestApiSecurity(
        null,
        null,
        new Tls(certs.serverCert(), certs.serverKey(), certs.caCert(), verifyClient, certs));
  }

  public boolean hasAuth() {
    return username != null;
  }

  public String scheme() {
    return tls == null ? "http" : "https";
  }

  /** The lines under {@code restapi:} (two-space indented), empty when nothing is configured. */
  String yamlLines() {
    StringBuilder sb = new StringBuilder();
    if (hasAuth()) {
      sb.append("  authentication:\n")
          .append("    username: ")
          .append(username)
          .append('\n')
          .append("    password: ")
          .append(password)
          .append('\n');
    }
    if (tls != null) {
      sb.append("  certfile: ").append(tls.certfile()).append('\n');
      sb.append("  keyfile: ").append(tls.keyfile()).append('\n');
      sb.append("  cafile: ").append(tls.cafile()).append('\n');
      sb.append("  verify_client: ").append(tls.verifyClient()).append('\n');
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "RestApiSecurity[auth=" + hasAuth() + ", tls=" + (tls != null) + "]";
  }
}
