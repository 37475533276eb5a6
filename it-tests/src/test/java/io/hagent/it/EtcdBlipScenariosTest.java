package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #18: with Patroni's default timings (ttl 30, loop_wait 10, retry_timeout 10), an etcd
 * outage shorter than retry_timeout must not take the primary down, and a longer one must make it
 * stop accepting writes before ttl runs out. Writes go through HAProxy as an application's would.
 */
@Tag("scenario")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdBlipScenariosTest {
  private static final int TTL = 30;
  private static final int LOOP_WAIT = 10;
  private static final int RETRY_TIMEOUT = 10;
  private static final Duration BOOTSTRAP = Duration.ofSeconds(120);
  private static final Duration HEAL = Duration.ofSeconds(120);

  @RegisterExtension
  static final ClusterExtension CLUSTER =
      new ClusterExtension(
          new ClusterSpec(3, true, TTL, LOOP_WAIT, RETRY_TIMEOUT, false, RestApiSecurity.none()));

  private ClusterFixture c;

  @BeforeEach
  void healCluster() {
    c = CLUSTER.cluster();
    if (!c.etcd().isRunning()) {
      c.etcd().start();
    }
    c.waitForHealthyCluster(BOOTSTRAP);
  }

  @Test
  @Order(1)
  void anEtcdBlipShorterThanRetryTimeoutDoesNotTouchThePrimary() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    long postmaster = leader.postmaster().orElseThrow().pid();
    long logBefore = Files.size(leader.log());
    String table = "etcd_blip";
    execute(leader, AckedWriter.createTableSql(table));
    List<Long> acked;
    try (PrimaryCounter counter = new PrimaryCounter(c.nodes());
        AckedWriter writer =
            new AckedWriter(
                    c.haproxyPrimaryUrl(), c.connectionProperties(), table, Duration.ofMillis(20))
                .start()) {
      writer.awaitMoreAcks(30, Duration.ofSeconds(30));
      long stoppedAt = System.nanoTime();
      c.etcd().kill();
      Wait.sleep(Duration.ofSeconds(RETRY_TIMEOUT - 2));
      long startedAt = System.nanoTime();
      c.etcd().start();
      System.out.printf(
          "etcd blip: down for %d ms (retry_timeout %d s)%n",
          (startedAt - stoppedAt) / 1_000_000, RETRY_TIMEOUT);
      // long enough for every cycle that saw the blip, and the one after, to finish
      Wait.sleep(Duration.ofSeconds(LOOP_WAIT + RETRY_TIMEOUT + 2));
      writer.awaitMoreAcks(30, Duration.ofSeconds(10));
      acked = writer.ackedIds();
      assertEquals(List.of(), writer.errors(), "writes failed during the etcd blip");
      AckedWriter.Gap gap = writer.longestGap();
      System.out.printf("etcd blip: longest gap between writes %d ms%n", gap.length().toMillis());
      assertTrue(
          gap.length().compareTo(Duration.ofSeconds(2)) < 0,
          "writes stalled for " + gap.length().toMillis() + " ms");
      assertEquals(
          1, counter.maxSimultaneousPrimaries(), "split brain: " + counter.worstObservation());
    }
    assertEquals(leader.name(), c.leaderName().orElse("none"), "the leader changed");
    assertTrue(leader.reportsRole("primary"), leader.name() + " is no longer primary");
    assertEquals(
        postmaster,
        leader.postmaster().orElseThrow().pid(),
        "PostgreSQL was restarted on the leader");
    String log = logSince(leader, logBefore);
    assertFalse(log.contains("Demoting self"), "the leader demoted:\n" + log);
    assertFalse(log.contains("leader lock was not renewed in time"), "the guard fenced:\n" + log);
    assertTrue(log.contains("Request to server "), "the failed attempts are logged:\n" + log);
    assertFalse(log.contains("maximum number of auto retries"), log);
    try (Connection conn = leader.connect()) {
      assertEquals(List.of(), AckedWriter.missingIds(conn, table, acked));
    }
  }

  @Test
  @Order(2)
  void anOutageLongerThanRetryTimeoutPlusLoopWaitStopsWritesBeforeTtl() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    execute(leader, "CREATE TABLE IF NOT EXISTS etcd_outage (id bigserial PRIMARY KEY)");
    assertTrue(tryWrite(leader), "writes fail before etcd is stopped");
    Duration fenced = null;
    long stoppedAt = System.nanoTime();
    c.etcd().kill();
    long deadline = stoppedAt + Duration.ofSeconds(2L * TTL).toNanos();
    while (System.nanoTime() < deadline) {
      long attempt = System.nanoTime();
      if (!tryWrite(leader)) {
        fenced = Duration.ofNanos(attempt - stoppedAt);
        break;
      }
      Wait.sleep(Duration.ofMillis(200));
    }
    assertTrue(fenced != null, "the primary still accepted writes 2*ttl after etcd stopped");
    System.out.printf(
        "etcd outage: primary stopped accepting writes after %d ms (retry_timeout %d s, ttl %d"
            + " s)%n",
        fenced.toMillis(), RETRY_TIMEOUT, TTL);
    assertTrue(
        fenced.compareTo(Duration.ofSeconds(TTL)) < 0,
        "writes were accepted for " + fenced.toMillis() + " ms, ttl is " + TTL + " s");
    // a DCS problem shorter than retry_timeout is ridden out, so no earlier than that
    assertTrue(
        fenced.compareTo(Duration.ofSeconds(RETRY_TIMEOUT - 1)) > 0,
        "the primary gave up after " + fenced.toMillis() + " ms, retry_timeout " + RETRY_TIMEOUT);
    // stay down past retry_timeout + loop_wait before bringing etcd back
    long downFor = System.nanoTime() - stoppedAt;
    long wanted = Duration.ofSeconds(RETRY_TIMEOUT + LOOP_WAIT + 2).toNanos();
    if (downFor < wanted) {
      Wait.sleep(Duration.ofNanos(wanted - downFor));
    }
    c.etcd().start();
    AgentNode after = c.waitForLeader(Duration.ofSeconds(3L * TTL));
    Wait.until(
        "a write through HAProxy after etcd came back",
        Duration.ofSeconds(2L * TTL),
        () -> tryWrite(c.haproxyPrimaryUrl()));
    c.waitForHealthyCluster(HEAL);
    System.out.printf("etcd outage: recovered with %s as leader%n", after.name());
  }

  // ---------------------------------------------------------------------------------------------

  private String logSince(AgentNode node, long offset) throws IOException {
    byte[] all = Files.readAllBytes(node.log());
    int from = (int) Math.min(offset, all.length);
    return new String(all, from, all.length - from, StandardCharsets.UTF_8);
  }

  private void execute(AgentNode node, String sql) throws SQLException {
    try (Connection conn = node.connect();
        Statement st = conn.createStatement()) {
      st.execute(sql);
    }
  }

  private static boolean tryWrite(AgentNode node) {
    try (Connection conn = node.connect()) {
      return insert(conn);
    } catch (SQLException e) {
      return false;
    }
  }

  private boolean tryWrite(String url) {
    try (Connection conn = java.sql.DriverManager.getConnection(url, c.connectionProperties())) {
      return insert(conn);
    } catch (SQLException e) {
      return false;
    }
  }

  private static boolean insert(Connection conn) throws SQLException {
    try (Statement st = conn.createStatement()) {
      st.setQueryTimeout(1);
      st.executeUpdate("INSERT INTO etcd_outage DEFAULT VALUES");
      return true;
    }
  }
}
