package io.hagent.common.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.config.ZooKeeperConfig;
import io.hagent.common.tls.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Patroni's {@code zookeeper:} security keys against a real ZooKeeper server with a TLS port that
 * requires client certificates ({@code ssl.clientAuth=need}): {@code use_ssl}, {@code cacert},
 * {@code cert}, {@code key} in the PEM forms Patroni users write, {@code key_password}, {@code
 * set_acls} (x509 principals) and {@code auth_data} (digest).
 */
class ZooKeeperDcsSecurityIT {
  private static final int TTL = 6;
  // a first TLS session on a loaded machine may take seconds (Netty, handshake, key loading)
  private static final int RETRY = 8;
  private static final AtomicInteger SCOPES = new AtomicInteger();

  private static Path dir;
  private static ZooKeeperProcess server;
  private static Path ca;
  private static TestKey rsaPkcs1;
  private static TestKey ecSec1;
  private static TestKey encryptedPkcs8;
  private static TestKey legacyEncrypted;
  private static TestKey other;

  private final List<ZooKeeperDcs> opened = new ArrayList<>();
  private final List<ZooKeeper> raw = new ArrayList<>();
  private String scope;

  /** A client certificate and its key file; password null for an unencrypted key. */
  record TestKey(String cert, String key, String password) {}

  @BeforeAll
  static void startServer() throws Exception {
    dir = Files.createTempDirectory("hagent-zk-tls-");
    KeyPair caKeys = TestPki.rsa();
    X509Certificate caCert =
        TestPki.certificate("zk-it-ca", caKeys, "zk-it-ca", caKeys.getPrivate(), true);
    ca = Path.of(TestPki.write(dir, "ca.crt", TestPki.pem(caCert)));
    KeyPair serverKeys = TestPki.rsa();
    X509Certificate serverCert =
        TestPki.certificate("127.0.0.1", serverKeys, "zk-it-ca", caKeys.getPrivate(), false);
    // ZooKeeper's own PEM reader: unencrypted PKCS#8 and the certificate in one file
    Path serverPem =
        Path.of(
            TestPki.write(
                dir,
                "server.pem",
                TestPki.pkcs8(serverKeys.getPrivate()) + TestPki.pem(serverCert)));
    rsaPkcs1 = client("zk-client-1", TestPki.rsa(), caKeys, k -> TestPki.traditional(k), null);
    ecSec1 = client("zk-client-ec", TestPki.ec(), caKeys, k -> TestPki.traditional(k), null);
    encryptedPkcs8 =
        client(
            "zk-client-enc",
            TestPki.ec(),
            caKeys,
            k -> TestPki.encryptedPkcs8(k.getPrivate(), "enc key pw"),
            "enc key pw");
    legacyEncrypted =
        client(
            "zk-client-legacy",
            TestPki.rsa(),
            caKeys,
            k -> TestPki.legacyEncrypted(k, "legacy key pw"),
            "legacy key pw");
    other = client("zk-client-2", TestPki.rsa(), caKeys, k -> TestPki.traditional(k), null);
    server = new ZooKeeperProcess();
    server.enableTls(serverPem, ca, "need");
    server.start();
  }

  @FunctionalInterface
  private interface KeyWriter {
    String pem(KeyPair keys) throws Exception;
  }

  private static TestKey client(
      String cn, KeyPair keys, KeyPair caKeys, KeyWriter writer, String password) throws Exception {
    X509Certificate cert = TestPki.certificate(cn, keys, "zk-it-ca", caKeys.getPrivate(), false);
    return new TestKey(
        TestPki.write(dir, cn + ".crt", TestPki.pem(cert)),
        TestPki.write(dir, cn + ".key", writer.pem(keys)),
        password);
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
    if (dir != null) {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(java.io.File::delete);
      }
    }
  }

  @BeforeEach
  void newScope() {
    scope = "sec" + SCOPES.incrementAndGet();
  }

  @AfterEach
  void closeClients() throws Exception {
    opened.forEach(ZooKeeperDcs::close);
    for (ZooKeeper z : raw) {
      z.close();
    }
  }

  private ZooKeeperDcs dcs(String name, ZooKeeperConfig config) {
    ZooKeeperDcs dcs =
        ZooKeeperDcs.create(config, new KeyLayout("/" + scope, scope), name, TTL, RETRY);
    opened.add(dcs);
    return dcs;
  }

  private static ZooKeeperConfig tls(TestKey key, Map<String, List<String>> acls) {
    return new ZooKeeperConfig(
        List.of(server.secureHostPort()),
        true,
        ca.toString(),
        key == null ? null : key.cert(),
        key == null ? null : key.key(),
        key == null ? null : key.password(),
        true,
        acls,
        Map.of());
  }

  private static ZooKeeperConfig plain(Map<String, String> authData) {
    return new ZooKeeperConfig(
        List.of(server.hostPort()), false, null, null, null, null, true, Map.of(), authData);
  }

  /** A plain client without any credentials, as an operator's zkCli.sh. */
  private ZooKeeper anonymous() throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper z =
        new ZooKeeper(
            server.hostPort(),
            10_000,
            e -> {
              if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
              }
            });
    raw.add(z);
    assertTrue(connected.await(10, TimeUnit.SECONDS));
    return z;
  }

  private String path(String key) {
    // a namespace per test: set_acls also guards the parents hagent creates
    return "/" + scope + "/" + scope + "/" + key;
  }

  @Test
  void tlsWithAClientCertificateInEveryPemKeyForm() throws Exception {
    for (TestKey key : List.of(rsaPkcs1, ecSec1, encryptedPkcs8, legacyEncrypted)) {
      scope = "sec" + SCOPES.incrementAndGet();
      ZooKeeperDcs a = dcs("a", tls(key, Map.of()));
      assertTrue(a.attemptToAcquireLeader(), "leader over TLS with " + key.key());
      a.touchMember(Map.of("role", "primary"));
      assertEquals("a", a.readCluster().leader().name(), key.key());
      // the nodes are there for a plain client too: TLS changes the transport only
      assertEquals(
          "a",
          new String(anonymous().getData(path("leader"), false, null), StandardCharsets.UTF_8));
    }
  }

  @Test
  void withoutAClientCertificateTheServerRefusesTheConnection() {
    ZooKeeperDcs a = dcs("a", tls(null, Map.of()));
    long start = System.nanoTime();
    assertThrows(DcsException.class, a::readCluster);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(tookMs < (RETRY + 5) * 1000L, "gave up after " + tookMs + " ms");
  }

  @Test
  void aWrongKeyPasswordFailsWithoutShowingThePassword() {
    TestKey wrong =
        new TestKey(encryptedPkcs8.cert(), encryptedPkcs8.key(), "not the password 7Qx");
    ZooKeeperDcs a = dcs("a", tls(wrong, Map.of()));
    DcsException e = assertThrows(DcsException.class, a::readCluster);
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertFalse(String.valueOf(t.getMessage()).contains("7Qx"), t.toString());
    }
  }

  @Test
  void setAclsKeepEveryOtherClientOut() throws Exception {
    Map<String, List<String>> acls = Map.of("CN=zk-client-1", List.of("ALL"));
    ZooKeeperDcs a = dcs("a", tls(rsaPkcs1, acls));
    assertTrue(a.attemptToAcquireLeader());
    a.touchMember(Map.of("role", "primary"));
    a.setConfig("{\"ttl\": 6}", null);
    assertEquals("a", a.readCluster().leader().name());

    ZooKeeper anon = anonymous();
    for (String key : List.of("leader", "members/a", "config")) {
      assertThrows(
          KeeperException.NoAuthException.class,
          () -> anon.getData(path(key), false, null),
          key + " is readable without a certificate");
    }
    List<ACL> acl = a.currentSession().getACL(path("config"), null);
    assertEquals(List.of(new ACL(ZooDefs.Perms.ALL, new Id("x509", "CN=zk-client-1"))), acl);

    // another certificate of the same CA is not the principal: it reads nothing
    ZooKeeperDcs b = dcs("b", tls(other, Map.of()));
    assertThrows(DcsException.class, b::readCluster);
    assertThrows(DcsException.class, b::attemptToAcquireLeader);
  }

  @Test
  void aRenewedCertificateServesTheNextSession() throws Exception {
    Path cert = dir.resolve("rotating.crt");
    Path key = dir.resolve("rotating.key");
    Files.copy(Path.of(rsaPkcs1.cert()), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(Path.of(rsaPkcs1.key()), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    TestKey rotating = new TestKey(cert.toString(), key.toString(), null);
    Map<String, List<String>> acls = Map.of("CN=zk-client-1", List.of("ALL"));
    ZooKeeperDcs first = dcs("a", tls(rotating, acls));
    assertTrue(first.attemptToAcquireLeader());
    assertEquals("a", first.readCluster().leader().name());

    // the files now hold zk-client-2's certificate and key, as after a renewal
    Files.copy(Path.of(other.cert()), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(Path.of(other.key()), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    java.nio.file.attribute.FileTime later =
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000);
    Files.setLastModifiedTime(cert, later);
    Files.setLastModifiedTime(key, later);
    ZooKeeperDcs second = dcs("b", tls(rotating, Map.of()));
    // zk-client-2 is not in the ACL: refused, so the new session presented the new certificate
    assertThrows(DcsException.class, second::readCluster);
  }

  @Test
  void setAclsWithSeveralPrincipalsGiveEachItsPermissions() throws Exception {
    Map<String, List<String>> acls =
        Map.of("CN=zk-client-1", List.of("ALL"), "CN=zk-client-2", List.of("READ"));
    ZooKeeperDcs a = dcs("a", tls(rsaPkcs1, acls));
    assertTrue(a.attemptToAcquireLeader());
    // zk-client-2 may read the cluster (hactl list) but not take the lock
    ZooKeeperDcs b = dcs("b", tls(other, Map.of()));
    assertEquals("a", b.readCluster().leader().name());
    assertThrows(DcsException.class, () -> b.setFailover("{}", null));
  }

  @Test
  void setAclsWithASchemeAndAuthDataWorkWithoutTls() throws Exception {
    // Patroni: a principal with a colon names its scheme; digest ids are user:base64(sha1)
    String id = DigestAuthenticationProvider.generateDigest("hagent:s3cret");
    ZooKeeperConfig config =
        new ZooKeeperConfig(
            List.of(server.hostPort()),
            false,
            null,
            null,
            null,
            null,
            true,
            Map.of("digest:" + id, List.of("ALL")),
            Map.of("digest", "hagent:s3cret"));
    ZooKeeperDcs a = dcs("a", config);
    assertTrue(a.attemptToAcquireLeader());
    a.touchMember(Map.of("role", "primary"));
    assertEquals("a", a.readCluster().leader().name());
    assertEquals(
        List.of(new ACL(ZooDefs.Perms.ALL, new Id("digest", id))),
        a.currentSession().getACL(path("leader"), null));
    ZooKeeper anon = anonymous();
    assertThrows(
        KeeperException.NoAuthException.class, () -> anon.getData(path("leader"), false, null));
  }

  @Test
  void authDataDigestOpensANamespaceTheAdminProtected() throws Exception {
    ZooKeeper admin = anonymous();
    admin.addAuthInfo("digest", "hagent:s3cret".getBytes(StandardCharsets.UTF_8));
    List<ACL> digestOnly =
        java.util.Arrays.asList(
            new ACL(
                ZooDefs.Perms.ALL,
                new Id("digest", DigestAuthenticationProvider.generateDigest("hagent:s3cret"))));
    admin.create("/" + scope, new byte[0], digestOnly, CreateMode.PERSISTENT);

    ZooKeeperDcs without = dcs("a", plain(Map.of()));
    assertThrows(DcsException.class, without::attemptToAcquireLeader);

    ZooKeeperDcs with = dcs("b", plain(Map.of("digest", "hagent:s3cret")));
    assertTrue(with.attemptToAcquireLeader());
    with.touchMember(Map.of("role", "primary"));
    assertEquals("b", with.readCluster().leader().name());
    // and the credentials are the session's: a client without them still cannot write there
    assertThrows(
        KeeperException.NoAuthException.class,
        () ->
            anonymous()
                .create(
                    "/" + scope + "/intruder",
                    new byte[0],
                    ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT));
  }
}
