package io.hagent.common.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.EtcdConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** EtcdDcs against a real etcd; each test works under its own scope. */
class EtcdDcsIT {

  private static final int TTL = 3;
  private static final int RETRY = 3;
  private static final AtomicInteger SCOPES = new AtomicInteger();

  private static EtcdProcess etcd;

  private final List<EtcdDcs> opened = new ArrayList<>();
  private String scope;

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

  @BeforeEach
  void newScope() {
    scope = "test" + SCOPES.incrementAndGet();
  }

  @AfterEach
  void closeClients() {
    opened.forEach(EtcdDcs::close);
  }

  private EtcdDcs dcs(String name) {
    EtcdDcs dcs =
        EtcdDcs.create(
            new EtcdConfig(List.of(etcd.endpoint()), null, null, null, null, null, null),
            new KeyLayout(null, scope),
            name,
            TTL,
            RETRY);
    opened.add(dcs);
    return dcs;
  }

  private String prefix() {
    return "/service/" + scope + "/";
  }

  @Test
  void exactlyOneOfTwoRacingAgentsGetsTheLeaderKey() throws Exception {
    EtcdDcs a = dcs("a");
    EtcdDcs b = dcs("b");
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Callable<Boolean> raceA = () -> go.await(5, TimeUnit.SECONDS) && a.attemptToAcquireLeader();
      Callable<Boolean> raceB = () -> go.await(5, TimeUnit.SECONDS) && b.attemptToAcquireLeader();
      Future<Boolean> fa = pool.submit(raceA);
      Future<Boolean> fb = pool.submit(raceB);
      go.countDown();
      boolean wonA = fa.get(10, TimeUnit.SECONDS);
      boolean wonB = fb.get(10, TimeUnit.SECONDS);
      assertTrue(wonA ^ wonB, "exactly one must win, got a=" + wonA + " b=" + wonB);

      EtcdDcs holder = wonA ? a : b;
      EtcdDcs other = wonA ? b : a;
      assertTrue(holder.updateLeader());
      assertFalse(other.updateLeader());
      assertFalse(other.attemptToAcquireLeader());

      assertFalse(other.deleteLeader(), "a non-owner must not delete the key");
      Cluster cluster = other.readCluster();
      assertEquals(holder.memberName(), cluster.leader().name());
      assertTrue(cluster.leader().leaseId() != 0, "leader key is attached to a lease");

      assertTrue(holder.deleteLeader());
      assertNull(other.readCluster().leader());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void leaderKeyVanishesAfterTtlWhenTheHolderStopsRenewing() throws Exception {
    EtcdDcs a = dcs("a");
    EtcdDcs b = dcs("b");
    assertTrue(a.attemptToAcquireLeader());
    a.touchMember(Map.of("state", "running"));
    long since = System.nanoTime();
    assertNotNull(b.readCluster().leader());

    // a never renews (no background keep-alive): etcd expires the lease after the ttl
    Cluster cluster = b.readCluster();
    while (cluster.leader() != null && elapsedSeconds(since) < TTL + 5) {
      Thread.sleep(200);
      cluster = b.readCluster();
    }
    double took = elapsedSeconds(since);
    assertNull(cluster.leader(), "leader key still there after " + took + " s");
    assertTrue(cluster.members().isEmpty(), "member key expires with the same lease");
    assertTrue(took >= TTL - 1, "expired too early: " + took + " s");

    // the holder's next update creates the key again on a fresh lease, since nobody else took it
    // (§4 update leader; how a failsafe primary gets its key back after an etcd outage)
    assertTrue(a.updateLeader());
    assertEquals("a", b.readCluster().leader().name());
    assertFalse(b.attemptToAcquireLeader(), "the re-created key is held");
    assertTrue(a.updateLeader());
  }

  @Test
  void renewingKeepsTheKeyPastTheTtl() throws Exception {
    EtcdDcs a = dcs("a");
    assertTrue(a.attemptToAcquireLeader());
    long since = System.nanoTime();
    while (elapsedSeconds(since) < 2.0 * TTL) {
      assertTrue(a.updateLeader());
      Thread.sleep(1000);
    }
    assertEquals("a", a.readCluster().leader().name());
  }

  @Test
  void closeRevokesTheLeaseSoKeysVanishAtOnce() throws Exception {
    EtcdDcs a = dcs("a");
    EtcdDcs b = dcs("b");
    assertTrue(a.attemptToAcquireLeader());
    a.touchMember(Map.of("state", "running"));
    assertEquals(1, b.readCluster().members().size());

    a.close();
    Cluster cluster = b.readCluster();
    assertNull(cluster.leader());
    assertTrue(cluster.members().isEmpty());
  }

  @Test
  void takeLeaderOverwritesAndSetTimeoutsMovesKeysToANewLease() throws Exception {
    EtcdDcs a = dcs("a");
    EtcdDcs b = dcs("b");
    assertTrue(b.attemptToAcquireLeader());
    a.takeLeader();
    long firstLease = a.readCluster().leader().leaseId();
    assertEquals("a", a.readCluster().leader().name());

    a.setTimeouts(TTL + 2, RETRY);
    assertTrue(a.updateLeader());
    Cluster cluster = a.readCluster();
    assertEquals("a", cluster.leader().name());
    assertTrue(cluster.leader().leaseId() != firstLease, "re-attached to the new lease");
  }

  @Test
  void memberValueIsCompactJsonAndReadBack() throws Exception {
    EtcdDcs a = dcs("a");
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("conn_url", "postgres://127.0.0.1:5432/postgres");
    data.put("api_url", "http://127.0.0.1:8008/patroni");
    data.put("state", "running");
    data.put("role", "primary");
    data.put("version", "4.1.0");
    data.put("xlog_location", 50331808L);
    data.put("timeline", 1);
    a.touchMember(data);
    assertTrue(a.attemptToAcquireLeader());

    String member = etcd.etcdctl("get", "--print-value-only", prefix() + "members/a").trim();
    assertEquals(
        "{\"conn_url\":\"postgres://127.0.0.1:5432/postgres\","
            + "\"api_url\":\"http://127.0.0.1:8008/patroni\",\"state\":\"running\","
            + "\"role\":\"primary\",\"version\":\"4.1.0\",\"xlog_location\":50331808,"
            + "\"timeline\":1}",
        member);
    assertEquals("a", etcd.etcdctl("get", "--print-value-only", prefix() + "leader").trim());

    Member read = a.readCluster().member("a").orElseThrow();
    assertEquals("primary", read.role());
    assertEquals(50331808L, read.xlogLocation());
    assertEquals(1, read.timeline());
    assertEquals("127.0.0.1", read.hostPort().host());

    // an unchanged value is not rewritten; a changed one is
    long rev = read.modRevision();
    a.touchMember(new LinkedHashMap<>(data));
    assertEquals(rev, a.readCluster().member("a").orElseThrow().modRevision());
    data.put("state", "stopped");
    a.touchMember(data);
    Member changed = a.readCluster().member("a").orElseThrow();
    assertTrue(changed.modRevision() > rev);
    assertEquals("stopped", changed.state());
  }

  @Test
  void configCompareAndSetWinsOnceWithTheSameRevision() throws Exception {
    EtcdDcs a = dcs("a");
    EtcdDcs ctl = dcs(null);
    // revision 0 = "only if absent" (mod_revision of a missing key compares equal to 0)
    assertTrue(ctl.setConfig("{\"ttl\":30}", 0L));
    assertFalse(ctl.setConfig("{\"ttl\":31}", 0L), "0 must fail once the key exists");

    Cluster cluster = a.readCluster();
    assertEquals(30, cluster.config().get("ttl"));
    long rev = cluster.configModRevision();
    assertTrue(rev > 0);

    assertTrue(a.setConfig("{\"ttl\":40}", rev));
    assertFalse(ctl.setConfig("{\"ttl\":50}", rev), "stale revision must lose");
    assertEquals(40, a.readCluster().config().get("ttl"));

    assertTrue(ctl.setConfig("{\"ttl\":60}", null));
    assertEquals(60, a.readCluster().config().get("ttl"));
  }

  @Test
  void plainKeysRoundTrip() throws Exception {
    EtcdDcs a = dcs("a");
    EtcdDcs b = dcs("b");

    assertTrue(a.initialize(true, ""));
    assertFalse(b.initialize(true, ""), "second bootstrap race must lose");
    assertTrue(a.initialize(false, "7412345678901234567"));
    Cluster cluster = b.readCluster();
    assertEquals("7412345678901234567", cluster.initialize());
    assertTrue(cluster.hasValidSysid());
    a.cancelInitialization();
    assertNull(b.readCluster().initialize());

    assertTrue(a.setFailover("{\"leader\":\"a\",\"member\":\"b\"}", null));
    cluster = b.readCluster();
    assertEquals("a", cluster.failover().leader());
    assertEquals("b", cluster.failover().member());
    assertTrue(a.setFailover("{}", cluster.failover().modRevision()));
    assertNull(b.readCluster().failover(), "{} means no failover");

    assertTrue(a.setSync("{\"leader\":\"a\",\"quorum\":0,\"sync_standby\":\"b\"}", 0L));
    cluster = b.readCluster();
    assertEquals("a", cluster.sync().leader());
    assertEquals(List.of("b"), cluster.sync().syncStandbys());
    assertFalse(a.setSync("{\"leader\":\"a\",\"quorum\":0,\"sync_standby\":null}", 0L));
    a.deleteSync();
    assertNull(b.readCluster().sync());

    a.setStatus("{\"optime\":67108960,\"slots\":{\"b\":67108960},\"retain_slots\":[\"b\"]}");
    cluster = b.readCluster();
    assertEquals(67108960L, cluster.status().optime());
    assertEquals(Map.of("b", 67108960L), cluster.status().slots());
    assertEquals(List.of("b"), cluster.status().retainSlots());

    a.setHistory(
        "[[1,25165984,\"no recovery target specified\",\"2024-01-01T00:00:00+00:00\",\"a\"]]");
    cluster = b.readCluster();
    assertEquals(1, cluster.history().size());
    assertEquals(2, cluster.historyTimeline());

    a.setFailsafe("{\"a\":\"http://127.0.0.1:8008/patroni\"}");
    assertEquals("http://127.0.0.1:8008/patroni", b.readCluster().failsafe().get("a"));

    b.deleteCluster();
    cluster = a.readCluster();
    assertNull(cluster.config());
    assertNull(cluster.leader());
    assertTrue(cluster.members().isEmpty());
    assertEquals(0, cluster.status().optime());
    assertTrue(cluster.history().isEmpty());
    assertNull(cluster.failsafe());
  }

  @Test
  void setStatusSkipsUnchangedValues() throws Exception {
    EtcdDcs a = dcs("a");
    a.setStatus("{\"optime\":1}");
    long rev = modRevision(prefix() + "status");
    a.setStatus("{\"optime\":1}");
    assertEquals(rev, modRevision(prefix() + "status"));
    a.setStatus("{\"optime\":2}");
    assertTrue(modRevision(prefix() + "status") > rev);
  }

  @Test
  void corruptValuesDoNotBreakTheRead() throws Exception {
    EtcdDcs a = dcs("a");
    a.touchMember(Map.of("state", "running", "role", "replica"));
    etcd.etcdctl("put", prefix() + "members/bad", "not json {");
    etcd.etcdctl(
        "put",
        prefix() + "members/old",
        "postgres://replicator:secret@10.0.0.9:5432/postgres?application_name=http://10.0.0.9:8008/patroni");
    etcd.etcdctl("put", prefix() + "config", "{broken");
    etcd.etcdctl("put", prefix() + "failover", "[1,2]");
    etcd.etcdctl("put", prefix() + "sync", "nope");
    etcd.etcdctl("put", prefix() + "status", "garbage");
    etcd.etcdctl("put", prefix() + "optime/leader", "12345");
    etcd.etcdctl("put", prefix() + "history", "{\"not\":\"a list\"}");
    etcd.etcdctl("put", prefix() + "failsafe", "42");

    Cluster cluster = a.readCluster();
    assertEquals(
        List.of("a", "old"), cluster.members().stream().map(Member::name).sorted().toList());
    Member old = cluster.member("old").orElseThrow();
    assertEquals("http://10.0.0.9:8008/patroni", old.apiUrl());
    assertEquals("10.0.0.9", old.hostPort().host());
    assertNull(cluster.config());
    assertTrue(cluster.configModRevision() > 0, "CAS over a corrupt config stays possible");
    assertNull(cluster.failover());
    assertNotNull(cluster.sync(), "a corrupt sync key keeps its revision for CAS");
    assertNull(cluster.sync().leader());
    assertEquals(12345L, cluster.status().optime(), "legacy optime/leader is the fallback");
    assertTrue(cluster.history().isEmpty());
    assertNull(cluster.failsafe());
  }

  @Test
  void watchReportsLeaderDeletionWithinASecond() throws Exception {
    EtcdDcs a = dcs("a");
    EtcdDcs b = dcs("b");
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    b.watch((key, deleted) -> events.add(key + (deleted ? " deleted" : " changed")));
    Thread.sleep(300); // let the watch stream open

    assertTrue(a.attemptToAcquireLeader());
    assertEquals("leader changed", events.poll(2, TimeUnit.SECONDS));

    // re-attaching the same value to a new lease is not a change worth waking up for
    a.setTimeouts(TTL + 1, RETRY);
    assertTrue(a.updateLeader());
    a.setConfig("{\"loop_wait\":10}", null);
    assertEquals("config changed", events.poll(2, TimeUnit.SECONDS));

    long sent = System.nanoTime();
    assertTrue(a.deleteLeader());
    String event = events.poll(2, TimeUnit.SECONDS);
    double took = elapsedSeconds(sent);
    assertEquals("leader deleted", event);
    assertTrue(took < 1.5, "watch took " + took + " s");
  }

  @Test
  void etcdctlSeesPatroniShapedValues() throws Exception {
    EtcdDcs a = dcs("a");
    assertTrue(a.initialize(true, "7412345678901234567"));
    a.setConfig("{\"ttl\":30,\"loop_wait\":10,\"retry_timeout\":10}", 0L);
    assertTrue(a.attemptToAcquireLeader());
    a.touchMember(Map.of("role", "primary"));
    a.setStatus("{\"optime\":67108960}");
    a.setHistory("[]");
    String dump = etcd.etcdctl("get", "--prefix", prefix());
    assertEquals(
        String.join(
                "\n",
                prefix() + "config",
                "{\"ttl\":30,\"loop_wait\":10,\"retry_timeout\":10}",
                prefix() + "history",
                "[]",
                prefix() + "initialize",
                "7412345678901234567",
                prefix() + "leader",
                "a",
                prefix() + "members/a",
                "{\"role\":\"primary\"}",
                prefix() + "status",
                "{\"optime\":67108960}")
            + "\n",
        dump);
  }

  private long modRevision(String key) throws Exception {
    String json = etcd.etcdctl("get", "-w", "json", key);
    var node = io.hagent.common.json.Json.mapper().readTree(json);
    return node.get("kvs").get(0).get("mod_revision").asLong();
  }

  private static double elapsedSeconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
  }

  @Test
  void compareAndDeleteRemovesOnlyTheObservedLeaderKey() throws Exception {
    LeaderKeyContract.compareAndDeleteRemovesOnlyTheObservedLeaderKey(dcs("a"), dcs("b"));
  }
}
