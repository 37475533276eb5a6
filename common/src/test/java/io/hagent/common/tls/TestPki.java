package io.hagent.common.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Keys and certificates for the tests, made in memory and written as OpenSSL writes them. */
public final class TestPki {
  private TestPki() {}

  public static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  /**
   * With BouncyCastle's provider: its SEC1 encoding names the curve inside the key, as OpenSSL's
   * does (the JDK's key, converted, would lose it).
   */
  public static KeyPair ec() throws GeneralSecurityException {
    KeyPairGenerator g =
        KeyPairGenerator.getInstance(
            "EC", new org.bouncycastle.jce.provider.BouncyCastleProvider());
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  /** A certificate for {@code subject} signed by {@code issuerKey} (self-signed if it is ours). */
  public static X509Certificate certificate(
      String subject, KeyPair keys, String issuer, PrivateKey issuerKey, boolean ca)
      throws Exception {
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            new X500Name("CN=" + issuer),
            BigInteger.valueOf(now.toEpochMilli()).add(BigInteger.valueOf(System.nanoTime())),
            Date.from(now.minus(1, ChronoUnit.HOURS)),
            Date.from(now.plus(1, ChronoUnit.DAYS)),
            new X500Name("CN=" + subject),
            keys.getPublic());
    if (ca) {
      b.addExtension(
          Extension.basicConstraints, true, new org.bouncycastle.asn1.x509.BasicConstraints(true));
    } else {
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.dNSName, "localhost")
              }));
    }
    String alg = issuerKey.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(issuerKey)));
  }

  /** PKCS#1 for RSA, SEC1 for EC: what {@code openssl genrsa -traditional} / ecparam write. */
  public static String traditional(KeyPair keys) throws IOException {
    return pem(keys);
  }

  /** {@code -----BEGIN PRIVATE KEY-----}, what OpenSSL 3 writes by default. */
  public static String pkcs8(PrivateKey key) throws IOException {
    return pem(new JcaPKCS8Generator(key, null).generate());
  }

  /** {@code -----BEGIN ENCRYPTED PRIVATE KEY-----}, PBES2 with AES-256-CBC as OpenSSL does. */
  public static String encryptedPkcs8(PrivateKey key, String password) throws Exception {
    OutputEncryptor enc =
        new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
            .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
            .setPassword(password.toCharArray())
            .build();
    return pem(new JcaPKCS8Generator(key, enc).generate());
  }

  /** {@code Proc-Type: 4,ENCRYPTED}: what {@code openssl genrsa -aes128 -traditional} writes. */
  public static String legacyEncrypted(KeyPair keys, String password) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(
          new JcaMiscPEMGenerator(
              keys,
              new JcePEMEncryptorBuilder("AES-128-CBC")
                  .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                  .build(password.toCharArray())));
    }
    return out.toString();
  }

  public static String pem(Object o) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(o);
    }
    return out.toString();
  }

  /** Writes a file readable by its owner only, as libpq wants private keys. */
  public static String write(Path dir, String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    Files.setPosixFilePermissions(
        p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    return p.toString();
  }
}
