package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #12, failsafe mode on real processes: a three-member etcd, three nodes, HAProxy. etcd
 * members are frozen with SIGSTOP (sockets open, no answers: the worst kind of outage for a client)
 * and continued with SIGCONT. Writes go through HAProxy every 100 ms as an application's would. The
 * rule in force is Patroni's (docs/failsafe.md): the primary stays only while every member of the
 * failsafe key accepts its POST /failsafe.
 */
@Tag("scenario")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailsafeScenariosTest {
  private static final int TTL = 20;
  private static final int LOOP_WAIT = 2;
  private static final int RETRY_TIMEOUT = 5;
  private static final Duration HEAL = Duration.ofSeconds(120);
  private static final Duration WRITE_PAUSE = Duration.ofMillis(100);

  @RegisterExtension
  static final ClusterExtension CLUSTER =
      new ClusterExtension(
          new ClusterSpec(3, true, TTL, LOOP_WAIT, RETRY_TIMEOUT, false, RestApiSecurity.none())
              .withEtcdMembers(3));

  private ClusterFixture c;
  private final List<Long> stoppedAgents = new java.util.ArrayList<>();

  @BeforeEach
  void healCluster() {
    c = CLUSTER.cluster();
    c.etcdMembers().forEach(EtcdProcess::thaw);
    c.waitForHealthyCluster(HEAL);
  }

  @AfterEach
  void thawEverything() {
    c.etcdMembers().forEach(EtcdProcess::thaw);
    stoppedAgents.forEach(pid -> signal(pid, "CONT"));
    stoppedAgents.clear();
  }

  @Test
  @Order(1)
  void failsafeOnAllEtcdMembersFrozenFor3TtlThePrimaryKeepsWriting() throws Exception {
    AgentNode leader = setFailsafe(true);
    Outcome o = freezeEtcdWhileWriting(leader, c.etcdMembers(), "fs_full_outage");
    System.out.printf(
        "failsafe, full etcd outage %d s: %d writes acked, longest gap %d ms, %d errors%n",
        3 * TTL, o.acks, o.gap.toMillis(), o.errors.size());
    assertEquals(List.of(), o.errors, "writes failed during the etcd outage");
    assertTrue(
        o.gap.compareTo(Duration.ofSeconds(2)) < 0, "writes stalled for " + o.gap.toMillis());
    assertStillTheSamePrimary(leader, o);
    assertTrue(
        o.log.contains(
            "continue to run as a leader because failsafe mode is enabled and all members are"
                + " accessible"),
        o.log);
    assertTrue(o.log.contains("Got response from "), "the calls are logged:\n" + o.log);
  }

  @Test
  @Order(2)
  void failsafeOnQuorumLossIsTheSameAsAFullOutage() throws Exception {
    AgentNode leader = setFailsafe(true);
    // two of three frozen: the third still answers, but has no leader and no quorum
    List<EtcdProcess> two = c.etcdMembers().subList(1, 3);
    Outcome o = freezeEtcdWhileWriting(leader, two, "fs_quorum_loss");
    System.out.printf(
        "failsafe, etcd quorum loss %d s: %d writes acked, longest gap %d ms, %d errors%n",
        3 * TTL, o.acks, o.gap.toMillis(), o.errors.size());
    assertEquals(List.of(), o.errors, "writes failed during the quorum loss");
    assertTrue(
        o.gap.compareTo(Duration.ofSeconds(2)) < 0, "writes stalled for " + o.gap.toMillis());
    assertStillTheSamePrimary(leader, o);
    assertFalse(
        o.log.contains("failed to update leader lock in DCS"),
        "quorum loss was taken for a lost lock:\n" + o.log);
    assertTrue(o.log.contains("continue to run as a leader because failsafe mode"), o.log);
  }

  @Test
  @Order(3)
  void oneEtcdMemberFrozenIsRiddenOutWithinRetryTimeout() throws Exception {
    AgentNode leader = setFailsafe(false);
    // the raft leader is the hardest member to lose: etcd itself must elect another one
    EtcdProcess victim = raftLeader().orElse(c.etcdMembers().get(0));
    execute(leader, AckedWriter.createTableSql("fs_one_member"));
    List<Long> logSizes = logSizes();
    Outcome o;
    try (PrimaryCounter counter = new PrimaryCounter(c.nodes());
        AckedWriter writer = writer("fs_one_member").start()) {
      writer.awaitMoreAcks(20, Duration.ofSeconds(30));
      victim.freeze();
      Wait.sleep(Duration.ofSeconds(2L * TTL));
      victim.thaw();
      Wait.sleep(Duration.ofSeconds(LOOP_WAIT + RETRY_TIMEOUT));
      writer.awaitMoreAcks(20, Duration.ofSeconds(10));
      o =
          new Outcome(
              writer.ackCount(),
              writer.errors(),
              writer.longestGap().length(),
              counter.maxSimultaneousPrimaries(),
              counter.worstObservation(),
              logSince(leader, logSizes.get(c.nodes().indexOf(leader))),
              leader.postmaster().orElseThrow().pid());
    }
    System.out.printf(
        "one etcd member (%s) frozen %d s: %d writes acked, longest gap %d ms%n",
        victim.log().getParent().getFileName(), 2 * TTL, o.acks, o.gap.toMillis());
    assertEquals(List.of(), o.errors);
    assertEquals(1, o.primaries, "split brain: " + o.worst);
    assertEquals(leader.name(), c.leaderName().orElse("none"));
    // every DCS operation finished within retry_timeout on another member, on every node
    for (int i = 0; i < c.nodes().size(); i++) {
      String log = logSince(c.nodes().get(i), logSizes.get(i));
      assertFalse(
          log.contains("Error communicating with DCS"),
          c.nodes().get(i).name() + " saw a DCS error:\n" + log);
      assertFalse(log.contains("Demoting self"), log);
    }
  }

  @Test
  @Order(4)
  void failsafeOnEtcdDownAndOneReplicaStoppedThePrimaryDemotes() throws Exception {
    AgentNode leader = setFailsafe(true);
    AgentNode replica = c.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    execute(leader, "CREATE TABLE IF NOT EXISTS fs_demote (id bigserial PRIMARY KEY)");
    long agentPid = replica.agentPid().orElseThrow();
    signal(agentPid, "STOP");
    stoppedAgents.add(agentPid);
    long stoppedAt = System.nanoTime();
    c.etcdMembers().forEach(EtcdProcess::freeze);
    Duration fenced = firstFailedWrite(leader, stoppedAt, Duration.ofSeconds(2L * TTL));
    System.out.printf(
        "failsafe, etcd down and %s stopped: the primary stopped accepting writes after %d ms%n",
        replica.name(), fenced == null ? -1 : fenced.toMillis());
    assertTrue(fenced != null, "the primary still accepted writes 2*ttl into the outage");
    assertTrue(
        fenced.compareTo(Duration.ofSeconds(TTL)) < 0,
        "writes were accepted for " + fenced.toMillis() + " ms, ttl is " + TTL + " s");
    Wait.until(
        leader.name() + " to log its demotion",
        Duration.ofSeconds(TTL),
        () ->
            read(leader).contains("demoted self because DCS is not accessible and I was a leader"));
    assertTrue(
        read(leader).contains("Request failed to " + replica.name() + ": POST "),
        "the failed call is logged");
  }

  @Test
  @Order(5)
  void failsafeOffThePrimaryStopsAcceptingWritesBeforeTtl() throws Exception {
    AgentNode leader = setFailsafe(false);
    execute(leader, "CREATE TABLE IF NOT EXISTS fs_demote (id bigserial PRIMARY KEY)");
    long stoppedAt = System.nanoTime();
    c.etcdMembers().forEach(EtcdProcess::freeze);
    Duration fenced = firstFailedWrite(leader, stoppedAt, Duration.ofSeconds(2L * TTL));
    System.out.printf(
        "failsafe off, etcd down: the primary stopped accepting writes after %d ms (ttl %d s)%n",
        fenced == null ? -1 : fenced.toMillis(), TTL);
    assertTrue(fenced != null, "the primary still accepted writes 2*ttl into the outage");
    assertTrue(
        fenced.compareTo(Duration.ofSeconds(TTL)) < 0,
        "writes were accepted for " + fenced.toMillis() + " ms, ttl is " + TTL + " s");
  }

  // ---------------------------------------------------------------------------------------------

  private record Outcome(
      int acks,
      List<String> errors,
      Duration gap,
      int primaries,
      String worst,
      String log,
      long postmasterPid) {}

  /**
   * Freezes {@code members} for 3 x ttl while a client writes through HAProxy, continues them and
   * waits until the leader key is back; the outcome covers the whole time.
   */
  private Outcome freezeEtcdWhileWriting(AgentNode leader, List<EtcdProcess> members, String table)
      throws Exception {
    execute(leader, AckedWriter.createTableSql(table));
    long logSize = Files.size(leader.log());
    List<Long> sizes = logSizes();
    try (PrimaryCounter counter = new PrimaryCounter(c.nodes());
        AckedWriter writer = writer(table).start()) {
      writer.awaitMoreAcks(20, Duration.ofSeconds(30));
      long frozenAt = System.nanoTime();
      members.forEach(EtcdProcess::freeze);
      Wait.sleep(Duration.ofSeconds(3L * TTL));
      members.forEach(EtcdProcess::thaw);
      long thawedAt = System.nanoTime();
      String back =
          Wait.forValue(
              "the leader key after etcd returned",
              Duration.ofSeconds(3L * TTL),
              () -> {
                try {
                  return c.leaderName();
                } catch (RuntimeException e) {
                  return Optional.empty();
                }
              });
      System.out.printf(
          "etcd frozen for %d ms; leader key %s back %d ms after SIGCONT%n",
          (thawedAt - frozenAt) / 1_000_000, back, (System.nanoTime() - thawedAt) / 1_000_000);
      Wait.sleep(Duration.ofSeconds(2L * LOOP_WAIT + RETRY_TIMEOUT));
      writer.awaitMoreAcks(20, Duration.ofSeconds(10));
      try (Connection conn = leader.connect()) {
        assertEquals(List.of(), AckedWriter.missingIds(conn, table, writer.ackedIds()));
      }
      // the replicas read a missing key as the leader that called them: none of them raced
      for (int i = 0; i < c.nodes().size(); i++) {
        AgentNode n = c.nodes().get(i);
        if (n != leader) {
          String log = logSince(n, sizes.get(i));
          assertFalse(log.contains("Could not take out TTL lock"), n.name() + " raced:\n" + log);
          assertFalse(log.contains("promoted self"), n.name() + " promoted:\n" + log);
          assertTrue(
              log.contains("following a leader (" + leader.name() + ")"),
              n.name() + " does not follow " + leader.name() + ":\n" + log);
        }
      }
      return new Outcome(
          writer.ackCount(),
          writer.errors(),
          writer.longestGap().length(),
          counter.maxSimultaneousPrimaries(),
          counter.worstObservation(),
          logSince(leader, logSize),
          leader.postmaster().orElseThrow().pid());
    }
  }

  private void assertStillTheSamePrimary(AgentNode leader, Outcome o) {
    assertEquals(1, o.primaries, "split brain: " + o.worst);
    assertEquals(leader.name(), c.leaderName().orElse("none"), "the leader changed");
    assertTrue(leader.reportsRole("primary"), leader.name() + " is no longer primary");
    assertFalse(o.log.contains("Demoting self"), "the leader demoted:\n" + o.log);
    assertFalse(o.log.contains("leader lock was not renewed in time"), "guard fenced:\n" + o.log);
    // every replica still follows it, without a restart of the cluster
    c.waitForHealthyCluster(HEAL);
    assertEquals(leader.name(), c.leaderName().orElse("none"));
  }

  /** Turns failsafe_mode on or off and waits until every agent acts on it; returns the leader. */
  private AgentNode setFailsafe(boolean on) throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    HttpResponse<String> r =
        AgentNode.httpClient(null)
            .send(
                HttpRequest.newBuilder(leader.restUri("/config"))
                    .timeout(Duration.ofSeconds(30))
                    .method(
                        "PATCH",
                        HttpRequest.BodyPublishers.ofString("{\"failsafe_mode\": " + on + "}"))
                    .header("Content-Type", "application/json")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    if (on) {
      Wait.until(
          "the failsafe key to list every member",
          Duration.ofSeconds(30),
          () -> {
            String fs = c.kv().get(c.dcsPrefix() + "failsafe").orElse("");
            return c.nodes().stream().allMatch(n -> fs.contains("\"" + n.name() + "\""));
          });
    }
    // every agent rereads the config key within a cycle
    Wait.sleep(Duration.ofSeconds(2L * LOOP_WAIT + 1));
    return leader;
  }

  private AckedWriter writer(String table) {
    return new AckedWriter(c.haproxyPrimaryUrl(), c.connectionProperties(), table, WRITE_PAUSE);
  }

  /** Direct writes to the node every 100 ms until one fails; the time from {@code since}. */
  private Duration firstFailedWrite(AgentNode node, long since, Duration limit) {
    long deadline = since + limit.toNanos();
    while (System.nanoTime() < deadline) {
      long attempt = System.nanoTime();
      if (!tryWrite(node)) {
        return Duration.ofNanos(attempt - since);
      }
      Wait.sleep(WRITE_PAUSE);
    }
    return null;
  }

  private Optional<EtcdProcess> raftLeader() {
    for (EtcdProcess m : c.etcdMembers()) {
      try {
        HttpResponse<String> r =
            java.net.http.HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create(m.endpoint() + "/v3/maintenance/status"))
                        .timeout(Duration.ofSeconds(2))
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
        if (json.path("leader").asText().equals(json.path("header").path("member_id").asText())) {
          return Optional.of(m);
        }
      } catch (IOException e) {
        // try the next member
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  private List<Long> logSizes() throws IOException {
    List<Long> sizes = new java.util.ArrayList<>();
    for (AgentNode n : c.nodes()) {
      sizes.add(Files.size(n.log()));
    }
    return sizes;
  }

  private static void signal(long pid, String sig) {
    try {
      Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start();
      p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String read(AgentNode node) {
    try {
      return Files.readString(node.log(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static String logSince(AgentNode node, long offset) throws IOException {
    byte[] all = Files.readAllBytes(node.log());
    int from = (int) Math.min(offset, all.length);
    return new String(all, from, all.length - from, StandardCharsets.UTF_8);
  }

  private static void execute(AgentNode node, String sql) throws SQLException {
    try (Connection conn = node.connect();
        Statement st = conn.createStatement()) {
      st.execute(sql);
    }
  }

  private static boolean tryWrite(AgentNode node) {
    try (Connection conn = node.connect();
        Statement st = conn.createStatement()) {
      st.setQueryTimeout(1);
      st.executeUpdate("INSERT INTO fs_demote DEFAULT VALUES");
      return true;
    } catch (SQLException e) {
      return false;
    }
  }
}
