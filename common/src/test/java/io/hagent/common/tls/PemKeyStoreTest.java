package io.hagent.common.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every private key format OpenSSL writes is read, and errors name the file, not the password. */
class PemKeyStoreTest {
  @TempDir Path dir;

  private static void assertSameKey(PrivateKey expected, PrivateKey actual) {
    assertEquals(expected.getAlgorithm(), actual.getAlgorithm());
    assertArrayEquals(expected.getEncoded(), actual.getEncoded());
  }

  @Test
  void rsaPkcs1() throws Exception {
    KeyPair k = TestPki.rsa();
    String text = TestPki.traditional(k);
    assertTrue(text.startsWith("-----BEGIN RSA PRIVATE KEY-----"), text);
    assertSameKey(k.getPrivate(), PemKeyStore.privateKey(TestPki.write(dir, "k", text), null));
  }

  @Test
  void rsaPkcs8() throws Exception {
    KeyPair k = TestPki.rsa();
    String text = TestPki.pkcs8(k.getPrivate());
    assertTrue(text.startsWith("-----BEGIN PRIVATE KEY-----"), text);
    assertSameKey(k.getPrivate(), PemKeyStore.privateKey(TestPki.write(dir, "k", text), null));
  }

  @Test
  void ecSec1() throws Exception {
    KeyPair k = TestPki.ec();
    String text = TestPki.traditional(k);
    assertTrue(text.startsWith("-----BEGIN EC PRIVATE KEY-----"), text);
    PrivateKey read = PemKeyStore.privateKey(TestPki.write(dir, "k", text), null);
    assertEquals("EC", read.getAlgorithm());
    assertEquals(
        ((java.security.interfaces.ECPrivateKey) k.getPrivate()).getS(),
        ((java.security.interfaces.ECPrivateKey) read).getS());
  }

  @Test
  void ecSec1WithParametersBlockFirst() throws Exception {
    // openssl ecparam -genkey without -noout writes an EC PARAMETERS block before the key
    KeyPair k = TestPki.ec();
    String params =
        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";
    String file = TestPki.write(dir, "k", params + TestPki.traditional(k));
    assertEquals("EC", PemKeyStore.privateKey(file, null).getAlgorithm());
  }

  @Test
  void ecPkcs8() throws Exception {
    KeyPair k = TestPki.ec();
    String file = TestPki.write(dir, "k", TestPki.pkcs8(k.getPrivate()));
    assertEquals("EC", PemKeyStore.privateKey(file, null).getAlgorithm());
  }

  @Test
  void encryptedPkcs8NeedsTheRightPassword() throws Exception {
    KeyPair k = TestPki.rsa();
    String text = TestPki.encryptedPkcs8(k.getPrivate(), "s3cret-pw");
    assertTrue(text.startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"), text);
    String file = TestPki.write(dir, "k", text);
    assertSameKey(k.getPrivate(), PemKeyStore.privateKey(file, "s3cret-pw"));

    IOException wrong = assertThrows(IOException.class, () -> PemKeyStore.privateKey(file, "nope"));
    assertTrue(wrong.getMessage().contains("wrong keyfile_password"), wrong.getMessage());
    assertTrue(wrong.getMessage().contains(file), wrong.getMessage());
    assertTrue(!wrong.getMessage().contains("nope"), wrong.getMessage());

    IOException missing = assertThrows(IOException.class, () -> PemKeyStore.privateKey(file, null));
    assertTrue(missing.getMessage().contains("keyfile_password is not set"), missing.getMessage());
  }

  @Test
  void encryptedEcPkcs8() throws Exception {
    KeyPair k = TestPki.ec();
    String file = TestPki.write(dir, "k", TestPki.encryptedPkcs8(k.getPrivate(), "pw"));
    assertEquals("EC", PemKeyStore.privateKey(file, "pw").getAlgorithm());
  }

  @Test
  void legacyOpensslEncryptionRsaAndEc() throws Exception {
    for (KeyPair k : List.of(TestPki.rsa(), TestPki.ec())) {
      String text = TestPki.legacyEncrypted(k, "old-school");
      assertTrue(text.contains("Proc-Type: 4,ENCRYPTED"), text);
      String file = TestPki.write(dir, "legacy-" + k.getPrivate().getAlgorithm(), text);
      PrivateKey read = PemKeyStore.privateKey(file, "old-school");
      assertEquals(k.getPrivate().getAlgorithm(), read.getAlgorithm());
      IOException wrong =
          assertThrows(IOException.class, () -> PemKeyStore.privateKey(file, "wrong"));
      assertTrue(wrong.getMessage().contains("wrong keyfile_password"), wrong.getMessage());
      assertThrows(IOException.class, () -> PemKeyStore.privateKey(file, null));
      assertTrue(PemKeyStore.blocks(file).get(0).legacyEncrypted());
    }
  }

  @Test
  void keyStoreFromCertificateAndKeyInOneFile() throws Exception {
    KeyPair k = TestPki.ec();
    X509Certificate cert = TestPki.certificate("node1", k, "node1", k.getPrivate(), false);
    String both = TestPki.write(dir, "both.pem", TestPki.pem(cert) + TestPki.traditional(k));
    KeyStore ks = PemKeyStore.keyStore(both, null, null);
    assertEquals(cert, ks.getCertificateChain("key")[0]);
    assertSameKey(k.getPrivate(), (PrivateKey) ks.getKey("key", PemKeyStore.STORE_PASSWORD));
    assertEquals(2, PemKeyStore.blocks(both).size());
  }

  @Test
  void trustStoreHoldsEveryCaOfTheBundle() throws Exception {
    KeyPair a = TestPki.rsa();
    KeyPair b = TestPki.ec();
    String bundle =
        TestPki.write(
            dir,
            "ca.pem",
            TestPki.pem(TestPki.certificate("ca-a", a, "ca-a", a.getPrivate(), true))
                + TestPki.pem(TestPki.certificate("ca-b", b, "ca-b", b.getPrivate(), true)));
    assertEquals(2, PemKeyStore.trustStore(bundle).size());
    assertEquals(2, PemKeyStore.certificates(bundle).size());
  }

  @Test
  void filesWithoutWhatIsNeededSayWhich() throws Exception {
    String empty = TestPki.write(dir, "empty.pem", "hello\n");
    IOException noKey = assertThrows(IOException.class, () -> PemKeyStore.privateKey(empty, null));
    assertTrue(noKey.getMessage().contains(empty), noKey.getMessage());
    IOException noCa = assertThrows(IOException.class, () -> PemKeyStore.trustStore(empty));
    assertTrue(noCa.getMessage().contains("no CERTIFICATE"), noCa.getMessage());
    String missing = dir.resolve("nope.pem").toString();
    IOException gone = assertThrows(IOException.class, () -> PemKeyStore.privateKey(missing, null));
    assertTrue(gone.getMessage().contains("cannot read " + missing), gone.getMessage());
  }
}
