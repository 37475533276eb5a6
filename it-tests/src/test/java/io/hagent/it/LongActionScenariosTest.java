package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Long actions run in the background while the HA loop keeps cycling (issue #10): a leader whose
 * PostgreSQL restart takes longer than ttl keeps its lock and nobody else promotes; a replica being
 * cloned answers GET /patroni at once with "creating replica"; in pause, a replica whose postmaster
 * was killed says "stopped" and leaves /replica. PostgreSQL, etcd and the agents are real; the
 * node's bin_dir is a copy of PostgreSQL's where pg_ctl and pg_basebackup first sleep when a marker
 * file in the node's directory asks them to (a slow crash recovery, a large database).
 */
@Tag("scenario")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LongActionScenariosTest {
  private static final Duration HEAL = Duration.ofSeconds(120);
  private static final Path WRAPPED_BIN = wrappedBinDir();

  @RegisterExtension
  static final ClusterExtension CLUSTER =
      new ClusterExtension(
          ClusterSpec.threeNodes().withNodes(2).withBinDir(WRAPPED_BIN.toString()));

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private ClusterFixture c;

  @BeforeEach
  void heal() {
    c = CLUSTER.cluster();
    for (AgentNode n : c.nodes()) {
      if (!n.isAgentRunning()) {
        n.start();
      }
    }
  }

  @AfterAll
  static void removeWrapper() throws IOException {
    try (Stream<Path> files = Files.list(WRAPPED_BIN)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(WRAPPED_BIN);
  }

  @Test
  @Order(1)
  void leaderRestartLongerThanTtlKeepsTheLockAndNobodyElsePromotes() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    AgentNode replica = c.replicas().get(0);
    int slow = c.spec().ttl() + 8;
    marker(leader, "slow-start", slow);
    try {
      long t0 = System.nanoTime();
      CompletableFuture<HttpResponse<String>> restart =
          HTTP.sendAsync(
              HttpRequest.newBuilder(leader.restUri("/restart"))
                  .POST(HttpRequest.BodyPublishers.ofString("{}"))
                  .timeout(Duration.ofSeconds(slow + 60))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      boolean sawRestarting = false;
      while (!restart.isDone()) {
        assertEquals(
            java.util.Optional.of(leader.name()), c.leaderName(), "the leader key stays with us");
        assertFalse(replica.reportsRole("primary"), "the replica must not promote");
        String state = leader.status().map(s -> s.path("state").asText()).orElse("");
        sawRestarting |= state.equals("restarting");
        Thread.sleep(500);
      }
      long took = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
      HttpResponse<String> answer = restart.get();
      assertEquals(200, answer.statusCode(), answer.body());
      assertEquals("restarted successfully", answer.body());
      assertTrue(took > c.spec().ttl(), "the restart took " + took + " s, longer than ttl");
      assertTrue(sawRestarting, "GET /patroni showed state restarting during the restart");
      assertEquals(java.util.Optional.of(leader.name()), c.leaderName());
      assertTrue(log(leader).contains("updated leader lock during restart"), "log says why");
      assertFalse(log(replica).contains("promoted self to leader"), "nobody else promoted");
    } finally {
      Files.deleteIfExists(leader.config().dataDir().getParent().resolve("slow-start"));
    }
    c.waitForHealthyCluster(HEAL);
  }

  @Test
  @Order(2)
  void aReplicaBeingClonedAnswersAtOnceWithCreatingReplica() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    AgentNode replica = c.replicas().get(0);
    marker(replica, "slow-basebackup", 15);
    try {
      HttpResponse<String> reinit =
          HTTP.send(
              HttpRequest.newBuilder(replica.restUri("/reinitialize"))
                  .POST(HttpRequest.BodyPublishers.ofString("{}"))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, reinit.statusCode(), reinit.body());
      Wait.until(
          replica.name() + " to report creating replica",
          Duration.ofSeconds(30),
          () ->
              replica
                  .status()
                  .map(s -> s.path("state").asText().equals("creating replica"))
                  .orElse(false));
      List<Long> millis = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        long t0 = System.nanoTime();
        String state = replica.status().map(s -> s.path("state").asText()).orElse("?");
        millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        assertEquals("creating replica", state);
        Thread.sleep(100);
      }
      long worst = millis.stream().mapToLong(Long::longValue).max().orElseThrow();
      System.out.println("GET /patroni while cloning, ms: " + millis);
      assertTrue(worst < 50, "GET /patroni took " + worst + " ms while cloning: " + millis);
      assertTrue(
          log(replica).contains("bootstrap from leader '" + leader.name() + "' in progress"),
          "the loop kept cycling and said so");
    } finally {
      Files.deleteIfExists(replica.config().dataDir().getParent().resolve("slow-basebackup"));
    }
    c.waitForHealthyCluster(HEAL);
  }

  @Test
  @Order(3)
  void inPauseAReplicaWhosePostmasterDiedIsStoppedAndLeavesReplicaChecks() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    AgentNode replica = c.replicas().get(0);
    patchConfig(leader, "{\"pause\": true}");
    try {
      Wait.until(
          "both nodes to see the pause",
          Duration.ofSeconds(30),
          () ->
              c.nodes().stream()
                  .allMatch(n -> n.status().map(s -> s.path("pause").asBoolean()).orElse(false)));
      assertEquals(200, replica.healthCode("/replica"));
      replica.killPostmaster();
      Wait.until(
          replica.name() + " to say stopped and leave /replica",
          Duration.ofSeconds(20),
          () ->
              replica.healthCode("/replica") == 503
                  && replica
                      .status()
                      .map(s -> s.path("state").asText())
                      .orElse("")
                      .equals("stopped")
                  && c.members()
                      .getOrDefault(replica.name(), "")
                      .contains("\"state\":\"stopped\""));
      assertFalse(replica.postmaster().isPresent(), "pause: the agent did not restart PostgreSQL");
    } finally {
      patchConfig(leader, "{\"pause\": false}");
    }
    c.waitForHealthyCluster(HEAL);
  }

  /**
   * Issue #12: a primary busy with a background task (a restart whose pg_ctl stop waits, as behind
   * a long shutdown checkpoint; PostgreSQL still runs as primary) when etcd freezes, with
   * failsafe_mode on. Patroni's DCS-error path asks the failsafe members whatever its async
   * executor does; so does hagent: the replica accepts and the primary stays writable through the
   * outage (before, the busy primary demoted once a DCS read had failed for retry_timeout), then
   * the restart completes on the same leader. The outage is shorter than ttl, so the leader key is
   * still there when etcd returns; a busy leader whose key expired meanwhile demotes, as Patroni's
   * handle_long_action_in_progress does (docs/failsafe.md). pg_ctl stop is given 30 s by the agent,
   * so the wait stays below that.
   */
  @Test
  @Order(4)
  void withFailsafeABusyPrimaryStaysWritableWhileEtcdIsFrozen() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    int ttl = c.spec().ttl();
    patchConfig(leader, "{\"failsafe_mode\": true}");
    Path slowStop = leader.config().dataDir().getParent().resolve("slow-stop");
    try {
      Wait.until(
          "the failsafe key to list every member",
          Duration.ofSeconds(30),
          () -> {
            String fs = c.kv().get(c.dcsPrefix() + "failsafe").orElse("");
            return c.nodes().stream().allMatch(n -> fs.contains("\"" + n.name() + "\""));
          });
      Wait.sleep(Duration.ofSeconds(2L * c.spec().loopWait() + 1)); // every agent saw the mode
      try (var conn = leader.connect();
          var st = conn.createStatement()) {
        st.execute("CREATE TABLE IF NOT EXISTS busy_failsafe (id serial PRIMARY KEY)");
      }
      int frozenFor = ttl - 5;
      marker(leader, "slow-stop", frozenFor + 10);
      CompletableFuture<HttpResponse<String>> restart =
          HTTP.sendAsync(
              HttpRequest.newBuilder(leader.restUri("/restart"))
                  .POST(HttpRequest.BodyPublishers.ofString("{}"))
                  .timeout(Duration.ofSeconds(frozenFor + 120))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      Wait.until(
          leader.name() + " to be busy restarting",
          Duration.ofSeconds(30),
          () ->
              leader
                  .status()
                  .map(s -> "restarting".equals(s.path("state").asText()))
                  .orElse(false));
      long frozenAt = System.nanoTime();
      c.etcdMembers().forEach(EtcdProcess::freeze);
      int writes = 0;
      String failure = null;
      try (var conn = leader.connect();
          var st = conn.createStatement()) {
        long end = frozenAt + TimeUnit.SECONDS.toNanos(frozenFor);
        while (System.nanoTime() < end && failure == null) {
          try {
            st.execute("INSERT INTO busy_failsafe DEFAULT VALUES");
            writes++;
          } catch (java.sql.SQLException e) {
            failure =
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozenAt)
                    + " ms into the etcd outage: "
                    + e.getMessage();
          }
          Thread.sleep(200);
        }
      } finally {
        c.etcdMembers().forEach(EtcdProcess::thaw);
      }
      System.out.printf(
          "busy primary, failsafe on, etcd frozen %d s during a restart: %d writes acknowledged%s%n",
          frozenFor, writes, failure == null ? "" : ", then failed " + failure);
      String log = log(leader);
      assertEquals(null, failure, "the busy primary stopped taking writes");
      assertTrue(
          log.contains("continue to run as a leader because failsafe mode is enabled"),
          "the leader says why it stays");
      assertFalse(log.contains("lost leader lock during restart"), "it demoted during the task");
      HttpResponse<String> answer = restart.get(frozenFor + 120L, TimeUnit.SECONDS);
      assertEquals(200, answer.statusCode(), answer.body());
      assertEquals(leader, c.waitForHealthyCluster(HEAL), "the leader changed");
    } finally {
      c.etcdMembers().forEach(EtcdProcess::thaw);
      Files.deleteIfExists(slowStop);
      patchConfig(c.waitForLeader(HEAL), "{\"failsafe_mode\": false}");
    }
  }

  private static void patchConfig(AgentNode node, String json) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(node.restUri("/config"))
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
  }

  private static String log(AgentNode n) throws IOException {
    return Files.readString(n.log(), StandardCharsets.UTF_8);
  }

  /** Asks the wrapped tool of {@code node} to sleep {@code seconds} before it runs. */
  private static void marker(AgentNode node, String name, int seconds) throws IOException {
    Files.writeString(node.config().dataDir().getParent().resolve(name), seconds + "\n");
  }

  /**
   * PostgreSQL's bin directory as links, with pg_ctl and pg_basebackup wrapped: each finds the node
   * directory from its data directory argument and sleeps if that directory holds slow-start /
   * slow-stop (pg_ctl start / stop) or slow-basebackup (a number of seconds).
   */
  private static Path wrappedBinDir() {
    try {
      Path dir = Files.createTempDirectory("hagent-it-bin");
      try (Stream<Path> real = Files.list(Path.of(NodeConfig.BIN_DIR))) {
        for (Path p : real.toList()) {
          Files.createSymbolicLink(dir.resolve(p.getFileName()), p);
        }
      }
      // pg_ctl start waits on slow-start, pg_ctl stop on slow-stop
      wrap(dir, "pg_ctl", "slow-$1");
      wrap(dir, "pg_basebackup", "slow-basebackup");
      dir.toFile().setReadable(true, false);
      dir.toFile().setExecutable(true, false);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @param markerName the marker file's name, a shell word ($1 is the tool's first argument)
   */
  private static void wrap(Path dir, String tool, String markerName) throws IOException {
    Path link = dir.resolve(tool);
    Files.delete(link);
    String script =
        """
        #!/bin/sh
        # test wrapper: sleep first when the node directory asks for it, then run the real tool
        data=""; prev=""
        for a in "$@"; do
          [ "$prev" = "-D" ] && data="$a"
          case "$a" in --pgdata=*) data="${a#--pgdata=}";; esac
          prev="$a"
        done
        marker="$(dirname "$data")/%s"
        if [ -n "$data" ] && [ -f "$marker" ]; then
          sleep "$(cat "$marker")"
        fi
        exec "%s/%s" "$@"
        """
            .formatted(markerName, NodeConfig.BIN_DIR, tool);
    Files.writeString(link, script);
    Files.setPosixFilePermissions(link, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
