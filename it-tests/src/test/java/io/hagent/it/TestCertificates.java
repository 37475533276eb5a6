package io.hagent.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away CA, a server certificate for 127.0.0.1 and a client certificate, made with the
 * openssl command line the way an operator would, plus the SSLContexts a test client needs (with
 * and without the client certificate).
 */
public record TestCertificates(
    Path caCert, Path serverCert, Path serverKey, Path clientCert, Path clientKey, Path clientP12) {
  private static final String OPENSSL = System.getProperty("it.openssl", "openssl");
  static final String P12_PASSWORD_STRING = "it-client";
  private static final char[] P12_PASSWORD = P12_PASSWORD_STRING.toCharArray();

  public static TestCertificates create(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    TestCertificates c =
        new TestCertificates(
            dir.resolve("ca.crt"),
            dir.resolve("server.crt"),
            dir.resolve("server.key"),
            dir.resolve("client.crt"),
            dir.resolve("client.key"),
            dir.resolve("client.p12"));
    Path ext = dir.resolve("server.ext");
    try {
      // the server certificate also serves as the agent's client certificate for peer probes
      Files.writeString(
          ext,
          "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
              + "extendedKeyUsage=serverAuth,clientAuth\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path caKey = dir.resolve("ca.key");
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        caKey.toString(),
        "-out",
        c.caCert.toString(),
        "-days",
        "2",
        "-subj",
        "/CN=hagent-it-ca");
    issue(dir, caKey, c.caCert, c.serverKey, c.serverCert, "/CN=127.0.0.1", ext);
    issue(dir, caKey, c.caCert, c.clientKey, c.clientCert, "/CN=it-client", null);
    ownerOnly(c.serverKey);
    ownerOnly(c.clientKey);
    openssl(
        dir,
        "pkcs12",
        "-export",
        // PostgreSQL JDBC looks the client key up under the alias "user"
        "-name",
        "user",
        "-in",
        c.clientCert.toString(),
        "-inkey",
        c.clientKey.toString(),
        "-out",
        c.clientP12.toString(),
        "-passout",
        "pass:" + new String(P12_PASSWORD));
    return c;
  }

  /** PEM private key forms, each made the way an operator's openssl makes it. */
  public enum KeyKind {
    RSA_PKCS1("-----BEGIN RSA PRIVATE KEY-----", "genrsa", "-traditional", "-out", "%k", "2048"),
    RSA_PKCS8("-----BEGIN PRIVATE KEY-----", "genpkey", "-algorithm", "RSA", "-out", "%k"),
    EC_SEC1(
        "-----BEGIN EC PRIVATE KEY-----",
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        "%k"),
    ENCRYPTED_PKCS8(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----",
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-aes-256-cbc",
        "-pass",
        "pass:%p",
        "-out",
        "%k"),
    LEGACY_ENCRYPTED_RSA(
        "Proc-Type: 4,ENCRYPTED",
        "genrsa",
        "-traditional",
        "-aes128",
        "-passout",
        "pass:%p",
        "-out",
        "%k",
        "2048");

    private final String marker;
    private final String[] command;

    KeyKind(String marker, String... command) {
      this.marker = marker;
      this.command = command;
    }

    public boolean encrypted() {
      return this == ENCRYPTED_PKCS8 || this == LEGACY_ENCRYPTED_RSA;
    }
  }

  /** A client certificate and its key; password is null unless the key is encrypted. */
  public record ClientKey(Path cert, Path key, String password, KeyKind kind) {
    @Override
    public String toString() {
      return "ClientKey[" + kind + ", " + cert + "]";
    }
  }

  /** A client certificate for {@code cn} signed by this CA, its key of the given kind. */
  public ClientKey clientKey(String name, KeyKind kind, String cn) {
    Path dir = caCert.getParent();
    Path key = dir.resolve(name + ".key");
    Path cert = dir.resolve(name + ".crt");
    String password = kind.encrypted() ? "it-" + name + " key pw" : null;
    String[] cmd = kind.command.clone();
    for (int i = 0; i < cmd.length; i++) {
      cmd[i] = cmd[i].replace("%k", key.toString()).replace("%p", String.valueOf(password));
    }
    openssl(dir, cmd);
    try {
      if (!Files.readString(key).contains(kind.marker)) {
        throw new IllegalStateException(key + " is not a " + kind + " key");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path csr = dir.resolve(name + ".csr");
    List<String> req =
        new java.util.ArrayList<>(
            List.of(
                "req",
                "-new",
                "-key",
                key.toString(),
                "-out",
                csr.toString(),
                "-subj",
                "/CN=" + cn));
    if (password != null) {
      req.addAll(List.of("-passin", "pass:" + password));
    }
    openssl(dir, req.toArray(String[]::new));
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        csr.toString(),
        "-CA",
        caCert.toString(),
        "-CAkey",
        dir.resolve("ca.key").toString(),
        "-CAcreateserial",
        "-out",
        cert.toString(),
        "-days",
        "2");
    ownerOnly(key);
    return new ClientKey(cert, key, password, kind);
  }

  /** libpq and PostgreSQL refuse private keys that others may read. */
  private static void ownerOnly(Path key) {
    try {
      Files.setPosixFilePermissions(
          key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void issue(
      Path dir, Path caKey, Path caCert, Path key, Path cert, String subject, Path ext) {
    Path csr = dir.resolve(cert.getFileName() + ".csr");
    openssl(
        dir,
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key.toString(),
        "-out",
        csr.toString(),
        "-subj",
        subject);
    List<String> sign =
        new java.util.ArrayList<>(
            List.of(
                "x509",
                "-req",
                "-in",
                csr.toString(),
                "-CA",
                caCert.toString(),
                "-CAkey",
                caKey.toString(),
                "-CAcreateserial",
                "-out",
                cert.toString(),
                "-days",
                "2"));
    if (ext != null) {
      sign.addAll(List.of("-extfile", ext.toString()));
    }
    openssl(dir, sign.toArray(String[]::new));
  }

  private static void openssl(Path dir, String... args) {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(OPENSSL);
    cmd.addAll(List.of(args));
    ChildProcess p = ChildProcess.start("openssl", cmd, dir.resolve("openssl.log"), Map.of());
    if (!p.waitFor(Duration.ofSeconds(60)) || p.exitValue() != 0) {
      throw new IllegalStateException(
          "openssl " + args[0] + " failed:\n" + ChildProcess.tail(dir.resolve("openssl.log"), 20));
    }
  }

  /** Trusts the test CA; presents the client certificate when withClientCert. */
  public SSLContext sslContext(boolean withClientCert) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      try (InputStream in = Files.newInputStream(caCert)) {
        Certificate ca = CertificateFactory.getInstance("X.509").generateCertificate(in);
        trust.setCertificateEntry("ca", ca);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      KeyManagerFactory kmf = null;
      if (withClientCert) {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(clientP12)) {
          keys.load(in, P12_PASSWORD);
        }
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, P12_PASSWORD);
      }
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the test SSLContext", e);
    }
  }
}
