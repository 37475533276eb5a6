package io.hagent.agent.api;

import io.hagent.common.config.RestApiConfig;
import io.hagent.common.tls.PemKeyStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty TLS settings from restapi.certfile/keyfile/keyfile_password/cafile/verify_client/ciphers.
 */
final class TlsSetup {
  private static final Logger LOG = LoggerFactory.getLogger(TlsSetup.class);

  private TlsSetup() {}

  static SslContextFactory.Server sslContextFactory(RestApiConfig cfg) {
    String verify = cfg.verifyClient() == null ? "none" : cfg.verifyClient();
    if (!List.of("none", "optional", "required").contains(verify)) {
      throw new IllegalArgumentException(
          "restapi.verify_client must be none, optional or required, got '" + verify + "'");
    }
    if (!verify.equals("none") && (cfg.cafile() == null || cfg.cafile().isBlank())) {
      throw new IllegalArgumentException(
          "restapi.verify_client=" + verify + " needs restapi.cafile to verify certificates");
    }
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    try {
      ssl.setKeyStore(PemKeyStore.keyStore(cfg.certfile(), cfg.keyfile(), cfg.keyfilePassword()));
      ssl.setKeyStorePassword(new String(PemKeyStore.STORE_PASSWORD));
      if (cfg.cafile() != null && !cfg.cafile().isBlank()) {
        ssl.setTrustStore(PemKeyStore.trustStore(cfg.cafile()));
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("restapi TLS: " + e.getMessage(), e);
    }
    ssl.setNeedClientAuth(verify.equals("required"));
    ssl.setWantClientAuth(verify.equals("optional"));
    List<String> ciphers = javaCipherNames(cfg.ciphers());
    if (!ciphers.isEmpty()) {
      ssl.setIncludeCipherSuites(ciphers.toArray(new String[0]));
    }
    return ssl;
  }

  /**
   * Patroni passes {@code ciphers} to OpenSSL. The JDK names suites differently (IANA names), so
   * only entries already in that form ({@code TLS_...}) are applied; OpenSSL names are reported and
   * the JDK defaults stay in force rather than failing the start.
   */
  static List<String> javaCipherNames(String ciphers) {
    List<String> out = new ArrayList<>();
    if (ciphers == null || ciphers.isBlank()) {
      return out;
    }
    List<String> ignored = new ArrayList<>();
    for (String c : ciphers.split("[:,\\s]+")) {
      if (c.startsWith("TLS_") || c.startsWith("SSL_")) {
        out.add(c);
      } else if (!c.isEmpty()) {
        ignored.add(c);
      }
    }
    if (!ignored.isEmpty()) {
      LOG.warn(
          "restapi.ciphers: OpenSSL cipher names are not applied (use IANA names such as"
              + " TLS_AES_256_GCM_SHA384): {}",
          String.join(":", ignored));
    }
    return out;
  }
}
