package io.hagent.common.dcs;

import io.hagent.common.config.ZooKeeperConfig;
import io.hagent.common.tls.PemKeyStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

/** Opens ZooKeeper sessions as the {@code zookeeper:} section says (TLS, auth_data, set_acls). */
final class ZooKeeperSessions {
  private ZooKeeperSessions() {}

  /**
   * A new session asking for {@code ttl} seconds as its timeout (Patroni asks kazoo for the same);
   * the server may grant less or more within its min/maxSessionTimeout.
   */
  static ZooKeeper open(ZooKeeperConfig config, int ttl, Watcher watcher) throws IOException {
    ZKClientConfig client = new ZKClientConfig();
    if (config.useSsl()) {
      tls(config, client);
    }
    ZooKeeper zk =
        new ZooKeeper(
            config.connectString(), (int) TimeUnit.SECONDS.toMillis(ttl), watcher, false, client);
    for (Map.Entry<String, String> auth : config.authData().entrySet()) {
      zk.addAuthInfo(auth.getKey(), auth.getValue().getBytes(StandardCharsets.UTF_8));
    }
    return zk;
  }

  /**
   * Patroni's set_acls: principals (x509 subjects, or {@code scheme:credential}) with their
   * permissions; none given: open (world).
   */
  static List<ACL> acl(ZooKeeperConfig config) {
    if (config.setAcls().isEmpty()) {
      return ZooDefs.Ids.OPEN_ACL_UNSAFE;
    }
    List<ACL> acl = new ArrayList<>();
    config
        .setAcls()
        .forEach(
            (principal, perms) -> {
              int mask = 0;
              for (String p : perms) {
                mask |=
                    switch (p) {
                      case "CREATE" -> ZooDefs.Perms.CREATE;
                      case "READ" -> ZooDefs.Perms.READ;
                      case "WRITE" -> ZooDefs.Perms.WRITE;
                      case "DELETE" -> ZooDefs.Perms.DELETE;
                      case "ADMIN" -> ZooDefs.Perms.ADMIN;
                      default -> ZooDefs.Perms.ALL;
                    };
              }
              acl.add(new ACL(mask, id(principal)));
            });
    // not List.copyOf: ZooKeeper's create() asks the list contains(null), which immutable lists
    // answer with a NullPointerException (set_acls never worked with one)
    return java.util.Collections.unmodifiableList(acl);
  }

  /**
   * As Patroni: {@code scheme:credential} (e.g. {@code digest:user:hash}, {@code ip:10.0.0.0/8})
   * names its scheme, anything else is an x509 subject.
   */
  static Id id(String principal) {
    int colon = principal.indexOf(':');
    return colon < 0
        ? new Id("x509", principal)
        : new Id(principal.substring(0, colon), principal.substring(colon + 1));
  }

  /**
   * TLS through the client's Netty socket, set on this client's own ZKClientConfig (never as System
   * properties: hactl and tests may hold several clients). The CA file is read by ZooKeeper as PEM.
   * The client key is not: ZooKeeper's PEM reader takes unencrypted PKCS#8 only, while Patroni
   * users write PKCS#1, SEC1 and encrypted keys too. hagent reads the key as every other PEM key it
   * reads ({@link PemKeyStore}) and hands ZooKeeper a PKCS#12 file, private to this user, protected
   * by a random password that exists only in this process; {@code key_password} itself never
   * reaches ZooKeeper's properties. ZooKeeper reads that file on every connect, so it is made once
   * per key (again when the PEM files change: a renewed certificate serves the next session) and
   * lives until the JVM exits.
   *
   * <p>{@code verify}: kazoo (Patroni) checks the certificate chain and never the host name with
   * {@code verify: true}, and checks nothing with {@code verify: false}. hagent always checks both:
   * ZooKeeper's client has no "trust any certificate" mode, and its hostnameVerification switch is
   * lost on Netty 4.2, whose client SslContextBuilder turns endpoint identification on by default
   * (only a JVM-wide Netty property turns it off, which would weaken etcd's TLS too). The setting
   * is still passed, so a Netty that honours it gets it; the config loader warns that {@code
   * verify: false} has no effect.
   */
  private static void tls(ZooKeeperConfig config, ZKClientConfig client) throws IOException {
    client.setProperty("zookeeper.client.secure", "true");
    client.setProperty("zookeeper.clientCnxnSocket", "org.apache.zookeeper.ClientCnxnSocketNetty");
    if (config.cacert() != null) {
      client.setProperty("zookeeper.ssl.trustStore.location", config.cacert());
      client.setProperty("zookeeper.ssl.trustStore.type", "PEM");
    }
    if (config.cert() != null) {
      ClientKeyFile key =
          CLIENT_KEYS.get(
              new KeySource(
                  config.cert(),
                  config.key(),
                  config.keyPassword(),
                  modified(config.cert()),
                  modified(config.key())));
      client.setProperty("zookeeper.ssl.keyStore.location", key.path().toString());
      client.setProperty("zookeeper.ssl.keyStore.type", "PKCS12");
      client.setProperty("zookeeper.ssl.keyStore.password", key.password());
    }
    client.setProperty("zookeeper.ssl.hostnameVerification", Boolean.toString(config.verify()));
  }

  /**
   * The PEM files a key store was made from, with their modification times: a renewed certificate
   * is used from the next session on. The password is only compared, never shown.
   */
  private record KeySource(
      String cert, String key, String password, long certModified, long keyModified) {
    @Override
    public String toString() {
      return "KeySource[" + cert + ", " + key + "]";
    }
  }

  private static long modified(String file) {
    try {
      return file == null ? 0 : Files.getLastModifiedTime(Path.of(file)).toMillis();
    } catch (IOException e) {
      return 0; // reading it below reports the problem
    }
  }

  private record ClientKeyFile(Path path, String password) {
    @Override
    public String toString() {
      return "ClientKeyFile[" + path + "]";
    }
  }

  private static final KeyFiles CLIENT_KEYS = new KeyFiles();

  /** One PKCS#12 file per client key, made on first use. */
  private static final class KeyFiles {
    private final Map<KeySource, ClientKeyFile> files = new java.util.HashMap<>();

    synchronized ClientKeyFile get(KeySource source) throws IOException {
      ClientKeyFile known = files.get(source);
      if (known != null && Files.exists(known.path())) {
        return known;
      }
      KeyStore pem = PemKeyStore.keyStore(source.cert(), source.key(), source.password());
      byte[] random = new byte[24];
      new SecureRandom().nextBytes(random);
      String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      Path file =
          Files.createTempFile(
              "hagent-zk-client",
              ".p12",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      file.toFile().deleteOnExit();
      try {
        KeyStore out = KeyStore.getInstance("PKCS12");
        out.load(null, null);
        out.setKeyEntry(
            "key",
            pem.getKey("key", PemKeyStore.STORE_PASSWORD),
            password.toCharArray(),
            pem.getCertificateChain("key"));
        try (OutputStream os = Files.newOutputStream(file)) {
          out.store(os, password.toCharArray());
        }
      } catch (GeneralSecurityException e) {
        Files.deleteIfExists(file);
        throw new IOException("zookeeper: cannot use the key in " + source.key() + ": " + e, e);
      }
      ClientKeyFile made = new ClientKeyFile(file, password);
      // an older copy of the same files is no longer used by new sessions; the session that
      // still reads it on reconnects keeps it until the JVM exits
      files
          .keySet()
          .removeIf(
              k ->
                  k.cert().equals(source.cert())
                      && java.util.Objects.equals(k.key(), source.key()));
      files.put(source, made);
      return made;
    }
  }
}
