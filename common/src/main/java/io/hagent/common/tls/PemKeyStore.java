package io.hagent.common.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Builds in-memory key stores from the PEM files Patroni's settings name (restapi and ctl:
 * certfile, keyfile, keyfile_password, cafile), with plain JDK code; used by the REST server and
 * the REST client alike. Private keys may be PKCS#8 ({@code PRIVATE KEY}), encrypted PKCS#8 ({@code
 * ENCRYPTED PRIVATE KEY}, PBES2 as OpenSSL writes it) or PKCS#1 RSA ({@code RSA PRIVATE KEY}).
 * Error messages name the file, never the password.
 */
public final class PemKeyStore {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----\\s*(.*?)-----END \\1-----", Pattern.DOTALL);

  /** The in-memory password of the generated stores; they never leave the process. */
  public static final char[] STORE_PASSWORD = "hagent-in-memory".toCharArray();

  private PemKeyStore() {}

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

  public static List<Certificate> certificates(String file) throws IOException {
    List<Certificate> out = new ArrayList<>();
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (Block b : blocks(file)) {
        if (b.type().equals("CERTIFICATE")) {
          out.add(cf.generateCertificate(new ByteArrayInputStream(b.der())));
        }
      }
    } catch (GeneralSecurityException e) {
      throw new IOException(file + ": not a valid X.509 certificate: " + e.getMessage(), e);
    }
    return out;
  }

  public static PrivateKey privateKey(String file, String password) throws IOException {
    for (Block b : blocks(file)) {
      if (b.legacyEncrypted()) {
        throw new IOException(
            file
                + ": legacy OpenSSL-encrypted keys (Proc-Type: 4,ENCRYPTED) are not supported;"
                + " convert with 'openssl pkcs8 -topk8'");
      }
      switch (b.type()) {
        case "PRIVATE KEY" -> {
          return pkcs8(file, b.der());
        }
        case "RSA PRIVATE KEY" -> {
          return pkcs8(file, Der.rsaPkcs1ToPkcs8(b.der()));
        }
        case "ENCRYPTED PRIVATE KEY" -> {
          if (password == null) {
            throw new IOException(file + ": the key is encrypted but keyfile_password is not set");
          }
          return pkcs8(file, decrypt(file, b.der(), password));
        }
        default -> {
          // certificates and parameters may share the file
        }
      }
    }
    throw new IOException(
        file
            + " contains no supported private key (PRIVATE KEY, RSA PRIVATE KEY"
            + " or ENCRYPTED PRIVATE KEY)");
  }

  private static byte[] decrypt(String file, byte[] der, String password) throws IOException {
    try {
      EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
      // For PBES2 the parameters name the real scheme, e.g. PBEWithHmacSHA256AndAES_256.
      String alg =
          info.getAlgParameters() != null ? info.getAlgParameters().toString() : info.getAlgName();
      SecretKeyFactory f = SecretKeyFactory.getInstance(alg);
      Cipher cipher = Cipher.getInstance(alg);
      cipher.init(
          Cipher.DECRYPT_MODE,
          f.generateSecret(new PBEKeySpec(password.toCharArray())),
          info.getAlgParameters());
      return info.getKeySpec(cipher).getEncoded();
    } catch (GeneralSecurityException | IOException e) {
      throw new IOException(
          file + ": cannot decrypt the private key (wrong keyfile_password or unsupported cipher)");
    }
  }

  private static PrivateKey pkcs8(String file, byte[] der) throws IOException {
    for (String alg : List.of("RSA", "EC", "Ed25519", "EdDSA", "RSASSA-PSS")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IOException(file + ": unsupported private key algorithm");
  }

  public static List<Block> blocks(String file) throws IOException {
    String text;
    try {
      text = Files.readString(Path.of(file), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    List<Block> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      String body = m.group(2);
      boolean legacy = body.contains("Proc-Type:");
      if (legacy) {
        out.add(new Block(m.group(1), new byte[0], true));
        continue;
      }
      try {
        out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(body), false));
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ": bad base64 in a " + m.group(1) + " block");
      }
    }
    return out;
  }

  /** The few DER constructions needed to wrap a PKCS#1 RSA key as PKCS#8. */
  static final class Der {
    private static final byte[] RSA_ALGORITHM = {
      0x30,
      0x0d,
      0x06,
      0x09,
      0x2a,
      (byte) 0x86,
      0x48,
      (byte) 0x86,
      (byte) 0xf7,
      0x0d,
      0x01,
      0x01,
      0x01,
      0x05,
      0x00
    };

    private Der() {}

    /**
     * PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier rsaEncryption, OCTET STRING }
     */
    static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
      ByteArrayOutputStream content = new ByteArrayOutputStream();
      content.writeBytes(new byte[] {0x02, 0x01, 0x00});
      content.writeBytes(RSA_ALGORITHM);
      content.writeBytes(tlv(0x04, pkcs1));
      return tlv(0x30, content.toByteArray());
    }

    static byte[] tlv(int tag, byte[] value) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(tag);
      int len = value.length;
      if (len < 0x80) {
        out.write(len);
      } else {
        int bytes = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;
        out.write(0x80 | bytes);
        for (int i = bytes - 1; i >= 0; i--) {
          out.write((len >>> (8 * i)) & 0xff);
        }
      }
      out.writeBytes(value);
      return out.toByteArray();
    }
  }
}
