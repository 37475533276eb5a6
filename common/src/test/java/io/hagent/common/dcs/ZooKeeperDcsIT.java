package io.hagent.common.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.config.ZooKeeperConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ZooKeeperDcs against a real ZooKeeper server process; each test works under its own scope. */
class ZooKeeperDcsIT {

  private static final int TTL = 6;
  private static final int RETRY = 2;
  private static final AtomicInteger SCOPES = new AtomicInteger();

  private static ZooKeeperProcess server;

  private final List<ZooKeeperDcs> opened = new ArrayList<>();
  private final List<ZooKeeper> raw = new ArrayList<>();
  private String scope;

  @BeforeAll
  static void startServer() throws Exception {
    server = new ZooKeeperProcess();
    server.start();
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void newScope() {
    scope = "zk" + SCOPES.incrementAndGet();
  }

  @AfterEach
  void closeClients() throws Exception {
    opened.forEach(ZooKeeperDcs::close);
    for (ZooKeeper z : raw) {
      z.close();
    }
  }

  private ZooKeeperDcs dcs(String name, int ttl) {
    ZooKeeperDcs dcs =
        ZooKeeperDcs.create(
            new ZooKeeperConfig(
                List.of(server.hostPort()),
                false,
                null,
                null,
                null,
                null,
                true,
                Map.of(),
                Map.of()),
            new KeyLayout(null, scope),
            name,
            ttl,
            RETRY);
    opened.add(dcs);
    return dcs;
  }

  /** A plain client, to look at the nodes as zkCli.sh would. */
  private ZooKeeper client() throws Exception {
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
    return "/service/" + scope + "/" + key;
  }

  @Test
  void patroniLayoutEphemeralLeaderAndMembersPersistentRest() throws Exception {
    ZooKeeperDcs a = dcs("a", TTL);
    a.touchMember(Map.of("conn_url", "postgres://a:5432/postgres", "state", "running"));
    assertTrue(a.attemptToAcquireLeader());
    assertTrue(a.initialize(true, "7000000000000000001"));
    a.setConfig("{\"ttl\":6}", null);
    a.setStatus("{\"optime\":42}");
    a.setHistory("[[1,100,\"no recovery target specified\"]]");

    ZooKeeper z = client();
    assertEquals(
        List.of("config", "history", "initialize", "leader", "members", "status"),
        z.getChildren("/service/" + scope, false).stream().sorted().toList());
    Stat leader = new Stat();
    assertEquals("a", new String(z.getData(path("leader"), false, leader), StandardCharsets.UTF_8));
    assertNotEquals(0, leader.getEphemeralOwner(), "leader must be an ephemeral node");
    Stat member = z.exists(path("members/a"), false);
    assertEquals(leader.getEphemeralOwner(), member.getEphemeralOwner());
    assertEquals(0, z.exists(path("config"), false).getEphemeralOwner());
    assertEquals(0, z.exists(path("initialize"), false).getEphemeralOwner());

    Cluster c = dcs("reader", TTL).readCluster();
    assertEquals("a", c.leader().name());
    assertEquals("7000000000000000001", c.initialize());
    assertEquals(6, ((Number) c.config().get("ttl")).intValue());
    assertEquals(42, c.status().optime());
    assertEquals(1, c.members().size());
    assertEquals("running", c.members().get(0).data().get("state"));
    assertEquals(1, c.history().size());

    // closing the session removes the ephemeral nodes at once (a clean shutdown)
    a.close();
    assertNull(z.exists(path("leader"), false));
    assertNull(z.exists(path("members/a"), false));
    assertNotNull(z.exists(path("config"), false));
  }

  @Test
  void leaderRaceAndCompareAndSet() throws Exception {
    ZooKeeperDcs a = dcs("a", TTL);
    ZooKeeperDcs b = dcs("b", TTL);
    assertTrue(a.attemptToAcquireLeader());
    assertFalse(b.attemptToAcquireLeader());
    assertTrue(a.updateLeader());
    assertFalse(b.updateLeader());
    assertFalse(b.deleteLeader(), "b must not delete a's leader node");

    assertTrue(a.initialize(true, "1"));
    assertFalse(b.initialize(true, "2"));

    // config: compare-and-set on the mod revision read with the cluster
    assertTrue(a.setConfig("{\"ttl\":6}", null));
    long rev = b.readCluster().configModRevision();
    assertTrue(rev > 0);
    assertTrue(a.setConfig("{\"ttl\":7}", rev));
    assertFalse(b.setConfig("{\"ttl\":8}", rev), "a stale revision must lose");
    assertEquals(7, ((Number) b.readCluster().config().get("ttl")).intValue());

    // failover: 0 = create only if absent
    assertTrue(a.setFailover("{\"member\":\"b\"}", 0L));
    assertFalse(b.setFailover("{\"member\":\"a\"}", 0L));
    long frev = b.readCluster().failover().modRevision();
    assertTrue(b.setFailover("{}", frev));
    assertNull(b.readCluster().failover());

    // sync
    assertTrue(a.setSync("{\"leader\":\"a\",\"sync_standby\":\"b\"}", null));
    assertEquals(List.of("b"), b.readCluster().sync().syncStandbys());
    a.deleteSync();
    assertNull(b.readCluster().sync());

    assertTrue(a.deleteLeader());
    assertNull(b.readCluster().leader());
    assertTrue(b.attemptToAcquireLeader());

    b.deleteCluster();
    assertNull(client().exists("/service/" + scope, false));
  }

  @Test
  void losingTheSessionLosesTheLock() throws Exception {
    ZooKeeperDcs a = dcs("a", TTL);
    ZooKeeperDcs b = dcs("b", TTL);
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    b.watch((key, deleted) -> events.add(key + (deleted ? " deleted" : "")));
    b.readCluster(); // opens b's session, with the watch
    a.touchMember(Map.of("state", "running"));
    assertTrue(a.attemptToAcquireLeader());
    assertEquals("leader", events.poll(10, TimeUnit.SECONDS));

    // Expire a's session from outside, as the server does when a is silent for the timeout:
    // a second handle on the same session, closed.
    ZooKeeper session = a.currentSession();
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper twin =
        new ZooKeeper(
            server.hostPort(),
            TTL * 1000,
            e -> {
              if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
              }
            },
            session.getSessionId(),
            session.getSessionPasswd());
    assertTrue(connected.await(10, TimeUnit.SECONDS));
    twin.close();

    assertEquals("leader deleted", events.poll(10, TimeUnit.SECONDS));
    Cluster c = b.readCluster();
    assertNull(c.leader(), "the leader node must vanish with the session");
    assertTrue(c.members().isEmpty());
    assertTrue(b.attemptToAcquireLeader());
    // a lost the lock with its session: its update either says so or fails while a's client is
    // still opening its new session (both demote the agent)
    boolean kept;
    try {
      kept = a.updateLeader();
    } catch (DcsException e) {
      kept = false;
    }
    assertFalse(kept, "a lost the lock with its session");
    // a's member node comes back on its new session, once that is open
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        a.touchMember(Map.of("state", "running"));
        break;
      } catch (DcsException e) {
        if (System.nanoTime() > until) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
    // the new session's node is created when that session is open: seen by b shortly after
    List<String> members = List.of();
    for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        System.nanoTime() < end && !members.equals(List.of("a")); ) {
      members = b.readCluster().members().stream().map(m -> m.name()).toList();
      if (!members.equals(List.of("a"))) {
        Thread.sleep(200);
        a.touchMember(Map.of("state", "running"));
      }
    }
    assertEquals(List.of("a"), members);
  }

  @Test
  void frozenServerFailsLeaderUpdateWithinRetryTimeout() throws Exception {
    ZooKeeperDcs a = dcs("a", TTL);
    assertTrue(a.attemptToAcquireLeader());
    server.signal("STOP");
    try {
      long start = System.nanoTime();
      assertThrows(DcsException.class, a::updateLeader);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(ms < RETRY * 1000 + 1500, "gave up after " + ms + " ms");
    } finally {
      server.signal("CONT");
    }
    // back within the session timeout: the session and its leader node survived
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    boolean ok = false;
    while (!ok && System.nanoTime() < until) {
      try {
        ok = a.updateLeader();
      } catch (DcsException e) {
        Thread.sleep(200);
      }
    }
    assertTrue(ok);
  }

  @Test
  void sessionTimeoutShorterThanTtlIsRefusedForTheLock() throws Exception {
    // the server's maxSessionTimeout is 20 ticks (20 s): a 30 s ttl cannot be honoured
    ZooKeeperDcs a = dcs("a", 30);
    a.readCluster(); // connects
    DcsException e = assertThrows(DcsException.class, a::attemptToAcquireLeader);
    assertTrue(e.getMessage().contains("maxSessionTimeout"), e.getMessage());
    assertNull(a.readCluster().leader());
  }

  @Test
  void compareAndDeleteRemovesOnlyTheObservedLeaderKey() throws Exception {
    LeaderKeyContract.compareAndDeleteRemovesOnlyTheObservedLeaderKey(dcs("a", TTL), dcs("b", TTL));
  }
}
