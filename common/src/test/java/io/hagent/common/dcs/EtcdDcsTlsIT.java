package io.hagent.common.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.config.EtcdConfig;
import io.hagent.common.tls.PemKeyStore;
import io.hagent.common.tls.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd requiring client certificates (--client-cert-auth): the agent's client presents keys in PEM
 * forms netty cannot read itself (EC SEC1, RSA PKCS#1), and a client certificate renewed on disk is
 * used from the next connection on, without rebuilding the DCS client.
 */
class EtcdDcsTlsIT {
  @TempDir static Path dir;
  private static EtcdProcess etcd;
  private static KeyPair caKeys;
  private static String caFile;

  @BeforeAll
  static void startEtcd() throws Exception {
    caKeys = TestPki.rsa();
    caFile =
        TestPki.write(
            dir,
            "ca.crt",
            TestPki.pem(
                TestPki.certificate("test-ca", caKeys, "test-ca", caKeys.getPrivate(), true)));
    KeyPair server = TestPki.rsa();
    String serverCrt =
        TestPki.write(
            dir,
            "server.crt",
            TestPki.pem(
                TestPki.certificate("127.0.0.1", server, "test-ca", caKeys.getPrivate(), false)));
    String serverKey = TestPki.write(dir, "server.key", TestPki.pkcs8(server.getPrivate()));
    String[] probe = client("probe", TestPki.ec(), caKeys.getPrivate(), "test-ca");
    SSLContext health = SSLContext.getInstance("TLS");
    health.init(
        PemKeyStore.keyManagers(probe[0], probe[1], null), PemKeyStore.trustManagers(caFile), null);
    etcd = new EtcdProcess().withTls(serverCrt, serverKey, caFile, health);
    etcd.start();
  }

  @AfterAll
  static void stopEtcd() throws Exception {
    if (etcd != null) {
      etcd.close();
    }
  }

  /** Writes a client certificate and its key (traditional PEM) issued by {@code issuerKey}. */
  private static String[] client(String name, KeyPair keys, PrivateKey issuerKey, String issuer)
      throws Exception {
    String crt =
        TestPki.write(
            dir,
            name + ".crt.new",
            TestPki.pem(TestPki.certificate(name, keys, issuer, issuerKey, false)));
    String key = TestPki.write(dir, name + ".key.new", TestPki.traditional(keys));
    // renamed into place, as certbot and cert-manager do
    Path finalKey = Path.of(key.replace(".new", ""));
    Path finalCrt = Path.of(crt.replace(".new", ""));
    Files.move(Path.of(key), finalKey, StandardCopyOption.REPLACE_EXISTING);
    Files.move(Path.of(crt), finalCrt, StandardCopyOption.REPLACE_EXISTING);
    return new String[] {finalCrt.toString(), finalKey.toString()};
  }

  private static EtcdDcs dcs(String[] certAndKey, String member) {
    EtcdConfig config =
        new EtcdConfig(
            List.of(etcd.endpoint()), "https", null, null, caFile, certAndKey[0], certAndKey[1]);
    return EtcdDcs.create(config, new KeyLayout(null, "tls-" + member), member, 10, 3);
  }

  @Test
  void ecSec1AndRsaPkcs1ClientKeysAreAccepted() throws Exception {
    for (KeyPair keys : List.of(TestPki.ec(), TestPki.rsa())) {
      String name = "client-" + keys.getPrivate().getAlgorithm();
      try (EtcdDcs a = dcs(client(name, keys, caKeys.getPrivate(), "test-ca"), name)) {
        assertTrue(a.attemptToAcquireLeader());
        assertEquals(name, a.readCluster().leader().name());
        assertTrue(a.deleteLeader());
      }
    }
  }

  @Test
  void aRenewedClientCertificateIsUsedWithoutRestart() throws Exception {
    // first a certificate etcd does not trust (another CA): every call fails
    KeyPair otherCa = TestPki.rsa();
    String[] files = client("renewed", TestPki.ec(), otherCa.getPrivate(), "other-ca");
    try (EtcdDcs a = dcs(files, "renewed")) {
      assertThrows(DcsException.class, a::readCluster);
      // then the operator renews it with one from the right CA, at the same paths
      client("renewed", TestPki.ec(), caKeys.getPrivate(), "test-ca");
      long deadline = System.nanoTime() + 60_000_000_000L;
      DcsException last = null;
      while (System.nanoTime() < deadline) {
        try {
          a.readCluster();
          last = null;
          break;
        } catch (DcsException e) {
          last = e;
          Thread.sleep(500);
        }
      }
      assertEquals(null, last, "the renewed certificate was not used within 60 s");
      assertTrue(a.attemptToAcquireLeader());
    }
  }
}
