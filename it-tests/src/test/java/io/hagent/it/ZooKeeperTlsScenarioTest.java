package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.dcs.ZooKeeperProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A cluster on a ZooKeeper server that speaks TLS only to clients with a certificate of its CA
 * ({@code ssl.clientAuth=need}), configured as a Patroni user writes it: {@code use_ssl}, {@code
 * cacert}, {@code cert}, an encrypted {@code key} with its {@code key_password}, and {@code
 * set_acls} naming the agents' certificate. The agents bootstrap, hactl lists the cluster through
 * the same file, a client without the certificate reads nothing, the key password appears in no log
 * or command line, and a kill -9 of the leader fails over.
 */
@Tag("scenario")
class ZooKeeperTlsScenarioTest {
  private static final Duration BOOTSTRAP = Duration.ofMinutes(3);
  private static final Duration HEAL = Duration.ofMinutes(2);
  private static final String PRINCIPAL = "CN=it-zk-agent";

  @Test
  void clusterRunsOnZooKeeperOverTlsWithAcls() throws Exception {
    Path dir = Files.createTempDirectory("hagent-it-zk-tls-");
    try (ZooKeeperProcess zk = new ZooKeeperProcess(2000)) {
      TestCertificates certs = TestCertificates.create(dir.resolve("pki"));
      // ZooKeeper's own PEM store: openssl req -nodes writes PKCS#8, certificate after it
      Path serverPem = dir.resolve("zk-server.pem");
      Files.writeString(
          serverPem, Files.readString(certs.serverKey()) + Files.readString(certs.serverCert()));
      zk.enableTls(serverPem, certs.caCert(), "need");
      zk.start();
      TestCertificates.ClientKey agentKey =
          certs.clientKey(
              "zk-agent", TestCertificates.KeyKind.ENCRYPTED_PKCS8, PRINCIPAL.substring(3));
      // the test's own client: same subject, a key ZooKeeper's PEM reader takes
      TestCertificates.ClientKey rawKey =
          certs.clientKey("zk-raw", TestCertificates.KeyKind.RSA_PKCS8, PRINCIPAL.substring(3));
      ClusterFixture c =
          ClusterFixture.start(
              ClusterSpec.threeNodes().withNodes(2),
              name -> Map.of(),
              (name, yaml) -> onTlsZooKeeper(yaml, zk, certs, agentKey));
      try (c;
          ZooKeeper raw = tlsClient(zk, certs, rawKey, dir);
          ZooKeeper anonymous = ZooKeeperScenarioTest.client(zk)) {
        c.etcd().stop();
        String base = "/service/" + c.scope();
        c.useLeaderSource(() -> ZooKeeperScenarioTest.read(raw, base + "/leader"));
        run(c, raw, anonymous, base, agentKey.password());
      } catch (Throwable t) {
        System.err.println(c.logTails(80));
        throw t;
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files
            .sorted(java.util.Comparator.reverseOrder())
            .map(Path::toFile)
            .forEach(java.io.File::delete);
      }
    }
  }

  private void run(
      ClusterFixture c, ZooKeeper raw, ZooKeeper anonymous, String base, String keyPassword)
      throws Exception {
    AgentNode leader = c.waitForHealthyCluster(BOOTSTRAP);

    // hactl through the agents' file: TLS, client certificate, encrypted key
    ZooKeeperScenarioTest.Result list = ZooKeeperScenarioTest.hactl(c, "list");
    for (AgentNode n : c.nodes()) {
      assertTrue(list.out().contains(n.name()), list.out());
    }
    assertTrue(list.out().contains("Leader"), list.out());

    // set_acls: nothing is readable without the certificate
    for (String key : List.of("leader", "config", "members/" + leader.name())) {
      assertThrows(
          KeeperException.NoAuthException.class,
          () -> anonymous.getData(base + "/" + key, false, null),
          key + " is readable without the certificate");
    }
    assertEquals(
        List.of(
            new org.apache.zookeeper.data.ACL(
                31, new org.apache.zookeeper.data.Id("x509", PRINCIPAL))),
        raw.getACL(base + "/leader", null));

    // key_password: in no log, no command line
    Process ps = new ProcessBuilder("ps", "-eo", "args").redirectErrorStream(true).start();
    String processes = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    ps.waitFor(10, TimeUnit.SECONDS);
    assertFalse(processes.contains(keyPassword), "key_password on a command line");
    for (AgentNode n : c.nodes()) {
      assertFalse(Files.readString(n.log()).contains(keyPassword), n.name() + " logged it");
    }
    assertFalse(list.out().contains(keyPassword) || list.err().contains(keyPassword));

    // kill -9 of the leader: the other node takes over once the session expires
    AgentNode old = leader;
    long crashed = System.nanoTime();
    old.crash();
    AgentNode next = c.waitForLeader(HEAL);
    assertNotEquals(old, next);
    System.out.printf(
        "zookeeper over TLS: %s leads %d ms after the kill of %s%n",
        next.name(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashed), old.name());
    old.start();
    assertEquals(next, c.waitForHealthyCluster(HEAL));
  }

  /** The fixture's etcd3 section replaced by a TLS zookeeper section with x509 ACLs. */
  private static String onTlsZooKeeper(
      String yaml, ZooKeeperProcess zk, TestCertificates certs, TestCertificates.ClientKey key) {
    String edited =
        yaml.replaceFirst(
            "(?m)^etcd3:\\n  hosts:\\n  - \\S+\\n",
            "zookeeper:\n  hosts:\n  - "
                + zk.secureHostPort()
                + "\n  use_ssl: true\n  cacert: "
                + certs.caCert()
                + "\n  cert: "
                + key.cert()
                + "\n  key: "
                + key.key()
                + "\n  key_password: '"
                + key.password()
                + "'\n  set_acls:\n    '"
                + PRINCIPAL
                + "': [ALL]\n");
    assertNotEquals(yaml, edited, "no etcd3 section to replace in:\n" + yaml);
    return edited;
  }

  private static ZooKeeper tlsClient(
      ZooKeeperProcess zk, TestCertificates certs, TestCertificates.ClientKey key, Path dir)
      throws Exception {
    Path pem = dir.resolve("zk-raw.pem");
    Files.writeString(pem, Files.readString(key.key()) + Files.readString(key.cert()));
    ZKClientConfig config = new ZKClientConfig();
    config.setProperty("zookeeper.client.secure", "true");
    config.setProperty("zookeeper.clientCnxnSocket", "org.apache.zookeeper.ClientCnxnSocketNetty");
    config.setProperty("zookeeper.ssl.keyStore.location", pem.toString());
    config.setProperty("zookeeper.ssl.keyStore.type", "PEM");
    config.setProperty("zookeeper.ssl.trustStore.location", certs.caCert().toString());
    config.setProperty("zookeeper.ssl.trustStore.type", "PEM");
    CountDownLatch up = new CountDownLatch(1);
    ZooKeeper z =
        new ZooKeeper(
            zk.secureHostPort(),
            20_000,
            e -> {
              if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                up.countDown();
              }
            },
            config);
    assertTrue(up.await(20, TimeUnit.SECONDS), "TLS client did not connect");
    return z;
  }
}
