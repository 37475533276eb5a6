package io.hagent.common.tls;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CRL;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS client side of a PostgreSQL connection as libpq sets it up from its connection settings
 * (sslmode, sslrootcert, sslcert, sslkey, sslpassword, sslcrl, sslcrldir, ssl_min_protocol_version,
 * ssl_max_protocol_version), with libpq's defaults under ~/.postgresql/. The host name check of
 * verify-full is left to the JDBC driver, which does it after the handshake.
 *
 * @param mode libpq's sslmode, default prefer
 * @param rootcert the CA file, "system" for the JVM's trusted roots, or null when there is none
 * @param verify whether the server certificate is checked against {@code rootcert}
 * @param cert the client certificate file, or null when none is sent
 * @param key its private key file (PEM of any kind PemKeyStore reads)
 */
public record LibpqSsl(
    String mode,
    String rootcert,
    boolean verify,
    String cert,
    String key,
    String password,
    List<String> crls,
    String minProtocol,
    String maxProtocol) {

  public static final List<String> MODES =
      List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  /**
   * Resolves libpq's rules: defaults under {@code home}/.postgresql, sslrootcert=system only with
   * verify-full, a root certificate file that exists turns on verification in every mode, and
   * verify-ca/verify-full without one is an error.
   */
  public static LibpqSsl of(Map<String, String> settings, String home) throws IOException {
    String dir = home == null ? null : home + File.separator + ".postgresql" + File.separator;
    String rootcert = value(settings, "sslrootcert", dir == null ? null : dir + "root.crt");
    boolean system = "system".equals(rootcert);
    String mode = value(settings, "sslmode", system ? "verify-full" : "prefer");
    if (!MODES.contains(mode)) {
      throw new IOException("invalid sslmode value: \"" + mode + "\"");
    }
    if (system && !mode.equals("verify-full") && !mode.equals("disable")) {
      throw new IOException(
          "weak sslmode \""
              + mode
              + "\" may not be used with sslrootcert=system (use verify-full)");
    }
    boolean rootExists = system || (rootcert != null && Files.isRegularFile(Path.of(rootcert)));
    if (mode.startsWith("verify-") && !rootExists) {
      throw new IOException(
          "root certificate file \""
              + rootcert
              + "\" does not exist; either provide the file, use the system's trusted roots with"
              + " sslrootcert=system, or change sslmode to disable server certificate"
              + " verification");
    }
    String cert = value(settings, "sslcert", dir == null ? null : dir + "postgresql.crt");
    String key = value(settings, "sslkey", dir == null ? null : dir + "postgresql.key");
    if (cert != null && !Files.isRegularFile(Path.of(cert))) {
      cert = null; // as libpq: no client certificate file, no client certificate
    }
    if (cert != null && (key == null || !Files.isRegularFile(Path.of(key)))) {
      throw new IOException("certificate present, but not private key file \"" + key + "\"");
    }
    if (cert != null) {
      checkKeyPermissions(key);
    }
    List<String> crls = new ArrayList<>();
    String crl = value(settings, "sslcrl", dir == null ? null : dir + "root.crl");
    if (crl != null && Files.isRegularFile(Path.of(crl))) {
      crls.add(crl);
    }
    String crldir = value(settings, "sslcrldir", null);
    if (crldir != null && Files.isDirectory(Path.of(crldir))) {
      try (var files = Files.list(Path.of(crldir))) {
        files.filter(Files::isRegularFile).map(Path::toString).sorted().forEach(crls::add);
      }
    }
    return new LibpqSsl(
        mode,
        rootExists ? rootcert : null,
        rootExists,
        cert,
        cert == null ? null : key,
        settings.get("sslpassword"),
        List.copyOf(crls),
        value(settings, "ssl_min_protocol_version", "TLSv1.2"),
        value(settings, "ssl_max_protocol_version", null));
  }

  /**
   * libpq's rule, so that a key the agent accepts also works for pg_basebackup and the WAL
   * receiver: no group or world access if the current user owns it, at most 0640 if root does.
   */
  static void checkKeyPermissions(String key) throws IOException {
    Path p = Path.of(key);
    PosixFileAttributes a;
    try {
      a = Files.readAttributes(p, PosixFileAttributes.class);
    } catch (UnsupportedOperationException e) {
      return; // not a POSIX file system: libpq does not check either
    }
    Set<PosixFilePermission> perms = a.permissions();
    boolean rootOwned = a.owner().getName().equals("root");
    boolean tooOpen =
        rootOwned
            ? perms.contains(PosixFilePermission.GROUP_WRITE)
                || perms.contains(PosixFilePermission.GROUP_EXECUTE)
                || perms.contains(PosixFilePermission.OTHERS_READ)
                || perms.contains(PosixFilePermission.OTHERS_WRITE)
                || perms.contains(PosixFilePermission.OTHERS_EXECUTE)
            : perms.stream()
                .anyMatch(x -> x.name().startsWith("GROUP_") || x.name().startsWith("OTHERS_"));
    if (tooOpen) {
      throw new IOException(
          "private key file \""
              + key
              + "\" has group or world access; file must have permissions u=rw (0600) or less if"
              + " owned by the current user, or permissions u=rw,g=r (0640) or less if owned by"
              + " root");
    }
  }

  private static String value(Map<String, String> settings, String key, String fallback) {
    String v = settings.get(key);
    return v == null || v.isEmpty() ? fallback : v;
  }

  /** An SSL context with the client certificate and the server check these settings ask for. */
  public SSLContext context() throws IOException {
    KeyManager[] keyManagers = cert == null ? null : PemKeyStore.keyManagers(cert, key, password);
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keyManagers, trustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  private TrustManager[] trustManagers() throws IOException, GeneralSecurityException {
    if (!verify) {
      return new TrustManager[] {new AcceptAnyServer()};
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    if ("system".equals(rootcert)) {
      if (!crls.isEmpty()) {
        throw new IOException("sslcrl/sslcrldir together with sslrootcert=system is not supported");
      }
      tmf.init((KeyStore) null); // the JVM's trusted roots
      return tmf.getTrustManagers();
    }
    KeyStore anchors = PemKeyStore.trustStore(rootcert);
    if (crls.isEmpty()) {
      tmf.init(anchors);
      return tmf.getTrustManagers();
    }
    List<CRL> all = new ArrayList<>();
    for (String f : crls) {
      all.addAll(PemKeyStore.crls(f));
    }
    PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, new X509CertSelector());
    params.addCertStore(
        CertStore.getInstance("Collection", new CollectionCertStoreParameters(all)));
    // OpenSSL's X509_V_FLAG_CRL_CHECK, as libpq sets it: the server's own certificate, from the
    // given CRLs only, and a missing CRL for its issuer fails the handshake
    PKIXRevocationChecker checker =
        (PKIXRevocationChecker) CertPathBuilder.getInstance("PKIX").getRevocationChecker();
    checker.setOptions(
        EnumSet.of(
            PKIXRevocationChecker.Option.ONLY_END_ENTITY,
            PKIXRevocationChecker.Option.PREFER_CRLS,
            PKIXRevocationChecker.Option.NO_FALLBACK));
    params.addCertPathChecker(checker);
    params.setRevocationEnabled(true);
    tmf.init(new CertPathTrustManagerParameters(params));
    return tmf.getTrustManagers();
  }

  /** Never shows sslpassword. */
  @Override
  public String toString() {
    return "LibpqSsl[mode="
        + mode
        + ", rootcert="
        + rootcert
        + ", verify="
        + verify
        + ", cert="
        + cert
        + ", key="
        + key
        + ", crls="
        + crls
        + "]";
  }

  /** libpq's sslmode=require without a root certificate: encryption without a server check. */
  private static final class AcceptAnyServer implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
