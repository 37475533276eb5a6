package io.hagent.agent.api;

import static io.hagent.agent.api.Snapshots.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.node.ActionOutcome;
import io.hagent.agent.node.NodeSnapshot;
import io.hagent.agent.node.RestartRequest;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.cluster.Failover;
import io.hagent.common.cluster.Leader;
import io.hagent.common.cluster.Member;
import io.hagent.common.cluster.SyncState;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.RestApiConfig;
import io.hagent.common.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The management endpoints of §1.7 and the access rules of §1.8 over real HTTP, against an
 * in-memory DCS and a recording HA-loop stand-in.
 */
class ManagementApiTest {
  static final String PASSWORD = "s3cret-pw";
  static final String GOOD_AUTH =
      "Basic " + Base64.getEncoder().encodeToString(("admin:" + PASSWORD).getBytes());
  static final Instant WALL = Instant.parse("2024-08-28T19:40:00Z");

  private final AtomicReference<NodeSnapshot> snapshot = new AtomicReference<>();
  private final AtomicInteger sleeps = new AtomicInteger();
  private final List<String> seen = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private FakeDcs dcs;
  private FakeActions actions;
  private RestApiServer server;

  static Member member(String name, String role, String state, Map<String, Object> tags) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("conn_url", "postgres://127.0.0.1:5432/postgres");
    d.put("api_url", "http://127.0.0.1:8008/patroni");
    d.put("state", state);
    d.put("role", role);
    d.put("timeline", 3);
    if (!tags.isEmpty()) {
      d.put("tags", tags);
    }
    return new Member(name, d, 1);
  }

  static Cluster cluster(
      Map<String, Object> config,
      String leader,
      List<Member> members,
      Failover failover,
      SyncState sync) {
    return new Cluster(
        "7401234567890123456",
        config,
        config == null ? 0 : 7,
        leader == null ? null : new Leader(leader, 10, 42),
        ClusterStatus.EMPTY,
        members,
        failover,
        sync,
        List.of(),
        null,
        50);
  }

  /** node1 leader, node2 healthy replica, node3 nofailover replica. */
  static Cluster threeNodes(Map<String, Object> config) {
    return cluster(
        config,
        "node1",
        List.of(
            member("node1", "primary", "running", Map.of()),
            member("node2", "replica", "running", Map.of()),
            member("node3", "replica", "running", Map.of("nofailover", true))),
        null,
        null);
  }

  static Cluster withLeader(Cluster c, String leader, Failover failover) {
    return cluster(c.config(), leader, c.members(), failover, c.sync());
  }

  void start(Cluster c, String me, RestApiConfig cfg) {
    dcs = new FakeDcs(c);
    actions = new FakeActions(dcs);
    NodeSnapshot base = me.equals("node1") ? Snapshots.leader() : Snapshots.replica();
    snapshot.set(Snapshots.withCluster(base, c, DynamicConfig.from(c.config())));
    server =
        new RestApiServer(
            cfg, snapshot::get, () -> NOW, actions, () -> WALL, ms -> sleeps.incrementAndGet());
    server.start();
  }

  void start(Cluster c, String me) {
    start(c, me, config(List.of(), false));
  }

  static RestApiConfig config(List<String> allowlist, boolean includeMembers) {
    return new RestApiConfig(
        "127.0.0.1:0",
        "127.0.0.1:8008",
        "admin",
        PASSWORD,
        null,
        null,
        null,
        null,
        null,
        null,
        allowlist,
        includeMembers,
        Map.of(),
        Map.of(),
        RestApiConfig.DEFAULT_REQUEST_QUEUE_SIZE);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop();
    }
    for (String response : seen) {
      assertFalse(response.contains(PASSWORD), "a response leaked the password: " + response);
      assertFalse(response.contains(GOOD_AUTH.substring(6)), "a response leaked the credentials");
    }
  }

  record Reply(int code, String body, HttpResponse<String> raw) {}

  Reply call(String method, String path, String body) throws Exception {
    return call(method, path, body, GOOD_AUTH);
  }

  Reply call(String method, String path, String body, String auth) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    seen.add(r.headers().map() + r.body());
    return new Reply(r.statusCode(), r.body(), r);
  }

  /** Raw HTTP/1.0 request without Content-Length, which HttpClient cannot send for PATCH. */
  String rawNoLength(String method, String path) throws IOException {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(
          (method + " " + path + " HTTP/1.0\r\nAuthorization: " + GOOD_AUTH + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      s.getInputStream().transferTo(buf);
      String text = buf.toString(StandardCharsets.ISO_8859_1);
      seen.add(text);
      return text;
    }
  }

  // ---- PATCH / PUT /config

  @Test
  void patchConfigMergesRecursivelyDeletesNullsAndUsesCas() throws Exception {
    Map<String, Object> config =
        Json.readObject(
            "{\"ttl\":30,\"loop_wait\":10,\"postgresql\":{\"parameters\":"
                + "{\"max_connections\":100,\"work_mem\":\"4MB\"},\"use_pg_rewind\":true}}");
    start(threeNodes(config), "node1");
    Reply r =
        call(
            "PATCH",
            "/config",
            "{\"ttl\":40,\"postgresql\":{\"parameters\":{\"work_mem\":null,"
                + "\"shared_buffers\":\"1GB\"}},\"pause\":true}");
    assertEquals(200, r.code());
    assertEquals(
        Json.readObject(
            "{\"ttl\":40,\"loop_wait\":10,\"postgresql\":{\"parameters\":"
                + "{\"max_connections\":100,\"shared_buffers\":\"1GB\"},\"use_pg_rewind\":true},"
                + "\"pause\":true}"),
        Json.readObject(r.body()));
    assertEquals("application/json", r.raw().headers().firstValue("Content-Type").orElse(""));
    assertEquals(List.of(7L), dcs.revisionsUsed);
    assertEquals(Json.readObject(r.body()), dcs.cluster.config());
    assertEquals(1, actions.wakes);
  }

  @Test
  void patchConfigComparesValuesAsStringsAndSkipsUnchangedWrites() throws Exception {
    start(threeNodes(Json.readObject("{\"ttl\":30,\"pause\":false}")), "node1");
    Reply r = call("PATCH", "/config", "{\"ttl\":\"30\"}");
    assertEquals(200, r.code());
    assertEquals(Json.readObject("{\"ttl\":30,\"pause\":false}"), Json.readObject(r.body()));
    assertTrue(dcs.configWrites.isEmpty(), "an unchanged config must not be written");
  }

  @Test
  void patchConfigErrors() throws Exception {
    start(threeNodes(Map.of("ttl", 30)), "node1");
    assertTrue(rawNoLength("PATCH", "/config").startsWith("HTTP/1.1 411"));
    Reply malformed = call("PATCH", "/config", "{\"ttl\": 40,");
    assertEquals(400, malformed.code());
    assertTrue(malformed.body().contains("request body is not valid JSON"), malformed.body());
    Reply array = call("PATCH", "/config", "[1,2]");
    assertEquals(400, array.code());
    assertTrue(array.body().contains("must be a JSON object"));
    assertEquals(400, call("PATCH", "/config", "{}").code());
    assertEquals(400, call("PATCH", "/config", "").code());
    assertTrue(dcs.configWrites.isEmpty());

    dcs.cluster = threeNodes(null);
    assertEquals(503, call("PATCH", "/config", "{\"ttl\":40}").code());

    dcs.cluster = threeNodes(Map.of("ttl", 30));
    // Someone else wrote the key between our read and our compare-and-set.
    dcs.concurrentWriter = true;
    assertEquals(409, call("PATCH", "/config", "{\"ttl\":40}").code());
    assertEquals(0, actions.wakes);
  }

  @Test
  void putConfigReplacesUnconditionally() throws Exception {
    start(threeNodes(Map.of("ttl", 30, "loop_wait", 10)), "node2");
    Reply r = call("PUT", "/config", "{\"ttl\":60}");
    assertEquals(200, r.code());
    assertEquals(Map.of("ttl", 60), Json.readObject(r.body()));
    assertEquals(Map.of("ttl", 60), dcs.cluster.config());
    assertEquals(java.util.Arrays.asList((Long) null), dcs.revisionsUsed);
    dcs.failWrites = true;
    assertEquals(502, call("PUT", "/config", "{\"ttl\":90}").code());
  }

  // ---- POST /switchover, /failover

  @ParameterizedTest(name = "{0} {1} -> {2} {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "failover|{\"leader\":\"node1\"}|400|Failover could be performed only to a specific candidate",
        "switchover|{\"candidate\":\"node2\"}|400|Switchover could be performed only from a specific leader",
        "failover|{\"candidate\":\"node2\",\"scheduled_at\":\"2030-01-01T00:00:00+00:00\"}|400|Failover can't be scheduled",
        "switchover|{\"leader\":\"node1\",\"scheduled_at\":\"2030-01-01T00:00:00\"}|400|Timezone information is mandatory for the scheduled switchover",
        "switchover|{\"leader\":\"node1\",\"scheduled_at\":\"2020-01-01T00:00:00Z\"}|422|Cannot schedule switchover in the past",
        "switchover|{\"leader\":\"node1\",\"scheduled_at\":\"next tuesday\"}|422|Unable to parse scheduled timestamp. It should be in an unambiguous format, e.g. ISO 8601",
        "switchover|{\"leader\":\"node1\",\"candidate\":\"node1\"}|400|Switchover target and source are the same",
        "switchover|{\"leader\":\"node2\",\"candidate\":\"node1\"}|412|leader name does not match",
        "switchover|{\"leader\":\"node1\",\"candidate\":\"ghost\"}|412|candidate does not exists",
        "switchover|{\"leader\":\"node1\",\"candidate\":\"node3\"}|412|switchover is not possible: no good candidates have been found",
        "failover|{\"candidate\":\"node3\"}|412|failover is not possible: no good candidates have been found",
        "switchover|{\"leader\":\"node1\",\"scheduled_at\":\"2030-01-01T00:00:00+02:00\"}|202|Switchover scheduled",
        "switchover|{\"leader\":7}|400|'leader' must be a string",
        // Python truth: false, 0, "" and null mean "not given", as in Patroni.
        "switchover|{\"leader\":false,\"candidate\":\"node2\"}|400|Switchover could be performed only from a specific leader",
        "failover|{\"candidate\":0,\"member\":\"\"}|400|Failover could be performed only to a specific candidate",
        "switchover|{\"leader\":\"node1\",\"scheduled_at\":1893456000}|422|Unable to parse scheduled timestamp",
        "switchover|{\"leader\":\"node1\",\"scheduled_at\":true}|422|Unable to parse scheduled timestamp",
      })
  void switchoverValidation(String action, String body, int code, String text) throws Exception {
    start(threeNodes(Map.of("ttl", 30)), "node1");
    Reply r = call("POST", "/" + action, body);
    assertEquals(code, r.code(), r.body());
    assertTrue(r.body().contains(text), r.body());
    if (code == 202) {
      assertEquals(
          List.of("{\"leader\":\"node1\",\"scheduled_at\":\"2030-01-01T00:00:00+02:00\"}"),
          dcs.failoverWrites);
      assertEquals(1, actions.wakes);
    } else {
      assertTrue(dcs.failoverWrites.isEmpty(), "a refused request must not write the key");
    }
  }

  @ParameterizedTest(name = "paused {0} -> {2} {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "switchover|{\"leader\":\"node1\",\"scheduled_at\":\"2030-01-01T00:00:00Z\"}|400|Can't schedule switchover in the paused state",
        "switchover|{\"leader\":\"node1\"}|400|Switchover is possible only to a specific candidate in a paused state",
        "switchover|{\"leader\":\"node1\",\"candidate\":\"\"}|400|Switchover is possible only to a specific candidate in a paused state",
        "failover|{\"candidate\":\"node2\",\"scheduled_at\":\"2030-01-01T00:00:00Z\"}|400|Failover can't be scheduled",
      })
  void pausedSwitchover(String action, String body, int code, String text) throws Exception {
    start(threeNodes(Map.of("ttl", 30, "pause", true)), "node1");
    Reply r = call("POST", "/" + action, body);
    assertEquals(code, r.code());
    assertEquals(text, r.body());
  }

  /**
   * In pause a switchover or failover to a named candidate is allowed (Patroni's pause docs): the
   * key is written as when not paused and the answer is whatever the HA loops make of it.
   */
  @ParameterizedTest(name = "paused {0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "switchover|{\"leader\":\"node1\",\"candidate\":\"node2\"}|{\"leader\":\"node1\",\"member\":\"node2\"}|Successfully switched over to \"node2\"",
        "switchover|{\"leader\":\"node1\",\"member\":\"node2\",\"scheduled_at\":\"\"}|{\"leader\":\"node1\",\"member\":\"node2\"}|Successfully switched over to \"node2\"",
        "failover|{\"candidate\":\"node2\"}|{\"member\":\"node2\"}|Successfully failed over to \"node2\"",
      })
  void pausedSwitchoverToANamedCandidateIsCarriedOut(
      String action, String body, String key, String answer) throws Exception {
    Cluster c = threeNodes(Map.of("ttl", 30, "pause", true));
    start(c, "node1");
    dcs.afterFailoverWrite.add(withLeader(c, "node2", null));
    Reply r = call("POST", "/" + action, body);
    assertEquals(200, r.code(), r.body());
    assertEquals(answer, r.body());
    assertEquals(List.of(key), dcs.failoverWrites);
    assertEquals(1, actions.wakes);
  }

  @Test
  void clusterWithoutOtherMembersOrSyncStandby() throws Exception {
    Cluster lonely =
        cluster(
            Map.of("ttl", 30),
            "node1",
            List.of(member("node1", "primary", "running", Map.of())),
            null,
            null);
    start(lonely, "node1");
    Reply r = call("POST", "/switchover", "{\"leader\":\"node1\"}");
    assertEquals(412, r.code());
    assertEquals(
        "switchover is not possible: cluster does not have members except leader", r.body());

    Map<String, Object> sync = Map.of("ttl", 30, "synchronous_mode", true);
    dcs.cluster =
        cluster(
            sync,
            "node1",
            threeNodes(sync).members(),
            null,
            new SyncState("node1", List.of("node3"), 1, 3));
    r = call("POST", "/switchover", "{\"leader\":\"node1\",\"candidate\":\"node2\"}");
    assertEquals(412, r.code());
    assertEquals("candidate name does not match with sync_standby", r.body());
    dcs.cluster =
        cluster(
            sync,
            "node1",
            threeNodes(sync).members(),
            null,
            new SyncState("node1", List.of(), 1, 3));
    r = call("POST", "/switchover", "{\"leader\":\"node1\"}");
    assertEquals("switchover is not possible: can not find sync_standby", r.body());
    // quorum mode too (Patroni's is_synchronous_mode): only a voter may be the candidate
    Map<String, Object> quorum = Map.of("ttl", 30, "synchronous_mode", "quorum");
    dcs.cluster =
        cluster(
            quorum,
            "node1",
            threeNodes(quorum).members(),
            null,
            new SyncState("node1", List.of("node3"), 0, 3));
    r = call("POST", "/switchover", "{\"leader\":\"node1\",\"candidate\":\"node2\"}");
    assertEquals(412, r.code());
    assertEquals("candidate name does not match with sync_standby", r.body());
  }

  @Test
  void immediateSwitchoverWaitsForTheNewLeader() throws Exception {
    Cluster c = threeNodes(Map.of("ttl", 30));
    start(c, "node1");
    Failover pending = new Failover("node1", "node2", null, 9);
    dcs.afterFailoverWrite.add(withLeader(c, null, pending));
    dcs.afterFailoverWrite.add(withLeader(c, "node2", null));
    Reply r = call("POST", "/switchover", "{\"leader\":\"node1\",\"candidate\":\"node2\"}");
    assertEquals(200, r.code());
    assertEquals("Successfully switched over to \"node2\"", r.body());
    assertEquals(List.of("{\"leader\":\"node1\",\"member\":\"node2\"}"), dcs.failoverWrites);
    assertEquals(2, sleeps.get());
  }

  @Test
  void switchoverWonBySomeoneElse() throws Exception {
    Cluster c = threeNodes(Map.of("ttl", 30));
    start(c, "node1");
    dcs.afterFailoverWrite.add(withLeader(c, "node3", null));
    Reply r = call("POST", "/failover", "{\"candidate\":\"node2\"}");
    assertEquals("Failed over to \"node3\" instead of \"node2\"", r.body());
    assertEquals(List.of("{\"member\":\"node2\"}"), dcs.failoverWrites);
  }

  @Test
  void switchoverFailedWhenTheKeyVanishesWithoutNewLeader() throws Exception {
    Cluster c = threeNodes(Map.of("ttl", 30));
    start(c, "node1");
    dcs.afterFailoverWrite.add(withLeader(c, "node1", null));
    Reply r = call("POST", "/switchover", "{\"leader\":\"node1\"}");
    assertEquals(503, r.code());
    assertEquals("Switchover failed", r.body());
  }

  @Test
  void switchoverTimesOutAfterTwiceMaxOfTenAndLoopWait() throws Exception {
    Cluster c = threeNodes(Map.of("ttl", 60, "loop_wait", 15));
    start(c, "node1");
    Reply r = call("POST", "/switchover", "{\"leader\":\"node1\",\"candidate\":\"node2\"}");
    assertEquals(503, r.code());
    assertEquals(
        "Switchover status unknown after 30 seconds; operation may still be in progress", r.body());
    assertEquals(30, sleeps.get());
  }

  @Test
  void failoverKeyWriteFailure() throws Exception {
    start(threeNodes(Map.of("ttl", 30)), "node1");
    dcs.failWrites = true;
    Reply r = call("POST", "/switchover", "{\"leader\":\"node1\",\"candidate\":\"node2\"}");
    assertEquals(503, r.code());
    assertEquals("failed to write failover key into DCS", r.body());
  }

  @Test
  void deleteScheduledSwitchover() throws Exception {
    Cluster c = threeNodes(Map.of("ttl", 30));
    start(c, "node1");
    Reply none = call("DELETE", "/switchover", null);
    assertEquals(404, none.code());
    assertEquals("no switchover is scheduled", none.body());
    dcs.cluster =
        withLeader(c, "node1", new Failover("node1", null, "2030-01-01T00:00:00+00:00", 77));
    Reply r = call("DELETE", "/switchover", null);
    assertEquals(200, r.code());
    assertEquals("scheduled switchover deleted", r.body());
    assertEquals(List.of("{}"), dcs.failoverWrites);
    assertEquals(List.of(77L), dcs.revisionsUsed);
  }

  // ---- restart, reload, reinitialize

  @ParameterizedTest(name = "restart {0} -> {1} {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"role\":\"master\"}|400|PostgreSQL role should be either primary, standby_leader, or replica",
        "{\"postgres_version\":\"9.6\"}|400|Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: 9.6",
        "{\"postgres_version\":\"15.x\"}|400|Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: 15.x",
        "{\"timeout\":0}|400|Timeout should be a positive number of seconds",
        "{\"timeout\":\"soon\"}|400|Timeout should be a positive number of seconds",
        "{\"timeout\":true}|400|Timeout should be a positive number of seconds",
        "{\"timeout\":null}|400|Timeout should be a positive number of seconds",
        "{\"timeout\":\"-5s\"}|400|Timeout should be a positive number of seconds",
        "{\"timeout\":\"400ms\"}|400|Timeout should be a positive number of seconds",
        "{\"timeout\":\"30 sec\"}|400|Timeout should be a positive number of seconds",
        "{\"when\":\"now\"}|400|Unknown filter for the scheduled restart: when",
        "{\"schedule\":\"2030-01-01 10:00\"}|400|Timezone information is mandatory for the scheduled restart",
        "{\"schedule\":\"2020-01-01T10:00:00Z\"}|422|Cannot schedule restart in the past",
        "{\"role\":\"primary\",\"timeout\":\"2min\",\"postgres_version\":\"15.4\"}|200|restarted successfully",
        "{\"schedule\":\"2030-01-01T10:00:00+00:00\",\"role\":\"replica\"}|202|Restart scheduled",
      })
  void restartValidation(String body, int code, String text) throws Exception {
    start(threeNodes(Map.of("ttl", 30)), "node1");
    Reply r = call("POST", "/restart", body);
    assertEquals(code, r.code(), r.body());
    assertEquals(text, r.body());
    if (code == 200) {
      assertEquals(
          List.of(new RestartRequest(null, "primary", "15.4", 120, null)), actions.restarts);
    } else if (code == 202) {
      assertEquals(1, actions.scheduled.size());
      assertEquals(
          Map.of("schedule", "2030-01-01T10:00:00+00:00", "role", "replica"),
          actions.scheduled.get(0).toJson());
    } else {
      assertTrue(actions.restarts.isEmpty() && actions.scheduled.isEmpty());
    }
  }

  /** The spellings Patroni's clients send, read as Patroni reads them. */
  @ParameterizedTest(name = "restart {0} -> pending={1} timeout={2}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "{\"restart_pending\":\"True\"}|true|-",
        "{\"restart_pending\":true}|true|-",
        "{\"restart_pending\":\"on\"}|true|-",
        "{\"restart_pending\":1}|true|-",
        // Patroni asks only whether the key is present, so even these wait for a pending restart.
        "{\"restart_pending\":false}|true|-",
        "{\"restart_pending\":null}|true|-",
        "{}|-|-",
        "{\"timeout\":30}|-|30",
        "{\"timeout\":\"30\"}|-|30",
        "{\"timeout\":30.0}|-|30",
        "{\"timeout\":2.5}|-|2",
        "{\"timeout\":\" 45 s \"}|-|45",
        "{\"timeout\":\"1.5min\"}|-|90",
        "{\"timeout\":\"2h\"}|-|7200",
        "{\"timeout\":\"1d\"}|-|86400",
        "{\"timeout\":\"2500ms\"}|-|2",
        "{\"timeout\":\"3500ms\"}|-|4",
        "{\"timeout\":\"0x1e\"}|-|30",
        "{\"timeout\":\"010\"}|-|8",
        "{\"timeout\":\"1e2\"}|-|100",
        "{\"restart_pending\":\"True\",\"timeout\":\"60\"}|true|60",
      })
  void restartAcceptsPatroniSpellings(String body, Boolean pending, Integer timeout)
      throws Exception {
    start(threeNodes(Map.of("ttl", 30)), "node2");
    Reply r = call("POST", "/restart", body);
    assertEquals(200, r.code(), r.body());
    assertEquals(List.of(new RestartRequest(pending, null, null, timeout, null)), actions.restarts);
  }

  @ParameterizedTest(name = "reinitialize {0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"force\":\"True\",\"from_leader\":\"yes\"}|force=true from_leader=true",
        "{\"force\":\"ON\",\"from_leader\":1}|force=true from_leader=true",
        "{\"force\":\"1\",\"from_leader\":true}|force=true from_leader=true",
        "{\"force\":\"off\",\"from_leader\":\"False\"}|force=false from_leader=false",
        // Not one of parse_bool's words: Patroni reads it as false rather than refusing.
        "{\"force\":\"maybe\",\"from_leader\":1.0}|force=false from_leader=false",
        "{\"force\":null,\"from_leader\":[]}|force=false from_leader=false",
        "{\"force\":\" yes\"}|force=false from_leader=false",
      })
  void reinitializeReadsBooleansAsPatroni(String body, String seen) throws Exception {
    start(threeNodes(Map.of("ttl", 30)), "node2");
    Reply r = call("POST", "/reinitialize", body);
    assertEquals(200, r.code(), r.body());
    assertEquals(List.of(seen), actions.reinits);
  }

  @Test
  void restartOutcomes() throws Exception {
    start(threeNodes(Map.of("ttl", 30)), "node2");
    Reply r = call("POST", "/restart", null);
    assertEquals(200, r.code());
    assertEquals(List.of(new RestartRequest(null, null, null, null, null)), actions.restarts);
    actions.restartOutcome = ActionOutcome.failure("restart conditions are not satisfied");
    r = call("POST", "/restart", "{\"restart_pending\":true}");
    assertEquals(503, r.code());
    assertEquals("restart conditions are not satisfied", r.body());
    actions.restartThrows = true;
    assertEquals(400, call("POST", "/restart", "{}").code());

    String later = "{\"schedule\":\"2030-01-01T10:00:00Z\"}";
    assertEquals(202, call("POST", "/restart", later).code());
    Reply again = call("POST", "/restart", later);
    assertEquals(409, again.code());
    assertEquals("Another restart is already scheduled", again.body());
    assertEquals("scheduled restart deleted", call("DELETE", "/restart", null).body());
    Reply none = call("DELETE", "/restart", null);
    assertEquals(404, none.code());
    assertEquals("no restarts are scheduled", none.body());
  }

  @Test
  void postFailsafeAsPatroniAnswersIt() throws Exception {
    String body =
        "{\"name\":\"node1\",\"conn_url\":\"postgres://127.0.0.1:5432/postgres\","
            + "\"api_url\":\"http://127.0.0.1:8008/patroni\",\"slots\":{}}";
    // failsafe mode off on the receiver: 502, nothing remembered
    start(threeNodes(Map.of("ttl", 30)), "node2");
    assertEquals(502, call("POST", "/failsafe", body).code());
    assertTrue(actions.failsafeLeaders.isEmpty());
    server.stop();

    // on, a replica: accepted, remembered, with its WAL position in the lsn header
    start(threeNodes(Map.of("ttl", 30, "failsafe_mode", true)), "node2");
    assertEquals(401, call("POST", "/failsafe", body, null).code(), "an unsafe endpoint");
    Reply ok = call("POST", "/failsafe", body);
    assertEquals(200, ok.code());
    assertEquals("Accepted", ok.body());
    assertTrue(ok.raw().headers().firstValue("lsn").isPresent(), ok.raw().headers().toString());
    assertEquals(
        List.of("node1 postgres://127.0.0.1:5432/postgres http://127.0.0.1:8008/patroni"),
        actions.failsafeLeaders);
    Reply bad = call("POST", "/failsafe", "{\"conn_url\":\"x\"}");
    assertEquals(400, bad.code());
    assertEquals(1, actions.failsafeLeaders.size(), "a bad body changes nothing");
    server.stop();

    // on, but this node runs as primary: it refuses, so the caller cannot stay primary
    start(threeNodes(Map.of("ttl", 30, "failsafe_mode", true)), "node1");
    Reply refused = call("POST", "/failsafe", body);
    assertEquals(500, refused.code());
    assertEquals("Running as a leader", refused.body());
    assertTrue(actions.failsafeLeaders.isEmpty());
  }

  /**
   * Patroni checks POST /failsafe against restapi.allowlist, authentication and client certificates
   * like any unsafe endpoint, but never against the members' addresses (allowlist_include_members):
   * the leader calls it when its member key may be gone.
   */
  @Test
  void postFailsafeIgnoresTheMembersAllowlist() throws Exception {
    String body =
        "{\"name\":\"node1\",\"conn_url\":\"postgres://10.9.9.1:5432/postgres\","
            + "\"api_url\":\"http://10.9.9.1:8008/patroni\",\"slots\":{}}";
    Cluster here = threeNodes(Map.of("ttl", 30, "failsafe_mode", true));
    List<Member> elsewhere = new ArrayList<>();
    for (Member m : here.members()) {
      Map<String, Object> d = new LinkedHashMap<>(m.data());
      d.put("api_url", "http://10.9.9.1:8008/patroni");
      elsewhere.add(new Member(m.name(), d, 1));
    }
    // members only, none at this address: other unsafe endpoints refuse, POST /failsafe does not
    start(cluster(here.config(), "node1", elsewhere, null, null), "node2", config(List.of(), true));
    assertEquals(403, call("POST", "/reload", null).code());
    assertEquals(200, call("POST", "/failsafe", body).code());
    assertEquals(401, call("POST", "/failsafe", body, null).code(), "authentication still applies");
    server.stop();

    // restapi.allowlist still applies to it; a member at this address does not open it
    start(here, "node2", config(List.of("10.1.2.3"), true));
    assertEquals(202, call("POST", "/reload", null).code());
    Reply denied = call("POST", "/failsafe", body);
    assertEquals(403, denied.code());
    assertEquals("Access is denied", denied.body());
    server.stop();

    start(here, "node2", config(List.of("127.0.0.0/8"), true));
    assertEquals(200, call("POST", "/failsafe", body).code());
  }

  @Test
  void restartCannotBeScheduledWhilePaused() throws Exception {
    start(threeNodes(Map.of("ttl", 30, "pause", true)), "node1");
    Reply r = call("POST", "/restart", "{\"schedule\":\"2030-01-01T10:00:00Z\"}");
    assertEquals(500, r.code());
    assertEquals("Can't schedule restart in the paused state", r.body());
  }

  @Test
  void reloadAndReinitialize() throws Exception {
    Cluster c = threeNodes(Map.of("ttl", 30));
    start(c, "node2");
    Reply reload = call("POST", "/reload", null);
    assertEquals(202, reload.code());
    assertEquals("reload scheduled", reload.body());
    assertEquals(1, actions.reloads);

    Reply ok = call("POST", "/reinitialize", "{\"force\":true,\"from_leader\":true}");
    assertEquals(200, ok.code());
    assertEquals("reinitialize started", ok.body());
    assertEquals(List.of("force=true from_leader=true"), actions.reinits);
    actions.reinitOutcome = ActionOutcome.failure("reinitialize already in progress");
    assertEquals("reinitialize already in progress", call("POST", "/reinitialize", null).body());

    dcs.cluster = withLeader(c, null, null);
    Reply leaderless = call("POST", "/reinitialize", null);
    assertEquals(503, leaderless.code());
    assertEquals("Cluster has no leader, can not reinitialize", leaderless.body());
  }

  @Test
  void leaderRefusesToReinitialize() throws Exception {
    start(threeNodes(Map.of("ttl", 30)), "node1");
    Reply r = call("POST", "/reinitialize", "{}");
    assertEquals(503, r.code());
    assertEquals("I am the leader, can not reinitialize", r.body());
    assertTrue(actions.reinits.isEmpty());
  }

  // ---- server mechanics

  @Test
  void unknownMethodsAndPathsAre501AndOversizedBodiesAreRefused() throws Exception {
    start(threeNodes(Map.of("ttl", 30)), "node1");
    Reply unknown = call("POST", "/nonsense", "{}");
    assertEquals(501, unknown.code());
    assertTrue(unknown.body().contains("Unsupported method ('POST')"));
    assertEquals(501, call("PUT", "/switchover", "{}").code());
    assertEquals(501, call("DELETE", "/config", null).code());
    String foo = rawNoLength("FOO", "/config");
    assertTrue(foo.startsWith("HTTP/1.1 501"), foo);

    String huge = "{\"ttl\":\"" + "x".repeat(70_000) + "\"}";
    Reply big = call("PATCH", "/config", huge);
    assertEquals(413, big.code());
    assertTrue(big.body().contains("request body too large"));
    assertTrue(dcs.configWrites.isEmpty());
  }

  @Test
  void serverHeaderNamesHagent() throws Exception {
    start(threeNodes(Map.of("ttl", 30)), "node1");
    Reply r = call("POST", "/reload", null);
    assertTrue(r.raw().headers().firstValue("Server").orElse("").startsWith("hagent/"));
    assertEquals("hagent", ServerTokens.header("productonly", "1.2"));
    assertEquals("hagent/1.2", ServerTokens.header("minimal", "1.2"));
  }

  // ---- security

  @Test
  void basicAuthenticationOnUnsafeEndpointsOnly() throws Exception {
    start(threeNodes(Map.of("ttl", 30)), "node1");
    Reply none = call("POST", "/reload", null, null);
    assertEquals(401, none.code());
    assertEquals("no auth header received", none.body());
    assertEquals(
        "Basic realm=\"Patroni\"", none.raw().headers().firstValue("WWW-Authenticate").orElse(""));
    String wrong = "Basic " + Base64.getEncoder().encodeToString("admin:guess".getBytes());
    Reply bad = call("POST", "/reload", null, wrong);
    assertEquals(401, bad.code());
    assertEquals("not authenticated", bad.body());
    assertEquals(401, call("PATCH", "/config", "{\"ttl\":1}", "Bearer x").code());
    assertEquals(0, actions.reloads);
    assertTrue(dcs.configWrites.isEmpty());
    assertEquals(202, call("POST", "/reload", null, GOOD_AUTH).code());
    assertEquals(200, call("GET", "/patroni", null, null).code());
    assertEquals(200, call("GET", "/config", null, null).code());
  }

  @Test
  void allowlistDeniesOtherAddresses() throws Exception {
    start(
        threeNodes(Map.of("ttl", 30)),
        "node1",
        config(List.of("10.0.0.0/8", "192.168.1.1"), false));
    Reply r = call("POST", "/reload", null);
    assertEquals(403, r.code());
    assertEquals("Access is denied", r.body());
    assertEquals(0, actions.reloads);
    assertEquals(200, call("GET", "/patroni", null, null).code());
  }

  @Test
  void allowlistAcceptsCidrAndMembers() throws Exception {
    start(threeNodes(Map.of("ttl", 30)), "node1", config(List.of("127.0.0.0/8"), false));
    assertEquals(202, call("POST", "/reload", null).code());
    server.stop();
    // No allowlist entry matches, but a member's api_url is 127.0.0.1.
    start(threeNodes(Map.of("ttl", 30)), "node1", config(List.of("10.1.2.3"), true));
    assertEquals(202, call("POST", "/reload", null).code());
  }

  @Test
  void allowlistParsing() throws Exception {
    AccessGuard.Network net = AccessGuard.parse("192.168.0.0/23").get(0);
    assertTrue(net.contains(java.net.InetAddress.getByName("192.168.1.200")));
    assertFalse(net.contains(java.net.InetAddress.getByName("192.168.2.1")));
    assertTrue(
        AccessGuard.parse("127.0.0.1")
            .get(0)
            .contains(java.net.InetAddress.getByName("::ffff:127.0.0.1")));
    assertTrue(AccessGuard.parseAllowlist(List.of("10.0.0.0/99", "example.invalid.")).isEmpty());
  }

  @Test
  void timestampsFormatLikePython() {
    assertEquals(
        "2030-01-01T10:00:00.500000-05:30",
        Timestamps.isoFormat(java.time.OffsetDateTime.parse("2030-01-01T10:00:00.5-05:30")));
    assertNull(Timestamps.parse("2030-01-01 10:00:00+0200", "restart", WALL).error());
    assertEquals(
        "2030-01-01T10:00:00+02:00",
        Timestamps.isoFormat(Timestamps.parse("2030-01-01T10:00+02", "restart", WALL).at()));
  }

  @Test
  void configPatchUnit() {
    Map<String, Object> base = Json.readObject("{\"a\":{\"b\":1},\"c\":true}");
    ConfigPatch.Result r = ConfigPatch.apply(base, Json.readObject("{\"a\":5,\"c\":\"True\"}"));
    assertEquals(Json.readObject("{\"a\":5,\"c\":true}"), r.config());
    assertTrue(r.changed());
    assertEquals(Json.readObject("{\"a\":{\"b\":1},\"c\":true}"), base, "input untouched");
  }
}
