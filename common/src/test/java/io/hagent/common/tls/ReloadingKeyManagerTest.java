package io.hagent.common.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A certificate renewed on disk is presented from the next handshake on, without a restart. */
class ReloadingKeyManagerTest {
  @TempDir Path dir;

  private X509Certificate issue(String name, String certfile, String keyfile) throws Exception {
    KeyPair k = TestPki.ec();
    X509Certificate c = TestPki.certificate(name, k, name, k.getPrivate(), false);
    // written aside and renamed in, as certbot and cert-manager do
    Files.writeString(dir.resolve("tmp.crt"), TestPki.pem(c));
    Files.writeString(dir.resolve("tmp.key"), TestPki.traditional(k));
    Files.move(dir.resolve("tmp.key"), Path.of(keyfile), StandardCopyOption.REPLACE_EXISTING);
    Files.move(dir.resolve("tmp.crt"), Path.of(certfile), StandardCopyOption.REPLACE_EXISTING);
    return c;
  }

  @Test
  void picksUpRenewedFilesAndKeepsTheOldOnesWhenTheNewAreBroken() throws Exception {
    String crt = dir.resolve("etcd.crt").toString();
    String key = dir.resolve("etcd.key").toString();
    X509Certificate first = issue("first", crt, key);
    ReloadingKeyManager km = new ReloadingKeyManager(crt, key, null);
    String alias = km.chooseClientAlias(new String[] {"EC"}, null, null);
    assertEquals(first, km.getCertificateChain(alias)[0]);

    X509Certificate second = issue("second", crt, key);
    Thread.sleep(1100); // files are looked at no more than once a second
    alias = km.chooseClientAlias(new String[] {"EC"}, null, null);
    assertEquals(second, km.getCertificateChain(alias)[0]);

    Files.writeString(Path.of(key), "half-written");
    Thread.sleep(1100);
    alias = km.chooseClientAlias(new String[] {"EC"}, null, null);
    assertEquals(second, km.getCertificateChain(alias)[0]);
  }
}
