package io.hagent.common.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CRL;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.bc.BcPEMDecryptorProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.operator.InputDecryptorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.util.io.pem.PemHeader;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * Builds in-memory key stores from the PEM files Patroni's and libpq's settings name (restapi, ctl,
 * etcd, postgresql.authentication), reading them with BouncyCastle's PEM support (see
 * docs/decisions/pem-keys-bouncycastle.md). Private keys may be PKCS#8 ({@code PRIVATE KEY}),
 * encrypted PKCS#8 ({@code ENCRYPTED PRIVATE KEY}, PBES1 and PBES2), PKCS#1 RSA ({@code RSA PRIVATE
 * KEY}), SEC1 EC ({@code EC PRIVATE KEY}), and the legacy OpenSSL encryption of the last two
 * ({@code Proc-Type: 4,ENCRYPTED}). Error messages name the file, never the password.
 */
public final class PemKeyStore {
  /** The in-memory password of the generated stores; they never leave the process. */
  public static final char[] STORE_PASSWORD = "hagent-in-memory".toCharArray();

  private PemKeyStore() {}

  /**
   * One PEM object of a file.
   *
   * @param type the PEM label, e.g. {@code CERTIFICATE} or {@code EC PRIVATE KEY}
   * @param der its content (empty for legacy-encrypted keys, whose bytes mean nothing undecrypted)
   * @param legacyEncrypted true for {@code Proc-Type: 4,ENCRYPTED} keys
   */
  public record Block(String type, byte[] der, boolean legacyEncrypted) {}

  public static KeyStore keyStore(String certfile, String keyfile, String keyPassword)
      throws IOException {
    List<Certificate> chain = certificates(certfile);
    if (chain.isEmpty()) {
      throw new IOException("certificate file " + certfile + " contains no CERTIFICATE block");
    }
    String keySource = keyfile == null || keyfile.isBlank() ? certfile : keyfile;
    PrivateKey key = privateKey(keySource, keyPassword);
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("key", key, STORE_PASSWORD, chain.toArray(new Certificate[0]));
      return ks;
    } catch (GeneralSecurityException e) {
      throw new IOException(
          "the key in " + keySource + " does not fit the certificate in " + certfile, e);
    }
  }

  public static KeyStore trustStore(String cafile) throws IOException {
    List<Certificate> cas = certificates(cafile);
    if (cas.isEmpty()) {
      throw new IOException("CA file " + cafile + " contains no CERTIFICATE block");
    }
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      for (int i = 0; i < cas.size(); i++) {
        ks.setCertificateEntry("ca" + i, cas.get(i));
      }
      return ks;
    } catch (GeneralSecurityException e) {
      throw new IOException("CA file " + cafile + ": " + e.getMessage(), e);
    }
  }

  /** Key managers for a certificate chain and its key, fixed at the time of the call. */
  public static KeyManager[] keyManagers(String certfile, String keyfile, String keyPassword)
      throws IOException {
    try {
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keyStore(certfile, keyfile, keyPassword), STORE_PASSWORD);
      return kmf.getKeyManagers();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use the key in " + certfile + ": " + e.getMessage(), e);
    }
  }

  /** Trust managers that accept exactly the CAs of {@code cafile}. */
  public static TrustManager[] trustManagers(String cafile) throws IOException {
    try {
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trustStore(cafile));
      return tmf.getTrustManagers();
    } catch (GeneralSecurityException e) {
      throw new IOException("CA file " + cafile + ": " + e.getMessage(), e);
    }
  }

  public static List<Certificate> certificates(String file) throws IOException {
    List<Certificate> out = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    for (Object o : objects(file)) {
      if (o instanceof X509CertificateHolder holder) {
        try {
          out.add(converter.getCertificate(holder));
        } catch (GeneralSecurityException e) {
          throw new IOException(file + ": not a valid X.509 certificate: " + e.getMessage(), e);
        }
      }
    }
    return out;
  }

  /** The certificate revocation lists of a PEM file ({@code X509 CRL} blocks). */
  public static List<CRL> crls(String file) throws IOException {
    List<CRL> out = new ArrayList<>();
    JcaX509CRLConverter converter = new JcaX509CRLConverter();
    for (Object o : objects(file)) {
      if (o instanceof X509CRLHolder holder) {
        try {
          X509CRL crl = converter.getCRL(holder);
          out.add(crl);
        } catch (GeneralSecurityException e) {
          throw new IOException(file + ": not a valid CRL: " + e.getMessage(), e);
        }
      }
    }
    if (out.isEmpty()) {
      // OpenSSL also writes CRLs as DER; try that before giving up
      try (var in = Files.newInputStream(Path.of(file))) {
        out.addAll(CertificateFactory.getInstance("X.509").generateCRLs(in));
      } catch (GeneralSecurityException | IOException e) {
        throw new IOException(file + " contains no certificate revocation list", e);
      }
    }
    return out;
  }

  /**
   * The first private key in {@code file}, decrypted with {@code password} if it is encrypted.
   * Certificates and parameters may share the file.
   */
  public static PrivateKey privateKey(String file, String password) throws IOException {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    for (Object o : objects(file)) {
      PrivateKeyInfo info;
      if (o instanceof PrivateKeyInfo plain) {
        info = plain;
      } else if (o instanceof PEMKeyPair pair) {
        info = pair.getPrivateKeyInfo();
      } else if (o instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
        info = decrypt(file, encrypted, required(file, password));
      } else if (o instanceof PEMEncryptedKeyPair encrypted) {
        info = decrypt(file, encrypted, required(file, password));
      } else {
        continue; // certificates and parameters may share the file
      }
      try {
        return converter.getPrivateKey(info);
      } catch (PEMException e) {
        throw new IOException(file + ": unsupported private key algorithm: " + e.getMessage(), e);
      }
    }
    throw new IOException(
        file
            + " contains no supported private key (PRIVATE KEY, ENCRYPTED PRIVATE KEY,"
            + " RSA PRIVATE KEY or EC PRIVATE KEY)");
  }

  /**
   * The JDK's own provider first: it reads what OpenSSL writes by default (PBES2, PBKDF2 with
   * HMAC-SHA256, AES-CBC) without loading BouncyCastle's provider; that provider, created but never
   * registered, covers the rest (PBES1, PKCS#12 schemes, other ciphers).
   */
  private static PrivateKeyInfo decrypt(
      String file, PKCS8EncryptedPrivateKeyInfo encrypted, String password) throws IOException {
    for (boolean bouncyCastle : new boolean[] {false, true}) {
      try {
        JceOpenSSLPKCS8DecryptorProviderBuilder builder =
            new JceOpenSSLPKCS8DecryptorProviderBuilder();
        if (bouncyCastle) {
          builder.setProvider(BouncyCastle.provider());
        }
        InputDecryptorProvider decryptor = builder.build(password.toCharArray());
        return encrypted.decryptPrivateKeyInfo(decryptor);
      } catch (OperatorCreationException | PKCSException | RuntimeException e) {
        // a wrong password, or a scheme this provider lacks: try the next one
      }
    }
    throw wrongPassword(file);
  }

  /** Legacy OpenSSL encryption ({@code Proc-Type: 4,ENCRYPTED}, DEK-Info with DES/AES-CBC). */
  private static PrivateKeyInfo decrypt(String file, PEMEncryptedKeyPair encrypted, String password)
      throws IOException {
    try {
      return encrypted
          .decryptKeyPair(new BcPEMDecryptorProvider(password.toCharArray()))
          .getPrivateKeyInfo();
    } catch (IOException | RuntimeException e) {
      // a wrong password shows up as a padding error or as a broken key structure
      throw wrongPassword(file);
    }
  }

  private static IOException wrongPassword(String file) {
    return new IOException(
        file + ": cannot decrypt the private key (wrong keyfile_password or unsupported cipher)");
  }

  /** The PEM blocks of a file: their labels and, unless encrypted the legacy way, their bytes. */
  public static List<Block> blocks(String file) throws IOException {
    List<Block> out = new ArrayList<>();
    try (PemReader reader = new PemReader(open(file))) {
      PemObject o;
      while ((o = readPem(reader, file)) != null) {
        boolean legacy = false;
        for (Object h : o.getHeaders()) {
          legacy |=
              h instanceof PemHeader ph
                  && ph.getName().equals("Proc-Type")
                  && ph.getValue().contains("ENCRYPTED");
        }
        out.add(new Block(o.getType(), legacy ? new byte[0] : o.getContent(), legacy));
      }
    }
    return out;
  }

  private static PemObject readPem(PemReader reader, String file) throws IOException {
    try {
      return reader.readPemObject();
    } catch (IOException | RuntimeException e) {
      throw new IOException(file + ": not a valid PEM file: " + e.getMessage(), e);
    }
  }

  private static String required(String file, String password) throws IOException {
    if (password == null) {
      throw new IOException(file + ": the key is encrypted but keyfile_password is not set");
    }
    return password;
  }

  /** Every object of a PEM file, as BouncyCastle's PEMParser returns them. */
  private static List<Object> objects(String file) throws IOException {
    List<Object> out = new ArrayList<>();
    try (PEMParser parser = new PEMParser(open(file))) {
      while (true) {
        Object o;
        try {
          o = parser.readObject();
        } catch (IOException | RuntimeException e) {
          throw new IOException(file + ": not a valid PEM file: " + e.getMessage(), e);
        }
        if (o == null) {
          return out;
        }
        out.add(o);
      }
    }
  }

  private static Reader open(String file) throws IOException {
    try {
      return Files.newBufferedReader(Path.of(file), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
