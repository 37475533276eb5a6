package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #11 on real PostgreSQL 15 and etcd: synchronous_mode switched on and off with hactl
 * edit-config (no restart), the safe order of synchronous_standby_names and the sync key, strict
 * and non-strict behaviour with both replicas gone, replacement of a standby whose replay is paused
 * past maximum_lag_on_syncnode, the nosync and sync_priority tags, and quorum commit. The steps
 * share one three-node cluster and run in order.
 */
@Tag("scenario")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SyncReplicationScenarioTest {
  private static final Duration HEAL = Duration.ofSeconds(120);
  private static final Duration SETTLE = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PLACEHOLDER = "FIRST 1 (\"__hagent_strict_no_sync_standby__\")";

  @RegisterExtension
  static final ClusterExtension CLUSTER = new ClusterExtension(ClusterSpec.threeNodes());

  @Test
  @Order(1)
  void onPublishesTheStandbyOnlyAfterPostgresqlReportsItSync() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    long logFrom = Files.size(leader.log());
    hactl("edit-config", "-s", "synchronous_mode=true", "--force");
    String sync = waitForSyncStandby(leader);
    AgentNode syncNode = c.node(sync);
    AgentNode asyncNode = other(leader, syncNode);
    assertEquals("FIRST 1 (\"" + sync + "\")", standbyNames(leader));
    assertEquals("sync", syncState(leader, sync));
    Wait.until("/sync on " + sync, SETTLE, () -> syncNode.healthCode("/sync") == 200);
    assertEquals(200, syncNode.healthCode("/synchronous"));
    assertEquals(503, syncNode.healthCode("/async"));
    assertEquals(200, syncNode.healthCode("/read-only-sync"));
    assertEquals(200, asyncNode.healthCode("/async"));
    assertEquals(200, asyncNode.healthCode("/asynchronous"));
    assertEquals(503, asyncNode.healthCode("/sync"));
    assertEquals(503, asyncNode.healthCode("/read-only-sync"));
    assertTrue(syncNode.status().orElseThrow().path("sync_standby").asBoolean());
    assertTrue(metrics(syncNode).contains("patroni_sync_standby{scope=\"" + c.scope()));
    assertTrue(metrics(syncNode).contains("\"} 1"), metrics(syncNode));
    JsonNode list = JSON.readTree(hactl("list", "-f", "json"));
    boolean listed = false;
    for (JsonNode m : list) {
      if (m.path("Member").asText().equals(sync)) {
        assertEquals("Sync Standby", m.path("Role").asText(), list.toString());
        listed = true;
      }
    }
    assertTrue(listed, list.toString());
    String log = tail(leader.log(), logFrom);
    int assigning = log.indexOf("Assigning synchronous standby status to ['" + sync + "']");
    int assigned = log.indexOf("Synchronous standby status assigned to ['" + sync + "']");
    assertTrue(assigning >= 0 && assigned > assigning, "the setting first, then the key:\n" + log);
    assertTrue(log.contains("Enabled synchronous replication"), log);
  }

  @Test
  @Order(2)
  void onlyTheSynchronousStandbyTakesOverAndSwitchoverRefusesTheOther() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    AgentNode syncNode = c.node(waitForSyncStandby(leader));
    AgentNode asyncNode = other(leader, syncNode);
    Hactl.Result refused =
        run("switchover", "--leader", leader.name(), "--candidate", asyncNode.name(), "--force");
    assertEquals(1, refused.exitCode(), refused.toString());
    assertEquals(leader.name(), c.leaderName().orElseThrow());
    commitAsync(leader, "before-crash").get(10, TimeUnit.SECONDS);
    leader.crash();
    AgentNode next = c.waitForLeader(HEAL);
    assertEquals(syncNode.name(), next.name(), "the synchronous standby takes over");
    assertEquals(1, count(next, "before-crash"), "the acknowledged commit survived");
    leader.start();
    c.waitForHealthyCluster(HEAL);
    waitForSyncStandby(next);
  }

  @Test
  @Order(3)
  void nonStrictDegradesToAsynchronousWhenNoStandbyIsLeft() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    List<AgentNode> replicas = others(leader);
    // the synchronous standby stops first: it asks the primary to release it before it goes
    AgentNode sync = c.node(waitForSyncStandby(leader));
    AgentNode async = other(leader, sync);
    assertTrue(sync.stopAgent(Duration.ofSeconds(60)), sync.name() + " stopped");
    assertTrue(
        Files.readString(sync.log()).contains("Released from synchronous standby"),
        sync.name() + " was released before stopping");
    assertEquals(
        async.name(), waitForSyncStandby(leader), "the other replica took the synchronous place");
    assertTrue(async.stopAgent(Duration.ofSeconds(60)), async.name() + " stopped");
    Wait.until(
        "the sync key to show no synchronous standby",
        SETTLE,
        () -> syncKey().map(k -> k.path("sync_standby").isNull()).orElse(false));
    Wait.until(
        "synchronous_standby_names to be cleared", SETTLE, () -> standbyNames(leader).isEmpty());
    assertEquals(leader.name(), syncKey().orElseThrow().path("leader").asText());
    // asynchronous now: a commit returns without any standby
    CompletableFuture<Void> commit = commitAsync(leader, "degraded");
    commit.get(10, TimeUnit.SECONDS);
    replicas.forEach(AgentNode::start);
    c.waitForHealthyCluster(HEAL);
    waitForSyncStandby(leader);
  }

  @Test
  @Order(4)
  void strictMakesCommitsWaitUntilAReplicaIsBack() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    hactl("edit-config", "-s", "synchronous_mode_strict=true", "--force");
    waitForSyncStandby(leader);
    List<AgentNode> replicas = others(leader);
    for (AgentNode r : replicas) {
      assertTrue(r.stopAgent(Duration.ofSeconds(60)), r.name() + " stopped");
    }
    Wait.until(
        "strict mode to wait for a member nobody else can impersonate",
        SETTLE,
        () -> PLACEHOLDER.equals(standbyNames(leader)));
    assertFalse(standbyNames(leader).contains("*"));
    // a walsender that is not a member (pg_receivewal would be one) must not release the commit
    CompletableFuture<Void> commit = commitAsync(leader, "strict");
    Thread.sleep(5000);
    assertFalse(commit.isDone(), "a commit must wait while no synchronous standby is available");
    replicas.get(0).start();
    commit.get(120, TimeUnit.SECONDS);
    assertEquals(1, count(leader, "strict"), "the commit is there once acknowledged");
    replicas.get(1).start();
    c.waitForHealthyCluster(HEAL);
    hactl("edit-config", "-s", "synchronous_mode_strict=false", "--force");
  }

  @Test
  @Order(5)
  void aStandbyWhoseReplayIsPausedPastTheLagLimitIsReplaced() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    hactl(
        "edit-config",
        "-s",
        "maximum_lag_on_syncnode=1048576",
        "-p",
        "synchronous_commit=remote_apply",
        "--force");
    Wait.until(
        "synchronous_commit remote_apply on the leader",
        SETTLE,
        () -> "remote_apply".equals(setting(leader, "synchronous_commit")));
    String before = waitForSyncStandby(leader);
    AgentNode paused = c.node(before);
    try (Connection conn = paused.connect();
        Statement st = conn.createStatement()) {
      st.execute("SELECT pg_wal_replay_pause()");
    }
    try {
      // WAL grows; the session does not wait for the paused standby's apply
      try (Connection conn = leader.connect();
          Statement st = conn.createStatement()) {
        st.execute("SET synchronous_commit = local");
        st.execute("CREATE TABLE IF NOT EXISTS lag_fill (x text)");
        st.execute("INSERT INTO lag_fill SELECT repeat('x', 1000) FROM generate_series(1, 4000)");
      }
      String after =
          Wait.forValue(
              "the sync key to name another standby",
              SETTLE,
              () -> syncStandby().filter(s -> !s.equals(before)));
      assertEquals("FIRST 1 (\"" + after + "\")", standbyNames(leader));
    } finally {
      try (Connection conn = paused.connect();
          Statement st = conn.createStatement()) {
        st.execute("SELECT pg_wal_replay_resume()");
      }
    }
    hactl(
        "edit-config",
        "-s",
        "maximum_lag_on_syncnode=null",
        "-s",
        "postgresql.parameters.synchronous_commit=null",
        "--force");
  }

  @Test
  @Order(6)
  void nosyncIsNeverChosenAndSyncPriorityDecides() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    String sync = waitForSyncStandby(leader);
    AgentNode was = c.node(sync);
    AgentNode next = other(leader, was);
    setTag(was, "nosync", "true");
    Wait.until(
        "the nosync member to be replaced by " + next.name(),
        SETTLE,
        () ->
            syncStandby().map(next.name()::equals).orElse(false)
                && ("FIRST 1 (\"" + next.name() + "\")").equals(standbyNames(leader)));
    setTag(was, "nosync", null);
    // equal otherwise, the higher sync_priority wins the place back
    setTag(was, "sync_priority", "5");
    Wait.until(
        "sync_priority 5 to make " + was.name() + " synchronous again",
        SETTLE,
        () -> syncStandby().map(was.name()::equals).orElse(false));
    setTag(was, "sync_priority", null);
  }

  @Test
  @Order(7)
  void quorumCommitListsEveryVoter() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    long logFrom = Files.size(leader.log());
    hactl(
        "edit-config",
        "-s",
        "synchronous_mode=quorum",
        "-s",
        "synchronous_node_count=2",
        "--force");
    List<AgentNode> replicas = others(leader);
    List<String> names = replicas.stream().map(AgentNode::name).sorted().toList();
    String expected = "ANY 2 (\"" + names.get(0) + "\",\"" + names.get(1) + "\")";
    Wait.until("ANY 2 on the leader", SETTLE, () -> expected.equals(standbyNames(leader)));
    Wait.until(
        "the sync key to list both voters with quorum 0",
        SETTLE,
        () ->
            syncKey()
                .map(
                    k ->
                        (names.get(0) + "," + names.get(1)).equals(k.path("sync_standby").asText())
                            && k.path("quorum").asInt() == 0)
                .orElse(false));
    for (AgentNode r : replicas) {
      Wait.until("/quorum on " + r.name(), SETTLE, () -> r.healthCode("/quorum") == 200);
      assertEquals(503, r.healthCode("/sync"));
      assertEquals(200, r.healthCode("/read-only-quorum"));
      assertTrue(r.status().orElseThrow().path("quorum_standby").asBoolean());
    }
    String log = tail(leader.log(), logFrom);
    assertTrue(log.contains("Setting synchronous replication to 2 of 2"), log);
  }

  @Test
  @Order(8)
  void quorumFailoverNeedsEnoughVoters() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    hactl("edit-config", "-s", "synchronous_node_count=1", "--force");
    List<AgentNode> replicas = others(leader);
    List<String> names = replicas.stream().map(AgentNode::name).sorted().toList();
    Wait.until(
        "ANY 1 of both replicas with quorum 1 in the key",
        SETTLE,
        () ->
            ("ANY 1 (\"" + names.get(0) + "\",\"" + names.get(1) + "\")")
                    .equals(standbyNames(leader))
                && syncKey()
                    .map(
                        k ->
                            k.path("quorum").asInt() == 1
                                && (names.get(0) + "," + names.get(1))
                                    .equals(k.path("sync_standby").asText()))
                    .orElse(false));
    commitAsync(leader, "quorum").get(10, TimeUnit.SECONDS);
    AgentNode alone = replicas.get(0);
    AgentNode away = replicas.get(1);
    // Both crash, the leader's agent first: a voter that stops cleanly asks to be released first,
    // and the primary
    // then shrinks the quorum to the other voter (correctly: its commits are all there), which
    // is not the case under test.
    leader.killAgent(); // first, so the quorum in the key stays as it is
    away.crash();
    leader.killPostmaster();
    // a commit may be on the crashed voter only: one voter alone must not promote
    long until = System.nanoTime() + Duration.ofSeconds(35).toNanos();
    while (System.nanoTime() < until) {
      assertTrue(c.primaries().isEmpty(), alone.name() + " promoted without a quorum of voters");
      Thread.sleep(500);
    }
    assertTrue(
        Files.readString(alone.log()).contains("Not enough synchronous quorum votes: 0 of 1"),
        alone.name() + " says why it does not promote");
    away.start();
    AgentNode next = c.waitForLeader(HEAL);
    assertTrue(replicas.contains(next), "a voter took over: " + next.name());
    assertEquals(1, count(next, "quorum"), "the acknowledged commit survived");
    leader.start();
    c.waitForHealthyCluster(HEAL);
  }

  @Test
  @Order(9)
  void offClearsTheSettingAndDeletesTheKeyWithoutARestart() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    long started = leader.postmaster().orElseThrow().pid();
    hactl(
        "edit-config",
        "-s",
        "synchronous_mode=false",
        "-s",
        "synchronous_node_count=null",
        "--force");
    Wait.until("the sync key to be deleted", SETTLE, () -> syncKey().isEmpty());
    Wait.until("synchronous_standby_names cleared", SETTLE, () -> standbyNames(leader).isEmpty());
    for (AgentNode r : others(leader)) {
      Wait.until("/async on " + r.name(), SETTLE, () -> r.healthCode("/async") == 200);
      assertEquals(503, r.healthCode("/sync"));
      assertEquals(503, r.healthCode("/quorum"));
    }
    assertEquals(started, leader.postmaster().orElseThrow().pid(), "no restart");
    commitAsync(leader, "off").get(10, TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------- helpers

  private static List<AgentNode> others(AgentNode leader) {
    return CLUSTER.cluster().nodes().stream().filter(n -> n != leader).toList();
  }

  private static AgentNode other(AgentNode leader, AgentNode not) {
    return others(leader).stream().filter(n -> n != not).findFirst().orElseThrow();
  }

  /** Waits until the sync key names this leader and one standby; returns the standby. */
  private static String waitForSyncStandby(AgentNode leader) {
    return Wait.forValue(
        "the sync key to name a synchronous standby of " + leader.name(),
        SETTLE,
        () ->
            syncKey()
                .filter(k -> leader.name().equals(k.path("leader").asText()))
                .flatMap(k -> syncStandby()));
  }

  private static Optional<String> syncStandby() {
    return syncKey()
        .map(k -> k.path("sync_standby"))
        .filter(n -> !n.isNull() && !n.isMissingNode() && !n.asText().isEmpty())
        .map(JsonNode::asText);
  }

  private static Optional<JsonNode> syncKey() {
    ClusterFixture c = CLUSTER.cluster();
    return c.etcd()
        .kv()
        .get(c.dcsPrefix() + "sync")
        .map(
            s -> {
              try {
                return JSON.readTree(s);
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
  }

  private static String standbyNames(AgentNode n) {
    return setting(n, "synchronous_standby_names");
  }

  private static String setting(AgentNode n, String name) {
    try (Connection conn = n.connect();
        Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT current_setting('" + name + "')")) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      return "<" + e.getMessage() + ">";
    }
  }

  private static String syncState(AgentNode leader, String standby) throws SQLException {
    try (Connection conn = leader.connect();
        Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT sync_state FROM pg_stat_replication WHERE application_name = '"
                    + standby
                    + "'")) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /** One INSERT committed on {@code n} in its own thread and connection. */
  private static CompletableFuture<Void> commitAsync(AgentNode n, String tag) {
    return CompletableFuture.runAsync(
        () -> {
          // no socket timeout: in strict mode this commit is meant to wait for a long time
          java.util.Properties p = AgentNode.connectionProperties(CLUSTER.cluster().credentials());
          p.setProperty("socketTimeout", "0");
          try (Connection conn = java.sql.DriverManager.getConnection(n.jdbcUrl(), p);
              Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS sync_probe (tag text)");
            st.execute("INSERT INTO sync_probe VALUES ('" + tag + "')");
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private static int count(AgentNode n, String tag) throws SQLException {
    try (Connection conn = n.connect();
        Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT count(*) FROM sync_probe WHERE tag = '" + tag + "'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static String metrics(AgentNode n) throws Exception {
    HttpResponse<String> r =
        AgentNode.httpClient(null)
            .send(
                HttpRequest.newBuilder(n.restUri("/metrics"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.body()
        .lines()
        .filter(l -> l.startsWith("patroni_sync_standby"))
        .findFirst()
        .orElse("");
  }

  /** Edits the node's YAML tags (null removes the tag) and reloads it, as an operator would. */
  private static void setTag(AgentNode n, String tag, String value) throws Exception {
    Path file = n.config().configFile();
    String yaml = Files.readString(file).replaceAll("\n  " + tag + ": [^\n]*", "");
    if (value != null) {
      yaml = yaml.replace("\ntags:\n", "\ntags:\n  " + tag + ": " + value + "\n");
    }
    Files.writeString(file, yaml);
    HttpResponse<String> r =
        AgentNode.httpClient(null)
            .send(
                HttpRequest.newBuilder(n.restUri("/reload"))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(202, r.statusCode(), r.body());
  }

  private static String tail(Path log, long from) throws IOException {
    byte[] all = Files.readAllBytes(log);
    return new String(
        all,
        (int) Math.min(from, all.length),
        (int) Math.max(0, all.length - from),
        StandardCharsets.UTF_8);
  }

  /** Runs hactl; fails the test unless it exits 0. */
  private static String hactl(String... args) {
    Hactl.Result r = run(args);
    assertEquals(0, r.exitCode(), r.toString());
    return r.out();
  }

  /** Runs {@code java -jar hactl.jar -c node1.yml ARGS} through the shared {@link Hactl}. */
  private static Hactl.Result run(String... args) {
    try {
      return Hactl.run(CLUSTER.cluster(), args);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
