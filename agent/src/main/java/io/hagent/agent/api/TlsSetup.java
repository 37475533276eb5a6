package io.hagent.agent.api;

import io.hagent.common.config.RestApiConfig;
import io.hagent.common.tls.PemKeyStore;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API's TLS from restapi.certfile/keyfile/keyfile_password/cafile/verify_client/ciphers:
 * an {@link SSLContext} built from the PEM files by {@link PemKeyStore}, handed to Jetty.
 */
final class TlsSetup {
  private static final Logger LOG = LoggerFactory.getLogger(TlsSetup.class);

  private TlsSetup() {}

  /**
   * Jetty's TLS settings for the connector; bad key material fails here, before anything listens.
   */
  static SslContextFactory.Server contextFactory(RestApiConfig cfg) {
    String verify = verifyClient(cfg);
    SSLContext context = context(cfg);
    SslContextFactory.Server factory = new SslContextFactory.Server();
    factory.setSslContext(context);
    if (verify.equals("required")) {
      factory.setNeedClientAuth(true);
    } else if (verify.equals("optional")) {
      factory.setWantClientAuth(true);
    }
    // Jetty's SNI checks would refuse clients that connect by IP address, as HAProxy does.
    factory.setSniRequired(false);
    List<String> ciphers =
        supported(
            javaCipherNames(cfg.ciphers()),
            Arrays.asList(context.getSupportedSSLParameters().getCipherSuites()));
    if (!ciphers.isEmpty()) {
      // The operator's list, exactly: Jetty's own exclusions would silently drop some of it.
      factory.setExcludeCipherSuites();
      factory.setIncludeCipherSuites(ciphers.toArray(new String[0]));
    }
    return factory;
  }

  /**
   * Builds a new context from the files and swaps it in for new connections; open connections keep
   * their session. On failure the old context stays and the reason is logged.
   */
  static void reload(SslContextFactory.Server factory, RestApiConfig cfg) {
    SSLContext context;
    try {
      context = context(cfg);
    } catch (IllegalArgumentException e) {
      LOG.error("REST API: keeping the old certificate: {}", e.getMessage());
      return;
    }
    try {
      factory.reload(f -> f.setSslContext(context));
      LOG.info("REST API: reloaded the certificate from {}", cfg.certfile());
    } catch (Exception e) {
      LOG.error("REST API: certificate reload failed: {}", e.toString());
    }
  }

  private static String verifyClient(RestApiConfig cfg) {
    String verify = cfg.verifyClient() == null ? "none" : cfg.verifyClient();
    if (!List.of("none", "optional", "required").contains(verify)) {
      throw new IllegalArgumentException(
          "restapi.verify_client must be none, optional or required, got '" + verify + "'");
    }
    if (!verify.equals("none") && (cfg.cafile() == null || cfg.cafile().isBlank())) {
      throw new IllegalArgumentException(
          "restapi.verify_client=" + verify + " needs restapi.cafile to verify certificates");
    }
    return verify;
  }

  /** The server's key and certificate chain, and the CAs that client certificates must chain to. */
  static SSLContext context(RestApiConfig cfg) {
    try {
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(
          PemKeyStore.keyStore(cfg.certfile(), cfg.keyfile(), cfg.keyfilePassword()),
          PemKeyStore.STORE_PASSWORD);
      TrustManagerFactory trust = null;
      if (cfg.cafile() != null && !cfg.cafile().isBlank()) {
        KeyStore cas = PemKeyStore.trustStore(cfg.cafile());
        trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(cas);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("restapi TLS: " + e.getMessage(), e);
    }
  }

  private static List<String> supported(List<String> wanted, List<String> known) {
    List<String> out = new ArrayList<>();
    for (String c : wanted) {
      if (known.contains(c)) {
        out.add(c);
      } else {
        LOG.warn("restapi.ciphers: {} is not supported by this Java runtime; ignored", c);
      }
    }
    if (out.isEmpty() && !wanted.isEmpty()) {
      LOG.warn("restapi.ciphers: none of the listed suites is supported; using the defaults");
    }
    return out;
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
