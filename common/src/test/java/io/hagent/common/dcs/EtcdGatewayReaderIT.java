package io.hagent.common.dcs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.config.EtcdConfig;
import io.hagent.common.json.Json;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The JSON-gateway read against a real etcd returns what the jetcd read returns. */
class EtcdGatewayReaderIT {

  private static final Duration DEADLINE = Duration.ofSeconds(5);
  private static EtcdProcess etcd;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = new EtcdProcess();
    etcd.start();
  }

  @AfterAll
  static void stopEtcd() throws Exception {
    if (etcd != null) {
      etcd.close();
    }
  }

  private static EtcdConfig config(String... endpoints) {
    return new EtcdConfig(List.of(endpoints), null, null, null, null, null, null);
  }

  @Test
  void readsEveryKeyOfAClusterLikeTheJetcdClient() throws Exception {
    KeyLayout keys = new KeyLayout("/service", "gateway");
    try (EtcdDcs dcs = EtcdDcs.create(config(etcd.endpoint()), keys, "node1", 10, 3)) {
      assertTrue(dcs.initialize(true, "7000000000000000001"));
      assertTrue(dcs.attemptToAcquireLeader());
      dcs.touchMember(
          Map.of(
              "conn_url", "postgres://127.0.0.1:5432/postgres",
              "api_url", "http://127.0.0.1:8008/patroni",
              "state", "running",
              "role", "primary",
              "timeline", 3,
              "tags", Map.of("nofailover", false)));
      assertTrue(dcs.setConfig("{\"ttl\":30,\"loop_wait\":10,\"postgresql\":{}}", null));
      assertTrue(dcs.setFailover("{\"leader\":\"node1\",\"member\":\"node2\"}", null));
      assertTrue(dcs.setSync("{\"leader\":\"node1\",\"sync_standby\":null}", null));
      dcs.setHistory(
          "[[1,25165984,\"no recovery target specified\",\"2024-01-01T00:00:00+00:00\"]]");
      dcs.setStatus("{\"optime\":67108960,\"slots\":{\"node1\":67108960}}");
      dcs.setFailsafe("{\"node1\":\"http://127.0.0.1:8008/patroni\"}");
      // a legacy (Patroni < 1.0) member value and a neighbouring cluster that must stay out
      etcd.etcdctl(
          "put",
          "/service/gateway/members/old",
          "postgres://u:p@10.0.0.9:5432/postgres?application_name=http%3A%2F%2F10.0.0.9%3A8008");
      etcd.etcdctl("put", "/service/gateway2/leader", "intruder");
      etcd.etcdctl("put", "/service/gatewa/leader", "intruder");

      Cluster viaJetcd = dcs.readCluster();
      Cluster viaGateway =
          new EtcdGatewayReader(config(etcd.endpoint()), DEADLINE).readCluster(keys);

      assertEquals(viaJetcd, viaGateway);
      // and the values really are there, not two equally empty reads
      assertEquals("node1", viaGateway.leader().name());
      assertTrue(viaGateway.leader().leaseId() != 0, "the leader key's lease is carried over");
      assertEquals(2, viaGateway.members().size());
      assertEquals(30, viaGateway.config().get("ttl"));
      assertTrue(viaGateway.configModRevision() > 0);
      assertNotNull(viaGateway.failover());
      assertNotNull(viaGateway.sync());
      assertEquals(1, viaGateway.history().size());
      assertEquals(67108960L, viaGateway.status().optime());
      assertEquals("7000000000000000001", viaGateway.initialize());
      assertTrue(viaGateway.revision() >= viaGateway.configModRevision());
    }
  }

  @Test
  void anEmptyClusterReadsAsEmpty() throws Exception {
    KeyLayout keys = new KeyLayout(null, "nothing-here");
    Cluster c = new EtcdGatewayReader(config(etcd.endpoint()), DEADLINE).readCluster(keys);
    assertEquals(null, c.leader());
    assertEquals(List.of(), c.members());
    assertTrue(c.revision() > 0, "the revision comes from etcd's header");
  }

  @Test
  void triesEndpointsInOrderAndNamesThemAllWhenNoneAnswers() throws Exception {
    String dead = "http://127.0.0.1:" + closedPort();
    KeyLayout keys = new KeyLayout(null, "order");
    etcd.etcdctl("put", "/service/order/initialize", "42");
    Cluster c = new EtcdGatewayReader(config(dead, etcd.endpoint()), DEADLINE).readCluster(keys);
    assertEquals("42", c.initialize());

    String dead2 = "http://127.0.0.1:" + closedPort();
    DcsException e =
        assertThrows(
            DcsException.class,
            () -> new EtcdGatewayReader(config(dead, dead2), DEADLINE).readCluster(keys));
    assertTrue(e.getMessage().startsWith("etcd is not reachable: "), e.getMessage());
    assertTrue(e.getMessage().contains(dead) && e.getMessage().contains(dead2), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void aFrozenEtcdCostsOneDeadline() throws Exception {
    // a listening socket that never answers: the read must give up after the deadline
    try (ServerSocket silent = new ServerSocket(0)) {
      String endpoint = "http://127.0.0.1:" + silent.getLocalPort();
      long t0 = System.nanoTime();
      DcsException e =
          assertThrows(
              DcsException.class,
              () ->
                  new EtcdGatewayReader(config(endpoint), Duration.ofMillis(500))
                      .readCluster(new KeyLayout(null, "x")));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms < 3000, "took " + ms + " ms");
      assertTrue(
          e.getMessage().contains(endpoint + " (no answer within the deadline)"), e.getMessage());
    }
  }

  @Test
  void onlyPlainHttpIsServed() {
    assertTrue(EtcdGatewayReader.supports(config("http://a:2379", "http://b:2379")));
    assertFalse(EtcdGatewayReader.supports(config("https://a:2379")));
    assertFalse(
        EtcdGatewayReader.supports(
            new EtcdConfig(List.of("http://a:2379"), "https", null, null, null, null, null)));
    assertFalse(EtcdGatewayReader.supports(config()));
  }

  @Test
  void rangeEndIsThePrefixWithItsLastByteIncremented() {
    assertArrayEquals(bytes("/service/b0"), EtcdGatewayReader.rangeEnd(bytes("/service/b/")));
    assertArrayEquals(new byte[] {'a', 1}, EtcdGatewayReader.rangeEnd(new byte[] {'a', 0}));
    assertArrayEquals(new byte[] {'b'}, EtcdGatewayReader.rangeEnd(new byte[] {'a', (byte) 0xff}));
  }

  @Test
  void authenticatesWithUsernameAndPassword() throws Exception {
    String password = "gw-\"s3cret\\"; // quote and backslash: the request body escapes them
    try (EtcdProcess secured = new EtcdProcess()) {
      secured.start();
      secured.etcdctl("put", "/service/auth/initialize", "99");
      try (Client admin = Client.builder().endpoints(secured.endpoint()).build()) {
        Auth auth = admin.getAuthClient();
        auth.userAdd(bs("root"), bs(password)).get(10, TimeUnit.SECONDS);
        auth.userGrantRole(bs("root"), bs("root")).get(10, TimeUnit.SECONDS);
        auth.authEnable().get(10, TimeUnit.SECONDS);
      }
      KeyLayout keys = new KeyLayout(null, "auth");
      EtcdConfig right =
          new EtcdConfig(List.of(secured.endpoint()), null, "root", password, null, null, null);
      assertEquals("99", new EtcdGatewayReader(right, DEADLINE).readCluster(keys).initialize());

      EtcdConfig wrong =
          new EtcdConfig(
              List.of(secured.endpoint()), null, "root", "wrong-" + password, null, null, null);
      DcsException e =
          assertThrows(
              DcsException.class, () -> new EtcdGatewayReader(wrong, DEADLINE).readCluster(keys));
      assertTrue(
          e.getMessage().startsWith("etcd: ") && e.getMessage().contains("auth"), e.getMessage());
      assertFalse(e.getMessage().contains(password), e.getMessage());

      EtcdConfig anonymous = config(secured.endpoint());
      DcsException denied =
          assertThrows(
              DcsException.class,
              () -> new EtcdGatewayReader(anonymous, DEADLINE).readCluster(keys));
      assertTrue(denied.getMessage().startsWith("etcd: "), denied.getMessage());
    }
  }

  @Test
  void requestStringsAreValidJson() {
    for (String s : List.of("", "plain", "q\"uote", "back\\slash", "tab\tnl\n\u0001", "ünï€😀")) {
      assertEquals(s, Json.read(EtcdGatewayReader.jsonString(s)));
    }
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
