package io.hagent.common.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * libpq's TLS settings through the factory PostgreSQL JDBC is given: real handshakes against an
 * in-process TLS server that requires a client certificate, as {@code hostssl ... clientcert=}
 * does.
 */
class LibpqSslTest {
  @TempDir Path dir;
  private KeyPair caKeys;
  private X509Certificate ca;
  private String caFile;
  private X509Certificate serverCert;
  private KeyPair serverKeys;

  @BeforeEach
  void pki() throws Exception {
    caKeys = TestPki.rsa();
    ca = TestPki.certificate("test-ca", caKeys, "test-ca", caKeys.getPrivate(), true);
    caFile = TestPki.write(dir, "ca.crt", TestPki.pem(ca));
    serverKeys = TestPki.rsa();
    serverCert =
        TestPki.certificate("127.0.0.1", serverKeys, "test-ca", caKeys.getPrivate(), false);
  }

  private String clientCert(String name, KeyPair keys) throws Exception {
    X509Certificate c = TestPki.certificate(name, keys, "test-ca", caKeys.getPrivate(), false);
    return TestPki.write(dir, name + ".crt", TestPki.pem(c));
  }

  /** Handshakes once with the factory made from {@code libpq}; returns the client's CN. */
  private String handshake(Map<String, String> libpq) throws Exception {
    String serverCrt = TestPki.write(dir, "server.crt", TestPki.pem(serverCert));
    String serverKey = TestPki.write(dir, "server.key", TestPki.pkcs8(serverKeys.getPrivate()));
    SSLContext server = SSLContext.getInstance("TLS");
    server.init(
        PemKeyStore.keyManagers(serverCrt, serverKey, null),
        PemKeyStore.trustManagers(caFile),
        null);
    try (SSLServerSocket listener =
        (SSLServerSocket)
            server
                .getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listener.setNeedClientAuth(true);
      CompletableFuture<String> peer =
          CompletableFuture.supplyAsync(
              () -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                  s.setSoTimeout(5000);
                  s.startHandshake();
                  String cn = s.getSession().getPeerPrincipal().getName();
                  s.getOutputStream().write(1);
                  return cn;
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      Properties props = new Properties();
      LibpqJdbc.apply(props, libpq, dir.resolve("home").toString());
      assertEquals(LibpqSslSocketFactory.class.getName(), props.getProperty("sslfactory"));
      LibpqSslSocketFactory factory = new LibpqSslSocketFactory(props);
      try (SSLSocket c =
          (SSLSocket)
              factory.createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
        c.setSoTimeout(5000);
        c.startHandshake();
        assertEquals(1, c.getInputStream().read());
      }
      return peer.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void verifyCaWithEveryKeyFormat() throws Exception {
    KeyPair rsa1 = TestPki.rsa();
    KeyPair rsa8 = TestPki.rsa();
    KeyPair ec = TestPki.ec();
    KeyPair enc = TestPki.ec();
    Map<String, String[]> clients =
        Map.of(
            "pkcs1", new String[] {clientCert("pkcs1", rsa1), TestPki.traditional(rsa1), null},
            "pkcs8",
                new String[] {clientCert("pkcs8", rsa8), TestPki.pkcs8(rsa8.getPrivate()), null},
            "sec1", new String[] {clientCert("sec1", ec), TestPki.traditional(ec), null},
            "enc",
                new String[] {
                  clientCert("enc", enc), TestPki.encryptedPkcs8(enc.getPrivate(), "pw"), "pw"
                });
    for (var e : clients.entrySet()) {
      Map<String, String> libpq = new HashMap<>();
      libpq.put("sslmode", "verify-ca");
      libpq.put("sslrootcert", caFile);
      libpq.put("sslcert", e.getValue()[0]);
      libpq.put("sslkey", TestPki.write(dir, e.getKey() + ".key", e.getValue()[1]));
      if (e.getValue()[2] != null) {
        libpq.put("sslpassword", e.getValue()[2]);
      }
      assertEquals("CN=" + e.getKey(), handshake(libpq), e.getKey());
    }
  }

  @Test
  void verifyCaRejectsAServerOfAnotherCa() throws Exception {
    KeyPair other = TestPki.rsa();
    String otherCa =
        TestPki.write(
            dir,
            "other.crt",
            TestPki.pem(TestPki.certificate("other", other, "other", other.getPrivate(), true)));
    KeyPair k = TestPki.rsa();
    Map<String, String> libpq =
        Map.of(
            "sslmode",
            "verify-ca",
            "sslrootcert",
            otherCa,
            "sslcert",
            clientCert("c", k),
            "sslkey",
            TestPki.write(dir, "c.key", TestPki.traditional(k)));
    assertThrows(Exception.class, () -> handshake(libpq));
  }

  @Test
  void requireWithoutRootCertificateAcceptsAnyServer() throws Exception {
    KeyPair k = TestPki.ec();
    Map<String, String> libpq =
        Map.of(
            "sslmode", "require",
            "sslcert", clientCert("req", k),
            "sslkey", TestPki.write(dir, "req.key", TestPki.traditional(k)));
    assertEquals("CN=req", handshake(libpq));
  }

  @Test
  void aRevokedServerCertificateFailsWithSslcrl() throws Exception {
    KeyPair k = TestPki.rsa();
    Map<String, String> libpq = new HashMap<>();
    libpq.put("sslmode", "verify-ca");
    libpq.put("sslrootcert", caFile);
    libpq.put("sslcert", clientCert("crl", k));
    libpq.put("sslkey", TestPki.write(dir, "crl.key", TestPki.traditional(k)));
    libpq.put("sslcrl", crl(List.of()));
    assertEquals("CN=crl", handshake(libpq)); // a CRL that revokes nothing
    libpq.put("sslcrl", crl(List.of(serverCert.getSerialNumber())));
    assertThrows(Exception.class, () -> handshake(libpq));
  }

  private String crl(List<BigInteger> revoked) throws Exception {
    Date now = new Date();
    X509v2CRLBuilder b = new X509v2CRLBuilder(new X500Name("CN=test-ca"), now);
    b.setNextUpdate(new Date(now.getTime() + 86_400_000L));
    for (BigInteger serial : revoked) {
      b.addCRLEntry(serial, now, 0);
    }
    var holder = b.build(new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate()));
    return TestPki.write(dir, "root" + revoked.size() + ".crl", TestPki.pem(holder));
  }

  @Test
  void libpqRulesForModesAndFiles() throws Exception {
    String home = dir.resolve("home").toString();
    IOException noRoot =
        assertThrows(IOException.class, () -> LibpqSsl.of(Map.of("sslmode", "verify-full"), home));
    assertTrue(noRoot.getMessage().contains("root certificate file"), noRoot.getMessage());
    assertThrows(IOException.class, () -> LibpqSsl.of(Map.of("sslmode", "bogus"), home));
    assertThrows(
        IOException.class,
        () -> LibpqSsl.of(Map.of("sslmode", "require", "sslrootcert", "system"), home));
    assertEquals("verify-full", LibpqSsl.of(Map.of("sslrootcert", "system"), home).mode());

    LibpqSsl plain = LibpqSsl.of(Map.of(), home);
    assertEquals("prefer", plain.mode());
    assertFalse(plain.verify());
    assertNull(plain.cert());

    // ~/.postgresql/root.crt turns on verification even in prefer, as in libpq
    Path pgdir = Files.createDirectories(dir.resolve("home/.postgresql"));
    Files.copy(Path.of(caFile), pgdir.resolve("root.crt"));
    assertTrue(LibpqSsl.of(Map.of(), home).verify());

    // a certificate without its key is an error; a missing certificate means none is sent
    KeyPair k = TestPki.rsa();
    Files.copy(Path.of(clientCert("defaults", k)), pgdir.resolve("postgresql.crt"));
    IOException noKey = assertThrows(IOException.class, () -> LibpqSsl.of(Map.of(), home));
    assertTrue(noKey.getMessage().contains("postgresql.key"), noKey.getMessage());
    TestPki.write(pgdir, "postgresql.key", TestPki.traditional(k));
    assertEquals(pgdir.resolve("postgresql.crt").toString(), LibpqSsl.of(Map.of(), home).cert());
    assertNull(LibpqSsl.of(Map.of("sslcert", dir.resolve("none.crt").toString()), home).cert());

    // a key others may read is refused, as libpq (and so pg_basebackup) refuses it
    Files.setPosixFilePermissions(
        pgdir.resolve("postgresql.key"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    IOException open = assertThrows(IOException.class, () -> LibpqSsl.of(Map.of(), home));
    assertTrue(open.getMessage().contains("has group or world access"), open.getMessage());
    Files.setPosixFilePermissions(
        pgdir.resolve("postgresql.key"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

    LibpqSsl withPassword = LibpqSsl.of(Map.of("sslpassword", "hunter2"), home);
    assertFalse(withPassword.toString().contains("hunter2"));
  }

  @Test
  void driverPropertiesFollowLibpqNames() {
    Properties off = new Properties();
    LibpqJdbc.apply(off, Map.of("sslmode", "disable", "gssencmode", "disable"), "/h");
    assertEquals("disable", off.getProperty("sslmode"));
    assertNull(off.getProperty("sslfactory"));
    assertEquals("disable", off.getProperty("gssEncMode"));

    Properties on = new Properties();
    LibpqJdbc.apply(
        on,
        Map.of(
            "sslmode", "verify-full",
            "sslkey", "/k.pem",
            "channel_binding", "require",
            "sslnegotiation", "postgres"),
        "/h");
    assertEquals("verify-full", on.getProperty("sslmode"));
    assertEquals("/k.pem", on.getProperty(LibpqJdbc.PREFIX + "sslkey"));
    assertNull(on.getProperty("sslkey"), "the driver must not try to read the PEM key itself");
    assertEquals("require", on.getProperty("channelBinding"));
    assertEquals("postgres", on.getProperty("sslNegotiation"));

    Properties none = new Properties();
    LibpqJdbc.apply(none, null, null);
    assertEquals("prefer", none.getProperty("sslmode"));
  }

  @Test
  void protocolRange() {
    assertEquals(
        List.of("TLSv1.2", "TLSv1.3"), List.of(LibpqSslSocketFactory.protocols(null, null)));
    assertEquals(List.of("TLSv1.3"), List.of(LibpqSslSocketFactory.protocols("TLSv1.3", null)));
    assertThrows(
        UncheckedIOException.class, () -> LibpqSslSocketFactory.protocols("TLSv1.3", "TLSv1.2"));
  }
}
