package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * primary_race_backoff on real processes (issue #12, Patroni's "check primary race backoff"
 * scenario): the leader's agent is frozen (SIGSTOP) while its PostgreSQL keeps taking writes, so
 * the replica still receives WAL after the leader key expired. It stays out of the race while that
 * WAL arrives, saying so, and promotes anyway once primary_race_backoff has passed.
 */
@Tag("scenario")
class RaceBackoffScenarioTest {
  private static final int TTL = 20;
  private static final int LOOP_WAIT = 2;
  private static final int RETRY_TIMEOUT = 5;
  private static final int BACKOFF = 12;

  @RegisterExtension
  static final ClusterExtension CLUSTER =
      new ClusterExtension(
          new ClusterSpec(2, false, TTL, LOOP_WAIT, RETRY_TIMEOUT, false, RestApiSecurity.none()));

  @Test
  void aReplicaWaitsWhileWalStillArrivesThenRacesAnyway() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForHealthyCluster(Duration.ofSeconds(120));
    AgentNode replica = c.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    HttpResponse<String> r =
        AgentNode.httpClient(null)
            .send(
                HttpRequest.newBuilder(leader.restUri("/config"))
                    .timeout(Duration.ofSeconds(30))
                    .method(
                        "PATCH",
                        HttpRequest.BodyPublishers.ofString(
                            "{\"primary_race_backoff\": " + BACKOFF + "}"))
                    .header("Content-Type", "application/json")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    Wait.sleep(Duration.ofSeconds(2L * LOOP_WAIT + 1));
    try (Connection conn = leader.connect();
        Statement st = conn.createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS backoff_writes (id bigserial PRIMARY KEY)");
    }
    long replicaLog = Files.size(replica.log());
    long agentPid = leader.agentPid().orElseThrow();
    AtomicBoolean writing = new AtomicBoolean(true);
    // the old primary's PostgreSQL keeps producing WAL, written directly to its port
    Thread writer =
        new Thread(
            () -> {
              while (writing.get()) {
                try (Connection conn = leader.connect();
                    Statement st = conn.createStatement()) {
                  while (writing.get()) {
                    st.executeUpdate("INSERT INTO backoff_writes DEFAULT VALUES");
                    Wait.sleep(Duration.ofMillis(100));
                  }
                } catch (SQLException e) {
                  Wait.sleep(Duration.ofMillis(200));
                }
              }
            },
            "backoff-writer");
    long frozenAt = System.nanoTime();
    signal(agentPid, "STOP");
    try {
      writer.start();
      Wait.until(
          replica.name() + " to back off because WAL still arrives",
          Duration.ofSeconds(TTL + 20L),
          () -> log(replica, replicaLog).contains("wal position moved since last heart beat loop"));
      long backoffSeenAt = System.nanoTime();
      Wait.until(
          replica.name() + " to promote despite the old primary being active",
          Duration.ofSeconds(BACKOFF + 30L),
          () -> replica.reportsRole("primary"));
      long promotedAt = System.nanoTime();
      String log = log(replica, replicaLog);
      System.out.printf(
          "primary_race_backoff %d s: backoff seen %d ms after the freeze, promoted %d ms after"
              + " that%n",
          BACKOFF,
          (backoffSeenAt - frozenAt) / 1_000_000,
          (promotedAt - backoffSeenAt) / 1_000_000);
      assertTrue(
          log.contains("seconds until leader race"), "the backoff names the time left:\n" + log);
      assertTrue(
          (promotedAt - backoffSeenAt) / 1_000_000_000.0 >= BACKOFF - 2 * LOOP_WAIT - 1,
          "promoted before the backoff could have run out:\n" + log);
    } finally {
      writing.set(false);
      signal(agentPid, "CONT");
      writer.join(10_000);
    }
    // the old leader wakes up without the lock, demotes and rejoins
    AgentNode after = c.waitForHealthyCluster(Duration.ofSeconds(180));
    assertEquals(replica.name(), after.name());
  }

  private static String log(AgentNode n, long from) {
    try {
      byte[] all = Files.readAllBytes(n.log());
      int start = (int) Math.min(from, all.length);
      return new String(all, start, all.length - start, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static void signal(long pid, String sig) {
    try {
      new ProcessBuilder("kill", "-" + sig, Long.toString(pid))
          .start()
          .waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
