package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * End-to-end scenarios on one 3-node cluster (real etcd, PostgreSQL 15, HAProxy, hagent started
 * with java -jar). One cluster for all scenarios keeps the suite short; every scenario first brings
 * the cluster back to "one primary, two streaming replicas", so one failing scenario does not
 * cascade into the next.
 */
@Tag("scenario")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterScenariosTest {
  private static final Duration BOOTSTRAP = Duration.ofSeconds(90);
  private static final Duration HEAL = Duration.ofSeconds(120);

  @RegisterExtension
  static final ClusterExtension CLUSTER =
      new ClusterExtension(ClusterSpec.threeNodes().withHaproxy().withSyncCommitToAnyStandby());

  private ClusterFixture c;
  private Duration ttl;

  @BeforeEach
  void healCluster() {
    c = CLUSTER.cluster();
    ttl = Duration.ofSeconds(c.spec().ttl());
    if (!c.etcd().isRunning()) {
      c.etcd().start();
    }
    for (AgentNode n : c.nodes()) {
      if (!n.isAgentRunning()) {
        n.start();
      }
    }
  }

  @Test
  @Order(1)
  void bootstrapGivesOnePrimaryAndTwoStreamingReplicas() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(BOOTSTRAP);
    assertEquals(List.of(leader), c.primaries());
    assertEquals(2, c.replicas().size(), "replicas: " + c.replicas());

    JsonNode status = leader.status().orElseThrow();
    assertEquals("running", status.path("state").asText());
    assertTrue(status.path("xlog").has("location"), "primary xlog: " + status);
    assertTrue(status.path("timeline").asInt() >= 1, "timeline: " + status);
    assertEquals(200, leader.healthCode("/primary"));
    assertEquals(503, leader.healthCode("/replica"));
    assertEquals(200, leader.optionsCode("/master"));
    for (AgentNode r : c.replicas()) {
      assertEquals(200, r.healthCode("/replica"), r.name());
      assertEquals(503, r.healthCode("/primary"), r.name());
      assertEquals(503, r.optionsCode("/master"), r.name());
      assertTrue(r.status().orElseThrow().path("xlog").has("replayed_location"), r.name());
    }

    execute(leader, "CREATE TABLE bootstrap_check (id int PRIMARY KEY, v text)");
    execute(leader, "INSERT INTO bootstrap_check VALUES (1, 'written on the leader')");
    for (AgentNode r : c.replicas()) {
      Wait.until(
          "the row to reach " + r.name(),
          Duration.ofSeconds(30),
          () -> "written on the leader".equals(queryString(r, "SELECT v FROM bootstrap_check")));
    }

    String keys = etcdctlKeys();
    for (String key :
        List.of(
            "leader",
            "members/node1",
            "members/node2",
            "members/node3",
            "initialize",
            "config",
            "status")) {
      assertTrue(
          keys.lines().anyMatch(l -> l.equals(c.dcsPrefix() + key)),
          "etcdctl get --prefix lacks " + c.dcsPrefix() + key + ":\n" + keys);
    }
    assertEquals(Optional.of(leader.name()), c.leaderName());
  }

  @Test
  @Order(2)
  void crashOfTheLeaderPromotesExactlyOneReplicaWithoutLosingAcknowledgedWrites() throws Exception {
    AgentNode old = c.waitForHealthyCluster(HEAL);
    FailoverResult r = crashLeaderUnderWrites(old, c.multiHostPrimaryUrl(), "crash_writes");
    System.out.printf(
        "crash failover: new leader %s after %d ms, write gap %d ms%n",
        r.newLeader().name(), r.promotedAfter().toMillis(), r.gap().length().toMillis());

    // the crashed node comes back (pg_rewind if its WAL diverged) as a streaming replica
    old.start();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    assertEquals(r.newLeader(), leader);
    JsonNode oldStatus = old.status().orElseThrow();
    assertEquals("replica", oldStatus.path("role").asText());
    assertEquals(
        leader.status().orElseThrow().path("timeline").asInt(),
        oldStatus.path("timeline").asInt(),
        "rejoined node is on another timeline");
    assertTrue(leader.status().orElseThrow().path("timeline").asInt() >= 2);
  }

  @Test
  @Order(3)
  void writesThroughHaproxyResumeAfterALeaderCrash() throws Exception {
    AgentNode old = c.waitForHealthyCluster(HEAL);
    HaproxyProcess haproxy = c.haproxy().orElseThrow();
    Wait.until(
        "HAProxy to route the primary listener to " + old.name() + " only",
        Duration.ofSeconds(15),
        () -> upServers(haproxy).equals(List.of(old.name())));

    FailoverResult r = crashLeaderUnderWrites(old, c.haproxyPrimaryUrl(), "haproxy_writes");
    System.out.printf(
        "haproxy failover: new leader %s, write gap %d ms%n",
        r.newLeader().name(), r.gap().length().toMillis());
    Wait.until(
        "HAProxy to route the primary listener to " + r.newLeader().name() + " only",
        Duration.ofSeconds(15),
        () -> upServers(haproxy).equals(List.of(r.newLeader().name())));
    assertTrue(
        r.gap().length().compareTo(ttl.plusSeconds(30)) < 0,
        "writes through HAProxy were unavailable for " + r.gap().length().toMillis() + " ms");
  }

  @Test
  @Order(4)
  void sigtermOfTheLeaderReleasesTheKeySoAnotherNodeTakesOverQuickly() throws Exception {
    AgentNode old = c.waitForHealthyCluster(HEAL);
    long t0 = System.nanoTime();
    try (PrimaryCounter counter = new PrimaryCounter(c.nodes())) {
      assertTrue(old.stopAgent(Duration.ofSeconds(60)), old.name() + " did not exit on SIGTERM");
      AgentNode next = c.waitForLeader(ttl.plusSeconds(30));
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      System.out.printf("clean shutdown: %s took over after %d ms%n", next.name(), took.toMillis());
      assertNotEquals(old, next);
      // The old leader says state "stopping" while its PostgreSQL shuts down, so the one primary
      // to see is the new leader once promoted: keep counting until it says so.
      Wait.until(
          next.name() + " to report role primary, state running",
          Duration.ofSeconds(15),
          () -> counter.maxSimultaneousPrimaries() >= 1);
      assertEquals(1, counter.maxSimultaneousPrimaries(), counter.worstObservation());
      // faster than the lease expiry: the key was released, not left to time out
      assertTrue(
          took.compareTo(ttl.minusSeconds(5)) < 0,
          "took " + took.toMillis() + " ms; ttl is " + ttl.toSeconds() + " s");
    }
    assertTrue(old.postmaster().isEmpty(), "PostgreSQL still runs after the agent's shutdown");
    old.start();
    c.waitForHealthyCluster(HEAL);
  }

  @Test
  @Order(5)
  void primaryStopsAcceptingWritesBeforeTtlWhenEtcdIsDownAndRecoversAfter() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    execute(leader, "CREATE TABLE IF NOT EXISTS dcs_outage (id bigserial PRIMARY KEY)");
    assertTrue(tryWrite(leader), "writes fail before etcd is stopped");

    long stoppedAt = System.nanoTime();
    c.etcd().stop();
    Duration fenced = null;
    long deadline = stoppedAt + ttl.multipliedBy(2).toNanos();
    while (System.nanoTime() < deadline) {
      long attempt = System.nanoTime();
      if (!leader.reportsRole("primary") || !tryWrite(leader)) {
        fenced = Duration.ofNanos(attempt - stoppedAt);
        break;
      }
      Wait.sleep(Duration.ofMillis(200));
    }
    assertTrue(fenced != null, "the primary still accepted writes 2*ttl after etcd stopped");
    System.out.printf(
        "etcd outage: primary stopped accepting writes after %d ms%n", fenced.toMillis());
    assertTrue(
        fenced.compareTo(ttl) < 0,
        "writes were accepted for " + fenced.toMillis() + " ms, ttl is " + ttl.toSeconds() + " s");

    c.etcd().start();
    AgentNode after = c.waitForLeader(ttl.multipliedBy(3));
    Wait.until("a write on the leader after etcd came back", ttl, () -> tryWrite(after));
    c.waitForHealthyCluster(HEAL);
  }

  @Test
  @Order(99)
  void passwordsNeverAppearInAgentLogs() throws IOException {
    Credentials creds = c.credentials();
    for (AgentNode n : c.nodes()) {
      String log = Files.readString(n.log(), StandardCharsets.UTF_8);
      for (String secret :
          List.of(creds.superuserPassword(), creds.replicationPassword(), creds.rewindPassword())) {
        assertFalse(log.contains(secret), n.name() + "'s log contains a password");
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** What a crash failover produced. */
  private record FailoverResult(AgentNode newLeader, Duration promotedAfter, AckedWriter.Gap gap) {}

  /**
   * Runs an AckedWriter through url, crashes the leader (agent + postmaster, SIGKILL), waits for
   * exactly one new primary and for writes to resume, then checks every acknowledged id is on the
   * new leader.
   */
  private FailoverResult crashLeaderUnderWrites(AgentNode old, String url, String table)
      throws SQLException {
    execute(old, AckedWriter.createTableSql(table));
    AgentNode newLeader;
    Duration promotedAfter;
    AckedWriter.Gap gap;
    List<Long> acked;
    try (PrimaryCounter counter = new PrimaryCounter(c.nodes());
        AckedWriter writer =
            new AckedWriter(url, c.connectionProperties(), table, Duration.ofMillis(20)).start()) {
      writer.awaitMoreAcks(30, Duration.ofSeconds(30));
      long crashedAt = System.nanoTime();
      old.crash();
      newLeader = c.waitForLeader(ttl.plusSeconds(30));
      promotedAfter = Duration.ofNanos(System.nanoTime() - crashedAt);
      assertNotEquals(old, newLeader);
      writer.awaitMoreAcks(30, Duration.ofSeconds(60));
      // Backends may still commit for a moment after the postmaster is killed: the outage is
      // the longest gap, not necessarily the one straddling the kill instant.
      gap = writer.longestGap();
      acked = writer.ackedIds();
      assertEquals(
          1, counter.maxSimultaneousPrimaries(), "split brain: " + counter.worstObservation());
    }
    assertTrue(
        promotedAfter.compareTo(ttl.plusSeconds(20)) < 0,
        "new primary after " + promotedAfter.toMillis() + " ms, ttl " + ttl.toSeconds() + " s");
    try (Connection conn = newLeader.connect()) {
      List<Long> missing = AckedWriter.missingIds(conn, table, acked);
      assertEquals(List.of(), missing, "acknowledged writes lost in the failover");
    }
    return new FailoverResult(newLeader, promotedAfter, gap);
  }

  private static List<String> upServers(HaproxyProcess haproxy) {
    List<String> up = new ArrayList<>();
    for (Map.Entry<String, String> e : haproxy.serverStates("primary").entrySet()) {
      if (e.getValue().startsWith("UP")) {
        up.add(e.getKey());
      }
    }
    return up;
  }

  private static boolean tryWrite(AgentNode node) {
    try (Connection conn = node.connect();
        Statement st = conn.createStatement()) {
      st.setQueryTimeout(1);
      st.executeUpdate("INSERT INTO dcs_outage DEFAULT VALUES");
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  private static void execute(AgentNode node, String sql) throws SQLException {
    try (Connection conn = node.connect();
        Statement st = conn.createStatement()) {
      st.execute(sql);
    }
  }

  private static String queryString(AgentNode node, String sql) {
    try (Connection conn = node.connect();
        Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      return null;
    }
  }

  /** Keys under the cluster prefix as the stock etcdctl lists them. */
  private String etcdctlKeys() throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(
                System.getProperty("it.etcdctl", "/usr/bin/etcdctl"),
                "--endpoints=" + c.etcd().endpoint(),
                "get",
                "--prefix",
                "--keys-only",
                c.dcsPrefix())
            .redirectErrorStream(true);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(20, TimeUnit.SECONDS), "etcdctl hung");
    assertEquals(0, p.exitValue(), "etcdctl failed: " + out);
    return out;
  }
}
