package io.hagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.config.CtlConfig;
import io.hagent.common.config.EtcdConfig;
import io.hagent.common.config.HagentConfig;
import io.hagent.common.dcs.DcsException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HactlCommandsTest {
  private HttpServer server;
  private String api;
  private final List<String> requests = new ArrayList<>();
  private int status = 200;
  private String reply = "Successfully switched over to \"postgresql1\"";
  private FakeStore store;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  @TempDir Path tmp;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          synchronized (requests) {
            requests.add(
                ex.getRequestMethod()
                    + " "
                    + ex.getRequestURI().getPath()
                    + " "
                    + body
                    + " auth="
                    + ex.getRequestHeaders().getFirst("Authorization"));
          }
          byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(status, bytes.length);
          ex.getResponseBody().write(bytes);
          ex.close();
        });
    server.start();
    api = "http://127.0.0.1:" + server.getAddress().getPort() + "/patroni";
    Map<String, Object> config = new java.util.LinkedHashMap<>();
    config.put("loop_wait", 10);
    config.put("ttl", 30);
    store = new FakeStore(FakeStore.batman(api, api, config));
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private int run(String stdin, String... args) {
    HagentConfig config =
        new HagentConfig(
            "batman",
            "/service",
            null,
            null,
            new CtlConfig("admin", "pw", null, null, null, null, false),
            new EtcdConfig(List.of("http://127.0.0.1:2379"), "http", null, null, null, null, null),
            null,
            null,
            Map.of(),
            null,
            null,
            Map.of());
    Hactl.Environment env =
        new Hactl.Environment(
            Map.of("HOME", tmp.toString(), "PATH", ""),
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Clock.fixed(Instant.parse("2024-08-28T10:00:00Z"), ZoneOffset.UTC),
            (file, e) -> config,
            s ->
                scope -> {
                  assertEquals("batman", scope);
                  return store;
                },
            Ctl::defaultApi);
    return Hactl.run(args, env);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void versionNeedsNoConfigOrDcs() {
    assertEquals(0, run("", "-c", "/nonexistent.yml", "version"));
    assertEquals("hactl version 0.1.0\n", out());
  }

  @Test
  void missingExplicitConfigFileIsOneLineError() {
    assertEquals(1, run("", "-c", "/nonexistent.yml", "list"));
    assertEquals(
        "Error: Provided config file /nonexistent.yml not existing or no read rights. "
            + "Check the -c/--config-file parameter\n",
        err());
  }

  @Test
  void unreachableDcsIsOneLineErrorExit1() {
    store =
        new FakeStore(Cluster.empty()) {
          @Override
          public Cluster readCluster() throws DcsException {
            throw new DcsException(
                "etcd is not reachable at http://127.0.0.1:2379: deadline exceeded\ncaused by ...");
          }
        };
    assertEquals(1, run("", "list"));
    assertEquals(
        "Error: etcd is not reachable at http://127.0.0.1:2379: deadline exceeded\n", err());
  }

  @Test
  void clusterModeCommandsCheckTheirInputBeforeChangingAnything() {
    assertEquals(1, run("", "demote-cluster", "--force"));
    assertEquals("Error: At least --host or --restore-command should be specified\n", err());
    assertEquals(1, run("", "promote-cluster", "--force"));
    assertTrue(err().endsWith("\nError: Cluster is not in the standby mode\n"), err());
    assertEquals(List.of(), requests);
  }

  @Test
  void unknownOptionIsAUsageError() {
    assertEquals(2, run("", "list", "--bogus"));
    assertTrue(err().contains("Unknown option: '--bogus'"), err());
  }

  @Test
  void switchoverPostsToLeaderWithAuth() {
    assertEquals(0, run("", "switchover", "--candidate", "postgresql1", "--force"));
    assertEquals(
        List.of(
            "POST /switchover {\"leader\":\"postgresql0\",\"candidate\":\"postgresql1\"} auth=Basic YWRtaW46cHc="),
        requests);
    assertTrue(out().startsWith("Current cluster topology\n+ Cluster: batman"), out());
    assertTrue(
        out().contains("2024-08-28 10:00:00.00000 Successfully switched over to \"postgresql1\"\n"),
        out());
  }

  @Test
  void switchoverPromptsAndSchedules() {
    status = 202;
    reply = "Switchover scheduled";
    assertEquals(0, run("\npostgresql1\n2030-01-01T12:00\ny\n", "switchover"));
    assertEquals(
        List.of(
            "POST /switchover {\"leader\":\"postgresql0\",\"candidate\":\"postgresql1\","
                + "\"scheduled_at\":\"2030-01-01T12:00:00+00:00\"} auth=Basic YWRtaW46cHc="),
        requests);
    assertTrue(
        out()
            .contains(
                "Primary [postgresql0]: Candidate ['postgresql1'] []: "
                    + "When should the switchover take place (e.g. 2024-08-28T11:00 )  [now]: "
                    + "Are you sure you want to schedule switchover of cluster batman at 2030-01-01T12:00:00+00:00, "
                    + "demoting current leader postgresql0? [y/N]: "),
        out());
  }

  @Test
  void scheduledSwitchoverInPauseFailsBeforeTopologyOrPrompts() {
    store = new FakeStore(FakeStore.batman(api, api, Map.of("ttl", 30, "pause", true)));
    for (List<String> args :
        List.of(
            List.of("switchover", "--scheduled", "2030-01-01T12:00"),
            List.of("switchover", "--scheduled", "2030-01-01T12:00+02:00", "--force"),
            List.of(
                "switchover",
                "--leader",
                "postgresql0",
                "--candidate",
                "postgresql1",
                "--scheduled",
                "2030-01-01T12:00"))) {
      out.reset();
      err.reset();
      // Answers on stdin that would carry the switchover through if they were read.
      assertEquals(
          1, run("postgresql0\npostgresql1\ny\n", args.toArray(String[]::new)), args.toString());
      assertEquals(
          "Error: Can't schedule switchover in the paused state\n", err(), args.toString());
      assertEquals("", out(), args.toString());
    }
    assertTrue(requests.isEmpty(), requests.toString());
    assertTrue(store.writes.isEmpty(), store.writes.toString());

    // "now" is not a schedule: in pause the switchover to a named candidate goes ahead.
    assertEquals(
        0, run("", "switchover", "--candidate", "postgresql1", "--scheduled", "now", "--force"));
    assertEquals(
        List.of(
            "POST /switchover {\"leader\":\"postgresql0\",\"candidate\":\"postgresql1\"} auth=Basic YWRtaW46cHc="),
        requests);
  }

  @Test
  void switchoverDeclinedChangesNothing() {
    assertEquals(1, run("\npostgresql1\nnow\nn\n", "switchover"));
    assertEquals("Error: Aborting switchover\n", err());
    assertTrue(requests.isEmpty());
    assertTrue(store.writes.isEmpty());
  }

  @Test
  void switchoverFailedStatusIsReported() {
    status = 412;
    reply = "candidate name does not match with sync_standby";
    assertEquals(0, run("", "switchover", "--candidate", "postgresql1", "--force"));
    assertTrue(
        out()
            .contains(
                "Switchover failed, details: 412, candidate name does not match with sync_standby\n"),
        out());
  }

  @Test
  void switchoverFallsBackToDcsWhenApiUnreachable() throws IOException {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    String deadApi = "http://127.0.0.1:" + dead + "/patroni";
    store = new FakeStore(FakeStore.batman(deadApi, deadApi, Map.of()));
    assertEquals(0, run("", "switchover", "--candidate", "postgresql1", "--force"));
    assertTrue(
        out()
            .contains(
                "2024-08-28 10:00:00.00000 Could not switchover using Patroni api, falling back to DCS\n"),
        out());
    assertEquals(
        List.of("failover={\"leader\":\"postgresql0\",\"member\":\"postgresql1\"}"), store.writes);
  }

  @Test
  void switchoverErrors() {
    assertEquals(1, run("", "switchover", "--candidate", "nobody", "--force"));
    assertEquals(
        "Error: Member nobody does not exist in cluster batman or is tagged as nofailover\n",
        err());
    err.reset();
    assertEquals(1, run("", "switchover", "--leader", "postgresql1", "--force"));
    assertEquals("Error: Member postgresql1 is not the leader of cluster batman\n", err());
    err.reset();
    store = new FakeStore(Cluster.empty());
    assertEquals(1, run("", "switchover", "--force"));
    assertEquals("Error: This cluster has no leader\n", err());
    assertTrue(requests.isEmpty());
  }

  @Test
  void switchoverInSynchronousModeOffersOnlySynchronousStandbys() throws Exception {
    Cluster c = store.readCluster();
    Map<String, Object> config = new java.util.LinkedHashMap<>(c.config());
    config.put("synchronous_mode", true);
    Cluster sync =
        new Cluster(
            c.initialize(),
            config,
            c.configModRevision(),
            c.leader(),
            c.status(),
            c.members(),
            c.failover(),
            new io.hagent.common.cluster.SyncState("postgresql0", List.of(), 0, 3),
            c.history(),
            c.failsafe(),
            c.revision());
    store = new FakeStore(sync);
    assertEquals(1, run("", "switchover", "--force"));
    assertEquals("Error: No candidates found to switchover to\n", err());
    err.reset();
    store =
        new FakeStore(
            new Cluster(
                c.initialize(),
                config,
                c.configModRevision(),
                c.leader(),
                c.status(),
                c.members(),
                c.failover(),
                new io.hagent.common.cluster.SyncState("postgresql0", List.of("postgresql1"), 0, 3),
                c.history(),
                c.failsafe(),
                c.revision()));
    assertEquals(0, run("", "switchover", "--candidate", "postgresql1", "--force"));
    assertTrue(requests.get(0).startsWith("POST /switchover"), requests.toString());
  }

  @Test
  void failoverNeedsCandidate() {
    assertEquals(1, run("", "failover", "--force"));
    assertEquals("Error: Failover could be performed only to a specific candidate\n", err());
  }

  @Test
  void editConfigSetWritesWithCas() {
    assertEquals(
        0, run("", "edit-config", "-s", "loop_wait=5", "-p", "max_connections=200", "--force"));
    assertEquals(
        List.of(
            "config={\"loop_wait\":5,\"ttl\":30,\"postgresql\":{\"parameters\":{\"max_connections\":200}}}"),
        store.writes);
    assertTrue(
        out().startsWith("--- \n+++ \n@@ -1,2 +1,5 @@\n-loop_wait: 10\n+loop_wait: 5\n"), out());
    assertTrue(out().endsWith("Configuration changed\n"), out());
  }

  @Test
  void editConfigConcurrentChangeIsRejected() {
    FakeStore racing =
        new FakeStore(store.cluster) {
          @Override
          public boolean setConfig(String json, Long rev) {
            return false;
          }
        };
    store = racing;
    assertEquals(1, run("", "edit-config", "-s", "ttl=40", "--force", "-q"));
    assertEquals("Error: Config modification aborted due to concurrent changes\n", err());
  }

  @Test
  void editConfigNotChanged() {
    assertEquals(0, run("", "edit-config", "-s", "ttl=30", "--force"));
    assertEquals("Not changed\n", out());
    assertTrue(store.writes.isEmpty());
  }

  @Test
  void editConfigBadInput() throws IOException {
    assertEquals(1, run("", "edit-config", "-s", "loop_wait", "--force"));
    assertEquals("Error: Invalid parameter setting loop_wait\n", err());
    err.reset();
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, "ttl: [1, 2\n");
    assertEquals(1, run("", "edit-config", "--apply", bad.toString(), "--force"));
    assertTrue(err().startsWith("Error: Invalid YAML in " + bad), err());
    assertEquals(1, err().lines().count());
    assertTrue(store.writes.isEmpty());
  }

  @Test
  void editConfigApplyMergesAndNullDeletes() throws IOException {
    Path patch = tmp.resolve("patch.yaml");
    Files.writeString(patch, "loop_wait: null\nsynchronous_mode: true\n");
    assertEquals(0, run("", "edit-config", "--apply", patch.toString(), "--force", "-q"));
    assertEquals(List.of("config={\"ttl\":30,\"synchronous_mode\":true}"), store.writes);
  }

  @Test
  void pauseAndResume() {
    assertEquals(0, run("", "pause"));
    assertEquals("Success: cluster management is paused\n", out());
    assertEquals(List.of("PATCH /config {\"pause\":true} auth=Basic YWRtaW46cHc="), requests);
    out.reset();
    assertEquals(1, run("", "resume"));
    assertEquals("Error: Cluster is not paused\n", err());
  }

  @Test
  void restartAndReloadByMember() {
    assertEquals(0, run("", "restart", "batman", "postgresql1", "--force"));
    assertTrue(out().endsWith("Success: restart on member postgresql1\n"), out());
    out.reset();
    status = 202;
    assertEquals(0, run("", "reload", "batman", "postgresql1", "--force"));
    assertTrue(
        out()
            .endsWith(
                "Reload request received for member postgresql1 and will be processed within 10 seconds\n"),
        out());
    assertEquals(1, run("", "reload", "batman", "ghost", "--force"));
    assertEquals("Error: ghost is not a member of cluster\n", err());
  }

  @Test
  void reinitReportsFailure() {
    status = 503;
    reply = "I am the leader, can not reinitialize";
    assertEquals(0, run("", "reinit", "batman", "postgresql0", "--force"));
    assertTrue(
        out()
            .endsWith(
                "Failed: reinitialize for member postgresql0, status code=503, (I am the leader, can not reinitialize)\n"),
        out());
    assertEquals(
        "POST /reinitialize {\"force\":true,\"from_leader\":false} auth=Basic YWRtaW46cHc=",
        requests.get(0));
  }

  @Test
  void dsnHistoryShowConfigRemove() {
    assertEquals(0, run("", "dsn"));
    assertEquals("host=127.0.0.1 port=5432\n", out());
    out.reset();
    assertEquals(0, run("", "dsn", "-m", "postgresql1"));
    assertEquals("host=127.0.0.1 port=5433\n", out());
    out.reset();
    assertEquals(0, run("", "show-config"));
    assertEquals("loop_wait: 10\nttl: 30\n\n", out());
    out.reset();
    assertEquals(1, run("batman\nYes I am aware\nwrong\n", "remove", "batman"));
    assertEquals("Error: You did not specify the current leader of the cluster\n", err());
    assertFalse(store.deleted);
    assertEquals(0, run("batman\nYes I am aware\npostgresql0\n", "remove", "batman"));
    assertTrue(store.deleted);
  }

  @Test
  void flushSwitchoverWithoutScheduleSaysSo() {
    assertEquals(0, run("", "flush", "batman", "switchover"));
    assertEquals("No pending scheduled switchover\n", out());
  }

  @Test
  void completionScriptIsGenerated() {
    assertEquals(0, run("", "completion"));
    assertTrue(
        out().contains("complete -F _complete_hactl"),
        out().substring(0, Math.min(200, out().length())));
  }
}
