package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hagent.common.dcs.ZooKeeperProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue #17's proofs that need a whole cluster on ZooKeeper (etcd stopped before the agents
 * bootstrap, as in {@link ZooKeeperScenarioTest}):
 *
 * <ul>
 *   <li>strict synchronous mode: a {@link CommitRecorder} writes through HAProxy while the leader's
 *       agent and PostgreSQL are killed with SIGKILL, round after round; no acknowledged commit may
 *       be missing on the new primary. The {@code sync} node holds Patroni's JSON.
 *   <li>failsafe_mode: ZooKeeper frozen (SIGSTOP) for twice the ttl, longer than any session can
 *       last; the primary keeps accepting writes because every member answers its POST /failsafe,
 *       and after SIGCONT the cluster is whole again under the same leader.
 * </ul>
 *
 * The opposite of the second (failsafe off: writes stop before the session can expire) is in {@link
 * ZooKeeperScenarioTest}.
 */
@Tag("scenario")
class ZooKeeperDurabilityScenarioTest {
  private static final int TTL = 20;
  private static final Duration BOOTSTRAP = Duration.ofMinutes(3);
  private static final Duration HEAL = Duration.ofMinutes(2);
  private static final Duration FAILOVER = Duration.ofSeconds(TTL + 40);
  private static final int ROUNDS = Integer.getInteger("it.zk.durability.rounds", 3);
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void strictSynchronousModeOnZooKeeperLosesNoAcknowledgedCommit() throws Exception {
    ClusterSpec spec =
        new ClusterSpec(3, true, TTL, 1, 3, false, RestApiSecurity.none())
            .withBootstrapDcs(
                """
                synchronous_mode: true
                synchronous_mode_strict: true
                synchronous_node_count: 1
                """);
    onZooKeeper(spec, this::crashRounds);
  }

  @Test
  void failsafeOnZooKeeperFrozenForTwiceTheTtlThePrimaryKeepsWriting() throws Exception {
    ClusterSpec spec =
        new ClusterSpec(3, true, TTL, 2, 5, false, RestApiSecurity.none())
            .withBootstrapDcs("failsafe_mode: true\n");
    onZooKeeper(spec, this::freezeWithFailsafe);
  }

  @FunctionalInterface
  private interface Scenario {
    void run(ClusterFixture c, ZooKeeperProcess zk, Store store, String base) throws Exception;
  }

  /**
   * The test's own view of ZooKeeper. A freeze longer than its session timeout ends its session
   * too, so a new one is opened when the last one is gone.
   */
  static final class Store implements AutoCloseable {
    private final ZooKeeperProcess zk;
    private ZooKeeper z;

    Store(ZooKeeperProcess zk) {
      this.zk = zk;
    }

    synchronized ZooKeeper live() throws Exception {
      if (z == null || !z.getState().isAlive()) {
        if (z != null) {
          z.close();
        }
        z = ZooKeeperScenarioTest.client(zk);
      }
      return z;
    }

    Optional<String> read(String path) {
      try {
        return ZooKeeperScenarioTest.read(live(), path);
      } catch (Exception | AssertionError e) {
        return Optional.empty(); // not reachable now: the caller's wait tries again
      }
    }

    @Override
    public synchronized void close() throws InterruptedException {
      if (z != null) {
        z.close();
      }
    }
  }

  private void onZooKeeper(ClusterSpec spec, Scenario scenario) throws Exception {
    try (ZooKeeperProcess zk = new ZooKeeperProcess(2000)) {
      zk.start();
      ClusterFixture c =
          ClusterFixture.start(
              spec, name -> Map.of(), (name, yaml) -> ZooKeeperScenarioTest.onZooKeeper(yaml, zk));
      try (c;
          Store store = new Store(zk)) {
        try {
          c.etcd().stop(); // nothing may depend on it
          String base = "/service/" + c.scope();
          c.useLeaderSource(() -> store.read(base + "/leader"));
          scenario.run(c, zk, store, base);
        } catch (Throwable t) {
          zk.signal("CONT"); // the agents stop sooner with their store answering
          System.err.println(c.logTails(80)); // before the cluster's directory is removed
          throw t;
        }
      }
    }
  }

  // ------------------------------------------------------------------ synchronous mode

  private void crashRounds(ClusterFixture c, ZooKeeperProcess zk, Store raw, String base)
      throws Exception {
    AgentNode leader = c.waitForHealthyCluster(BOOTSTRAP);
    Set<Long> missing = new HashSet<>();
    List<String> rounds = new ArrayList<>();
    try (PrimaryCounter counter = new PrimaryCounter(c.nodes());
        PromotionWatcher watcher = new PromotionWatcher(c.nodes());
        CommitRecorder recorder =
            new CommitRecorder(
                c.haproxyPrimaryUrl(), c.connectionProperties(), "acked_zk", 5, 300)) {
      awaitSyncStandby(c, raw, base, leader);
      assertSyncNodeIsPatronis(raw, base, leader);
      try (Connection setup = leader.connect()) {
        recorder.start(setup);
      }
      recorder.awaitMoreAcks(100, Duration.ofSeconds(30));
      for (int i = 1; i <= ROUNDS; i++) {
        AgentNode old = c.waitForHealthyCluster(HEAL);
        // only a standby PostgreSQL confirms as synchronous AND the sync node names may promote;
        // crashing before both hold proves nothing (or leaves no node allowed to promote)
        String standby = awaitSyncStandby(c, raw, base, old);
        recorder.awaitMoreAcks(50, Duration.ofSeconds(30));
        long killedAt = System.nanoTime();
        old.crash();
        PromotionWatcher.Promotion p = watcher.awaitPromotion(old.name(), killedAt, FAILOVER);
        AgentNode next = c.waitForLeader(FAILOVER);
        assertEquals(p.node(), next.name(), "the node that ended recovery is not the leader");
        assertNotEquals(old, next);
        assertEquals(standby, next.name(), "a node that was not the synchronous standby promoted");
        recorder.awaitAcksAfter(p.firstWritableNanos(), 50, Duration.ofSeconds(60));
        CommitRecorder.Report report;
        try (Connection conn = next.connect()) {
          report = recorder.verify(conn);
        }
        missing.addAll(report.missingIds());
        String r =
            "zookeeper sync round %d: %s -> %s writable %d ms after the kill, %s"
                .formatted(
                    i,
                    old.name(),
                    next.name(),
                    (p.firstWritableNanos() - killedAt) / 1_000_000,
                    report);
        rounds.add(r);
        System.out.println(r);
        old.start();
        c.waitForHealthyCluster(HEAL);
      }
      recorder.awaitMoreAcks(50, Duration.ofSeconds(30));
      recorder.close();
      CommitRecorder.Report last;
      try (Connection conn = c.waitForLeader(HEAL).connect()) {
        last = recorder.verify(conn);
      }
      System.out.println("zookeeper sync final: " + last);
      assertEquals(
          1, counter.maxSimultaneousPrimaries(), "split brain: " + counter.worstObservation());
      assertEquals(Set.of(), missing, "acknowledged commits lost: " + rounds);
      assertEquals(List.of(), last.missingIds(), "acknowledged commits lost: " + last);
      assertTrue(last.acknowledged() > 0, "nothing was acknowledged");
      assertEquals(ROUNDS, rounds.size());
    }
  }

  /**
   * Patroni's sync node: a persistent node holding {"leader": ..., "sync_standby": ...}, the
   * standby names comma separated.
   */
  private static void assertSyncNodeIsPatronis(Store raw, String base, AgentNode leader)
      throws Exception {
    Stat stat = new Stat();
    JsonNode sync =
        JSON.readTree(
            new String(raw.live().getData(base + "/sync", false, stat), StandardCharsets.UTF_8));
    assertEquals(0, stat.getEphemeralOwner(), "sync is a persistent node");
    assertEquals(leader.name(), sync.path("leader").asText(), sync.toString());
    assertTrue(sync.path("sync_standby").isTextual(), sync.toString());
    assertFalse(sync.path("sync_standby").asText().isEmpty(), sync.toString());
  }

  /** The standby both PostgreSQL (sync_state sync) and the sync node name; returns its name. */
  private static String awaitSyncStandby(
      ClusterFixture c, Store raw, String base, AgentNode primary) {
    String[] seen = {""};
    try {
      return Wait.forValue(
          "a synchronous standby of " + primary.name(),
          Duration.ofSeconds(60),
          () -> {
            try (Connection conn = primary.connect();
                Statement st = conn.createStatement();
                ResultSet rs =
                    st.executeQuery(
                        "SELECT string_agg(application_name, ',') FROM pg_stat_replication"
                            + " WHERE sync_state = 'sync'")) {
              rs.next();
              String pgSync = rs.getString(1);
              String key = raw.read(base + "/sync").orElse("{}");
              seen[0] = "pg sync " + pgSync + ", sync node " + key;
              if (pgSync == null) {
                return Optional.empty();
              }
              JsonNode sync = JSON.readTree(key);
              if (!primary.name().equals(sync.path("leader").asText())) {
                return Optional.empty();
              }
              List<String> named = Arrays.asList(sync.path("sync_standby").asText().split(","));
              return Arrays.stream(pgSync.split(",")).filter(named::contains).findFirst();
            } catch (SQLException | java.io.IOException e) {
              return Optional.empty();
            }
          });
    } catch (AssertionError e) {
      throw new AssertionError("synchronous replication not in effect: " + seen[0], e);
    }
  }

  // ------------------------------------------------------------------ failsafe

  private void freezeWithFailsafe(ClusterFixture c, ZooKeeperProcess zk, Store raw, String base)
      throws Exception {
    AgentNode leader = c.waitForHealthyCluster(BOOTSTRAP);
    // the primary writes the failsafe node (Patroni's {"name": "api_url", ...}) every cycle
    Wait.until(
        "the failsafe node to list every member",
        Duration.ofSeconds(60),
        () -> {
          String fs = raw.read(base + "/failsafe").orElse("");
          return c.nodes().stream().allMatch(n -> fs.contains("\"" + n.name() + "\""));
        });
    JsonNode failsafe = JSON.readTree(raw.read(base + "/failsafe").orElseThrow());
    for (AgentNode n : c.nodes()) {
      assertTrue(
          failsafe.path(n.name()).asText().endsWith("/patroni"),
          "failsafe node is not Patroni's name -> api_url map: " + failsafe);
    }
    String table = "zk_failsafe";
    try (Connection conn = leader.connect();
        Statement st = conn.createStatement()) {
      st.execute(AckedWriter.createTableSql(table));
    }
    long logSize = Files.size(leader.log());
    try (PrimaryCounter counter = new PrimaryCounter(c.nodes());
        AckedWriter writer =
            new AckedWriter(
                    c.haproxyPrimaryUrl(), c.connectionProperties(), table, Duration.ofMillis(100))
                .start()) {
      writer.awaitMoreAcks(20, Duration.ofSeconds(30));
      long frozenAt = System.nanoTime();
      zk.signal("STOP");
      Wait.sleep(Duration.ofSeconds(2L * TTL));
      // writes are still acknowledged at the end of the outage, past any session's lifetime
      int before = writer.ackCount();
      writer.awaitMoreAcks(10, Duration.ofSeconds(5));
      assertTrue(leader.reportsRole("primary"), leader.name() + " is no longer primary");
      zk.signal("CONT");
      long thawedAt = System.nanoTime();
      String back =
          Wait.forValue(
              "the leader node after ZooKeeper returned",
              Duration.ofSeconds(3L * TTL),
              () -> raw.read(base + "/leader"));
      System.out.printf(
          "zookeeper frozen %d ms with failsafe_mode: %d writes acknowledged in the last seconds"
              + " of the outage, leader node %s back %d ms after SIGCONT%n",
          (thawedAt - frozenAt) / 1_000_000,
          writer.ackCount() - before,
          back,
          (System.nanoTime() - thawedAt) / 1_000_000);
      assertEquals(leader.name(), back, "the leader changed");
      writer.awaitMoreAcks(20, Duration.ofSeconds(30));
      AckedWriter.Gap gap = writer.longestGap();
      System.out.println("zookeeper failsafe: longest write gap " + gap);
      try (Connection conn = leader.connect()) {
        assertEquals(List.of(), AckedWriter.missingIds(conn, table, writer.ackedIds()));
      }
      assertEquals(
          1, counter.maxSimultaneousPrimaries(), "split brain: " + counter.worstObservation());
      String log = logSince(leader, logSize);
      // both are right: the server expired the session when it resumed, or heard from us first
      System.out.println(
          "zookeeper failsafe: the leader's session "
              + (log.contains("session expired") || log.contains("session lost")
                  ? "expired and its leader node was created again"
                  : "survived the freeze"));
      assertFalse(log.contains("Demoting self"), "the leader demoted:\n" + log);
      assertTrue(
          gap.length().compareTo(Duration.ofSeconds(TTL)) < 0,
          "writes stopped for " + gap + " during the outage");
    }
    assertEquals(leader, c.waitForHealthyCluster(HEAL));
  }

  private static String logSince(AgentNode node, long offset) throws java.io.IOException {
    byte[] all = Files.readAllBytes(node.log());
    int from = (int) Math.min(offset, all.length);
    return new String(all, from, all.length - from, StandardCharsets.UTF_8);
  }
}
