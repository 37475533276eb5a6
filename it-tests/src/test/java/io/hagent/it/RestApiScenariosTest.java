package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Patroni REST API (spec §1) against a live 3-node cluster whose nodes require HTTP Basic auth
 * for unsafe endpoints: health checks with their exact codes per role, the status and monitoring
 * bodies, the management endpoints acting on the real HA loop, HAProxy with the classic
 * health-check config through a leader crash, and (on a separate 3-node cluster) TLS with a
 * required client certificate, including the agents' own peer probes in a leader race.
 */
@Tag("scenario")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestApiScenariosTest {
  private static final Duration BOOTSTRAP = Duration.ofSeconds(90);
  private static final Duration HEAL = Duration.ofSeconds(120);
  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RestApiSecurity AUTH = RestApiSecurity.basicAuth();

  @RegisterExtension
  static final ClusterExtension CLUSTER =
      new ClusterExtension(ClusterSpec.threeNodes().withSyncCommitToAnyStandby().withRestApi(AUTH));

  /** Every response any test received, to prove none of them carries the API password. */
  private static final List<String> RESPONSES = Collections.synchronizedList(new ArrayList<>());

  private ClusterFixture c() {
    return CLUSTER.cluster();
  }

  @Test
  @Order(1)
  void healthChecksAnswerPerRoleForGetHeadAndOptions() {
    AgentNode leader = c().waitForHealthyCluster(BOOTSTRAP);
    AgentNode replica = c().replicas().get(0);
    // path -> {leader, replica} for GET (§1.2, §1.4)
    Map<String, int[]> get = new LinkedHashMap<>();
    get.put("/", new int[] {200, 503});
    get.put("/primary", new int[] {200, 503});
    get.put("/master", new int[] {200, 503});
    get.put("/leader", new int[] {200, 503});
    get.put("/read-write", new int[] {200, 503});
    get.put("/replica", new int[] {503, 200});
    get.put("/replica?lag=1MB", new int[] {503, 200});
    get.put("/read-only", new int[] {200, 200});
    get.put("/health", new int[] {200, 200});
    get.put("/async", new int[] {503, 200});
    get.put("/liveness", new int[] {200, 200});
    get.put("/readiness", new int[] {200, 200});
    get.put("/no-such-endpoint", new int[] {503, 503});

    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, int[]> e : get.entrySet()) {
      String path = e.getKey();
      boolean bare = path.equals("/liveness") || path.equals("/readiness");
      for (int i = 0; i < 2; i++) {
        AgentNode node = i == 0 ? leader : replica;
        int want = e.getValue()[i];
        RawHttp.Response r = request(node, "GET", path, null, null);
        if (r.code() != want) {
          wrong.add("GET " + path + " on " + node.name() + ": " + r.code() + " want " + want);
        } else if (bare && !r.body().isEmpty()) {
          wrong.add("GET " + path + " on " + node.name() + " has a body: " + r);
        } else if (!bare && !isRunningStatusJson(r)) {
          wrong.add("GET " + path + " on " + node.name() + " has no status JSON body: " + r);
        }
        // HEAD/OPTIONS of any path are generic health checks, even /liveness and /readiness
        int headWant = bare ? 503 : want;
        for (String method : List.of("HEAD", "OPTIONS")) {
          RawHttp.Response h = request(node, method, path, null, null);
          if (h.code() != headWant) {
            wrong.add(method + " " + path + " on " + node.name() + ": " + h.code());
          } else if (!h.body().isEmpty()) {
            wrong.add(method + " " + path + " on " + node.name() + " has a body: " + h);
          }
        }
      }
    }
    assertEquals(List.of(), wrong);
  }

  @Test
  @Order(2)
  void statusClusterHistoryConfigAndMetricsBodies() throws IOException {
    ClusterFixture c = c();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    String sysid = c.etcd().kv().get(c.dcsPrefix() + "initialize").orElseThrow();
    assertTrue(sysid.matches("\\d{10,}"), "initialize key: " + sysid);
    for (AgentNode n : c.nodes()) {
      boolean isLeader = n == leader;
      JsonNode s = getJson(n, "/patroni");
      assertEquals("running", s.path("state").asText(), n.name() + ": " + s);
      assertEquals(isLeader ? "primary" : "replica", s.path("role").asText(), n.name());
      assertTrue(
          s.path("xlog").has(isLeader ? "location" : "replayed_location"), n.name() + ": " + s);
      assertTrue(s.path("timeline").asInt() >= 1, n.name() + ": " + s);
      assertEquals(sysid, s.path("database_system_identifier").asText(), n.name());
      assertEquals(c.scope(), s.path("patroni").path("scope").asText(), n.name());
      assertEquals(n.name(), s.path("patroni").path("name").asText(), n.name());
      assertTrue(s.path("server_version").asInt() >= 150000, n.name() + ": " + s);

      RawHttp.Response metrics = request(n, "GET", "/metrics", null, null);
      assertEquals(200, metrics.code());
      assertTrue(metrics.header("Content-Type").startsWith("text/plain"), metrics.toString());
      String line =
          "patroni_primary{scope=\"%s\",name=\"%s\"} %d"
              .formatted(c.scope(), n.name(), isLeader ? 1 : 0);
      assertTrue(
          metrics.body().lines().anyMatch(line::equals),
          n.name() + " /metrics lacks '" + line + "':\n" + metrics.body());
    }

    JsonNode cluster = getJson(leader, "/cluster");
    assertEquals(c.scope(), cluster.path("scope").asText());
    Map<String, String> roles = new TreeMap<>();
    for (JsonNode m : cluster.path("members")) {
      roles.put(m.path("name").asText(), m.path("role").asText() + "/" + m.path("state").asText());
      assertTrue(m.path("api_url").asText().endsWith("/patroni"), m.toString());
      assertTrue(m.path("port").isInt(), m.toString());
    }
    Map<String, String> expected = new TreeMap<>();
    for (AgentNode n : c.nodes()) {
      expected.put(n.name(), n == leader ? "leader/running" : "replica/streaming");
    }
    assertEquals(expected, roles, cluster.toString());

    assertEquals(JSON.readTree("[]"), getJson(leader, "/history"), "history on timeline 1");
    JsonNode config = getJson(leader, "/config");
    assertEquals(JSON.readTree(c.etcd().kv().get(c.dcsPrefix() + "config").orElseThrow()), config);
    assertEquals(c.spec().ttl(), config.path("ttl").asInt());
  }

  @Test
  @Order(3)
  void patchConfigIsStoredAndAppliedAndMalformedPatchChangesNothing() throws IOException {
    ClusterFixture c = c();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    String configKey = c.dcsPrefix() + "config";

    RawHttp.Response ok = request(leader, "PATCH", "/config", auth(), "{\"ttl\": 25}");
    assertEquals(200, ok.code(), ok.toString());
    assertEquals(25, JSON.readTree(ok.body()).path("ttl").asInt(), ok.body());
    AgentNode replica = c.replicas().get(0);
    // a replica answers GET /config from its watch-fed cache: it may lag a few milliseconds
    Wait.until(
        replica.name() + " to show ttl 25 in GET /config",
        Duration.ofSeconds(5),
        () -> getJson(replica, "/config").path("ttl").asInt() == 25);
    assertEquals(25, JSON.readTree(c.etcd().kv().get(configKey).orElseThrow()).path("ttl").asInt());
    // the agents apply it: every node re-grants its etcd lease with the new ttl
    for (AgentNode n : c.nodes()) {
      Wait.until(
          n.name() + "'s member key to sit on a 25 s lease",
          Duration.ofSeconds(30),
          () ->
              c.etcd()
                  .kv()
                  .leaseGrantedTtl(c.dcsPrefix() + "members/" + n.name())
                  .equals(Optional.of(25L)));
    }
    Wait.until(
        "the leader key to sit on a 25 s lease",
        Duration.ofSeconds(30),
        () -> c.etcd().kv().leaseGrantedTtl(c.dcsPrefix() + "leader").equals(Optional.of(25L)));

    long revision = c.etcd().kv().modRevision(configKey).orElseThrow();
    RawHttp.Response bad = request(leader, "PATCH", "/config", auth(), "{\"ttl\": ");
    assertEquals(400, bad.code(), bad.toString());
    assertEquals(Optional.of(revision), c.etcd().kv().modRevision(configKey));
    assertEquals(25, getJson(leader, "/config").path("ttl").asInt());

    RawHttp.Response back = request(leader, "PATCH", "/config", auth(), "{\"ttl\": 20}");
    assertEquals(200, back.code(), back.toString());
  }

  @Test
  @Order(4)
  void invalidSwitchoverRequestsAreRejectedAndChangeNothing() {
    ClusterFixture c = c();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    AgentNode replica = c.replicas().get(0);
    String failoverKey = c.dcsPrefix() + "failover";
    Optional<Long> failoverRevision = c.etcd().kv().modRevision(failoverKey);
    String l = leader.name();

    assertReply(
        412,
        "candidate does not exists",
        request(leader, "POST", "/switchover", auth(), body(l, "node9", null)));
    assertReply(
        400,
        "Switchover target and source are the same",
        request(replica, "POST", "/switchover", auth(), body(l, l, null)));
    assertReply(
        422,
        "Cannot schedule switchover in the past",
        request(
            leader,
            "POST",
            "/switchover",
            auth(),
            body(l, replica.name(), "2020-01-01T00:00:00+00:00")));
    assertReply(
        400,
        "Switchover could be performed only from a specific leader",
        request(
            leader, "POST", "/switchover", auth(), "{\"candidate\": \"" + replica.name() + "\"}"));

    assertEquals(failoverRevision, c.etcd().kv().modRevision(failoverKey), "failover key written");
    assertEquals(Optional.of(l), c.leaderName());
    assertTrue(leader.reportsRole("primary"));
  }

  @Test
  @Order(5)
  void switchoverMovesTheLeaderToTheCandidate() throws IOException {
    ClusterFixture c = c();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    AgentNode candidate = c.replicas().get(0);
    long t0 = System.nanoTime();
    RawHttp.Response r =
        request(leader, "POST", "/switchover", auth(), body(leader.name(), candidate.name(), null));
    assertReply(200, "Successfully switched over to \"" + candidate.name() + "\"", r);
    AgentNode now = c.waitForLeader(Duration.ofSeconds(10));
    System.out.printf(
        "switchover %s -> %s: primary after %d ms%n",
        leader.name(), now.name(), Duration.ofNanos(System.nanoTime() - t0).toMillis());
    assertEquals(candidate, now);

    c.waitForHealthyCluster(HEAL);
    JsonNode history = getJson(now, "/history");
    assertEquals(1, history.size(), history.toString());
    JsonNode entry = history.get(0);
    assertEquals(1, entry.get(0).asInt(), entry.toString());
    assertTrue(entry.size() >= 3, entry.toString());
    if (entry.size() >= 5) {
      assertEquals(candidate.name(), entry.get(4).asText(), entry.toString());
    }
    assertEquals(2, getJson(now, "/patroni").path("timeline").asInt());
  }

  @Test
  @Order(6)
  void restartOfAReplicaRestartsItsPostgres() {
    ClusterFixture c = c();
    c.waitForHealthyCluster(HEAL);
    AgentNode replica = c.replicas().get(0);
    String startedBefore = getJson(replica, "/patroni").path("postmaster_start_time").asText();
    long pidBefore = replica.postmaster().orElseThrow().pid();
    assertFalse(startedBefore.isEmpty());

    assertReply(200, "restarted successfully", request(replica, "POST", "/restart", auth(), "{}"));
    JsonNode after = getJson(replica, "/patroni");
    assertNotEquals(startedBefore, after.path("postmaster_start_time").asText(), after.toString());
    assertNotEquals(pidBefore, replica.postmaster().orElseThrow().pid());
    Wait.until(
        replica.name() + " to run again after the restart",
        Duration.ofSeconds(30),
        () -> replica.reportsRole("replica"));
  }

  @Test
  @Order(7)
  void reinitializeOnTheLeaderIsRefused() {
    ClusterFixture c = c();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    long pid = leader.postmaster().orElseThrow().pid();
    assertReply(
        503,
        "I am the leader, can not reinitialize",
        request(leader, "POST", "/reinitialize", auth(), "{}"));
    assertEquals(pid, leader.postmaster().orElseThrow().pid());
    assertTrue(leader.reportsRole("primary"));
  }

  @Test
  @Order(8)
  void unsafeEndpointsNeedTheConfiguredCredentialsAndNoResponseCarriesThePassword()
      throws IOException {
    ClusterFixture c = c();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    AgentNode replica = c.replicas().get(0);
    String configKey = c.dcsPrefix() + "config";
    long revision = c.etcd().kv().modRevision(configKey).orElseThrow();
    String wrong =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(
                    (AUTH.username() + ":" + AUTH.password() + "x")
                        .getBytes(StandardCharsets.UTF_8));
    record Call(String method, String path, String body) {}
    List<Call> unsafe =
        List.of(
            new Call("PATCH", "/config", "{\"ttl\": 30}"),
            new Call("PUT", "/config", "{\"ttl\": 30}"),
            new Call("POST", "/switchover", body(leader.name(), replica.name(), null)),
            new Call("POST", "/failover", "{\"candidate\": \"" + replica.name() + "\"}"),
            new Call("POST", "/restart", "{}"),
            new Call("POST", "/reload", null),
            new Call("POST", "/reinitialize", "{}"),
            new Call("DELETE", "/switchover", null),
            new Call("DELETE", "/restart", null));
    for (Call call : unsafe) {
      for (AgentNode n : List.of(leader, replica)) {
        String what = call.method() + " " + call.path() + " on " + n.name();
        RawHttp.Response none = request(n, call.method(), call.path(), null, call.body());
        assertEquals(401, none.code(), what + " without auth: " + none);
        assertEquals("Basic realm=\"Patroni\"", none.header("WWW-Authenticate"), what);
        assertTrue(none.body().contains("no auth header received"), what + ": " + none);
        RawHttp.Response bad = request(n, call.method(), call.path(), wrong, call.body());
        assertEquals(401, bad.code(), what + " with a wrong password: " + bad);
        assertTrue(bad.body().contains("not authenticated"), what + ": " + bad);
      }
    }
    assertEquals(Optional.of(revision), c.etcd().kv().modRevision(configKey));
    assertEquals(Optional.of(leader.name()), c.leaderName());

    assertReply(202, "reload scheduled", request(replica, "POST", "/reload", auth(), null));
    assertReply(
        404, "no switchover is scheduled", request(leader, "DELETE", "/switchover", auth(), null));
    // GETs stay open (the health checks of test 1 ran without credentials too)
    assertEquals(200, request(leader, "GET", "/config", null, null).code());
    assertEquals(200, request(leader, "GET", "/cluster", null, null).code());

    List<String> leaking = new ArrayList<>();
    synchronized (RESPONSES) {
      for (String r : RESPONSES) {
        if (r.contains(AUTH.password())) {
          leaking.add(r);
        }
      }
    }
    assertEquals(List.of(), leaking, "responses containing the restapi password");
    for (AgentNode n : c.nodes()) {
      String log = Files.readString(n.log(), StandardCharsets.UTF_8);
      assertFalse(log.contains(AUTH.password()), n.name() + "'s log contains the API password");
    }
  }

  @Test
  @Order(9)
  void classicHaproxyConfigRoutesWritesToTheNewPrimaryAfterALeaderCrash() throws SQLException {
    ClusterFixture c = c();
    AgentNode old = c.waitForHealthyCluster(HEAL);
    // the timings users copy from Patroni's haproxy.cfg: inter 3s fall 3 rise 2
    HaproxyProcess.CheckTimings classic =
        new HaproxyProcess.CheckTimings(Duration.ofSeconds(3), 3, 2);
    try (HaproxyProcess haproxy =
        new HaproxyProcess(c.baseDir().resolve("haproxy-classic"))
            .start(
                c.nodes().stream()
                    .map(
                        n ->
                            new HaproxyProcess.Backend(
                                n.name(), n.config().pgPort(), n.config().restPort()))
                    .toList(),
                classic)) {
      List<String> replicaNames =
          c.nodes().stream().filter(n -> n != old).map(AgentNode::name).sorted().toList();
      Wait.until(
          "HAProxy to route primary to " + old.name() + " and replicas to " + replicaNames,
          Duration.ofSeconds(30),
          () ->
              upServers(haproxy, "primary").equals(List.of(old.name()))
                  && upServers(haproxy, "replicas").equals(replicaNames));
      assertReplicasPortReachesOnlyReplicas(haproxy, 4);

      String url = "jdbc:postgresql://127.0.0.1:" + haproxy.primaryPort() + "/postgres";
      String table = "classic_haproxy_writes";
      execute(old, AckedWriter.createTableSql(table));
      AgentNode newLeader;
      List<Long> acked;
      AckedWriter.Gap gap;
      try (AckedWriter writer =
          new AckedWriter(url, c.connectionProperties(), table, Duration.ofMillis(20)).start()) {
        writer.awaitMoreAcks(30, Duration.ofSeconds(30));
        long crashedAt = System.nanoTime();
        old.crash();
        newLeader = c.waitForLeader(Duration.ofSeconds(60));
        long promotedAt = System.nanoTime();
        assertNotEquals(old, newLeader);
        // the same HAProxy port, no reconfiguration: the writer just reconnects
        writer.awaitMoreAcks(30, Duration.ofSeconds(60));
        // backends may still commit for a moment after the kill: the outage is the longest gap
        gap = writer.longestGap();
        acked = writer.ackedIds();
        System.out.printf(
            "classic haproxy (inter 3s fall 3 rise 2): new primary %s after %d ms, write gap %d"
                + " ms (ids %d -> %d), %d acknowledged writes%n",
            newLeader.name(),
            Duration.ofNanos(promotedAt - crashedAt).toMillis(),
            gap.length().toMillis(),
            gap.lastIdBefore(),
            gap.firstIdAfter(),
            acked.size());
      }
      // ttl (lease expiry) + rise 2 * inter 3s for HAProxy to trust the new primary, with margin
      assertTrue(
          gap.length().compareTo(Duration.ofSeconds(c.spec().ttl() + 25)) < 0,
          "writes through HAProxy were unavailable for " + gap.length().toMillis() + " ms");
      try (Connection conn = newLeader.connect()) {
        assertEquals(
            List.of(),
            AckedWriter.missingIds(conn, table, acked),
            "acknowledged writes lost through HAProxy");
      }
      AgentNode survivor =
          c.nodes().stream().filter(n -> n != old && n != newLeader).findFirst().orElseThrow();
      Wait.until(
          "HAProxy to route replicas to " + survivor.name() + " only",
          Duration.ofSeconds(60),
          () -> upServers(haproxy, "replicas").equals(List.of(survivor.name())));
      assertEquals(List.of(newLeader.name()), upServers(haproxy, "primary"));
      assertReplicasPortReachesOnlyReplicas(haproxy, 4);
    }
  }

  @Test
  @Order(10)
  void tlsWithRequiredClientCertificateOnALiveClusterIncludingPeerProbes() throws Exception {
    ClusterFixture c = c();
    TestCertificates certs = TestCertificates.create(c.baseDir().resolve("certs"));
    ClusterSpec spec = ClusterSpec.threeNodes().withRestApi(RestApiSecurity.tls(certs, "required"));
    try (ClusterFixture tlsCluster = ClusterFixture.start(spec)) {
      try {
        AgentNode node = tlsCluster.waitForHealthyCluster(BOOTSTRAP);
        // waitForHealthyCluster already read GET /patroni over https with the client certificate
        HttpRequest req =
            HttpRequest.newBuilder(node.restUri("/primary")).timeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> withCert =
            AgentNode.httpClient(certs.sslContext(true))
                .send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, withCert.statusCode(), withCert.body());
        JsonNode member =
            JSON.readTree(
                tlsCluster.etcd().kv().get(tlsCluster.dcsPrefix() + "members/node1").orElseThrow());
        assertTrue(member.path("api_url").asText().startsWith("https://"), member.toString());
        assertThrows(
            IOException.class,
            () ->
                AgentNode.httpClient(certs.sslContext(false))
                    .send(req, HttpResponse.BodyHandlers.ofString()),
            "a request without a client certificate was answered");
        // plain http on the TLS port is no way around it either
        assertThrows(
            RuntimeException.class,
            () ->
                RawHttp.exchange(
                    node.config().restPort(), "GET", "/primary", null, null, HTTP_TIMEOUT));

        // A leader race: the survivors probe each other's /patroni over https, presenting their
        // own restapi certificate as the client certificate verify_client required demands.
        node.crash();
        AgentNode next = tlsCluster.waitForLeader(Duration.ofSeconds(60));
        assertNotEquals(node, next);
        List<AgentNode> survivors = tlsCluster.nodes().stream().filter(n -> n != node).toList();
        for (AgentNode n : survivors) {
          AgentNode other = survivors.get(0) == n ? survivors.get(1) : survivors.get(0);
          String log = Files.readString(n.log(), StandardCharsets.UTF_8);
          String probed = "Got response from " + other.name() + " https://";
          assertTrue(
              log.contains(probed),
              n.name()
                  + " never read "
                  + other.name()
                  + "'s status over https:\n"
                  + ChildProcess.tail(n.log(), 30));
        }
      } catch (AssertionError | Exception e) {
        System.err.println(tlsCluster.logTails(60));
        throw e;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static String auth() {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString(
                (AUTH.username() + ":" + AUTH.password()).getBytes(StandardCharsets.UTF_8));
  }

  private static String body(String leader, String candidate, String scheduledAt) {
    StringBuilder sb = new StringBuilder("{\"leader\": \"").append(leader).append('"');
    sb.append(", \"candidate\": \"").append(candidate).append('"');
    if (scheduledAt != null) {
      sb.append(", \"scheduled_at\": \"").append(scheduledAt).append('"');
    }
    return sb.append('}').toString();
  }

  private static RawHttp.Response request(
      AgentNode node, String method, String path, String authorization, String body) {
    RawHttp.Response r =
        RawHttp.exchange(node.config().restPort(), method, path, authorization, body, HTTP_TIMEOUT);
    RESPONSES.add(r.raw());
    return r;
  }

  private static JsonNode getJson(AgentNode node, String path) {
    RawHttp.Response r = request(node, "GET", path, null, null);
    assertEquals(200, r.code(), "GET " + path + " on " + node.name() + ": " + r);
    assertTrue(r.header("Content-Type").startsWith("application/json"), node.name() + ": " + r);
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError("GET " + path + " on " + node.name() + " is not JSON: " + r, e);
    }
  }

  private static boolean isRunningStatusJson(RawHttp.Response r) {
    try {
      return r.header("Content-Type") != null
          && r.header("Content-Type").startsWith("application/json")
          && "running".equals(JSON.readTree(r.body()).path("state").asText());
    } catch (IOException e) {
      return false;
    }
  }

  private static void assertReply(int code, String text, RawHttp.Response r) {
    assertEquals(code, r.code(), r.toString());
    assertEquals(text, r.body().strip(), r.toString());
  }

  private static List<String> upServers(HaproxyProcess haproxy, String listener) {
    List<String> up = new ArrayList<>();
    for (Map.Entry<String, String> e : haproxy.serverStates(listener).entrySet()) {
      if (e.getValue().startsWith("UP")) {
        up.add(e.getKey());
      }
    }
    return up;
  }

  /** Fresh connections through the replicas listener all land on a server in recovery. */
  private void assertReplicasPortReachesOnlyReplicas(HaproxyProcess haproxy, int connections)
      throws SQLException {
    String url = "jdbc:postgresql://127.0.0.1:" + haproxy.replicasPort() + "/postgres";
    for (int i = 0; i < connections; i++) {
      try (Connection conn = java.sql.DriverManager.getConnection(url, c().connectionProperties());
          Statement st = conn.createStatement();
          ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
        assertTrue(rs.next());
        assertTrue(rs.getBoolean(1), "the replicas port reached a primary");
      }
    }
  }

  private static void execute(AgentNode node, String sql) throws SQLException {
    try (Connection conn = node.connect();
        Statement st = conn.createStatement()) {
      st.execute(sql);
    }
  }
}
