package io.hagent.common.dcs;

import io.hagent.common.config.ZooKeeperConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
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

  /** Patroni's set_acls: x509 principals with their permissions; none given: open (world). */
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
              acl.add(new ACL(mask, new Id("x509", principal)));
            });
    return List.copyOf(acl);
  }

  /**
   * TLS through the client's Netty socket with PEM files. ZooKeeper reads the client key and its
   * certificate from one PEM file, so the two are joined into a private temporary file.
   */
  private static void tls(ZooKeeperConfig config, ZKClientConfig client) throws IOException {
    client.setProperty("zookeeper.client.secure", "true");
    client.setProperty("zookeeper.clientCnxnSocket", "org.apache.zookeeper.ClientCnxnSocketNetty");
    if (config.cacert() != null) {
      client.setProperty("zookeeper.ssl.trustStore.location", config.cacert());
      client.setProperty("zookeeper.ssl.trustStore.type", "PEM");
    }
    if (config.cert() != null && config.key() != null) {
      Path joined =
          Files.createTempFile(
              "hagent-zk-client",
              ".pem",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      joined.toFile().deleteOnExit();
      Files.writeString(
          joined,
          Files.readString(Path.of(config.key()))
              + "\n"
              + Files.readString(Path.of(config.cert())));
      client.setProperty("zookeeper.ssl.keyStore.location", joined.toString());
      client.setProperty("zookeeper.ssl.keyStore.type", "PEM");
      if (config.keyPassword() != null) {
        client.setProperty("zookeeper.ssl.keyStore.password", config.keyPassword());
      }
    }
    if (!config.verify()) {
      client.setProperty("zookeeper.ssl.hostnameVerification", "false");
    }
  }
}
