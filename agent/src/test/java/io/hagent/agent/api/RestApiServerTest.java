package io.hagent.agent.api;

import static io.hagent.agent.api.Snapshots.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.node.NodeSnapshot;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.config.RestApiConfig;
import io.hagent.common.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The server over real HTTP on 127.0.0.1, answering from fabricated snapshots. */
class RestApiServerTest {

  private final AtomicReference<NodeSnapshot> snapshot = new AtomicReference<>();
  private final AtomicReference<Supplier<Cluster>> dcs = new AtomicReference<>(Snapshots::cluster);
  private RestApiServer server;

  @BeforeEach
  void start() {
    RestApiConfig cfg =
        new RestApiConfig(
            "127.0.0.1:0",
            "127.0.0.1:8008",
            "admin",
            "s3cret-pw",
            null,
            null,
            null,
            null,
            null,
            null,
            List.of(),
            false,
            Map.of("X-Extra", "yes"),
            Map.of("Strict-Transport-Security", "max-age=1"),
            RestApiConfig.DEFAULT_REQUEST_QUEUE_SIZE);
    server = new RestApiServer(cfg, snapshot::get, () -> NOW, () -> dcs.get().get());
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  record Response(int code, Map<String, List<String>> headers, String body) {}

  private Response get(String path) throws IOException {
    HttpURLConnection c =
        (HttpURLConnection) new URL("http://127.0.0.1:" + server.port() + path).openConnection();
    c.setConnectTimeout(5000);
    c.setReadTimeout(5000);
    int code = c.getResponseCode();
    InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream();
    String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    return new Response(code, c.getHeaderFields(), body);
  }

  /** Raw HTTP/1.0, the way HAProxy's httpchk talks; returns the whole response text. */
  private String raw(String method, String path) throws IOException {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write((method + " " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      s.getInputStream().transferTo(buf);
      return buf.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private static int status(String rawResponse) {
    return Integer.parseInt(rawResponse.split(" ", 3)[1]);
  }

  private static String rawBody(String rawResponse) {
    return rawResponse.substring(rawResponse.indexOf("\r\n\r\n") + 4);
  }

  @ParameterizedTest(name = "leader {0} {1} -> {2}")
  @CsvSource({
    "GET, /, 200",
    "GET, /primary, 200",
    "GET, /master, 200",
    "GET, /leader, 200",
    "GET, /replica?lag=1MB, 503",
    "GET, /read-only, 200",
    "GET, /health, 200",
    "GET, /nonsense, 503",
    "HEAD, /, 200",
    "HEAD, /primary, 200",
    "HEAD, /master, 200",
    "HEAD, /leader, 200",
    "HEAD, /replica?lag=1MB, 503",
    "HEAD, /read-only, 200",
    "HEAD, /health, 200",
    "HEAD, /patroni, 503",
    "HEAD, /nonsense, 503",
    "OPTIONS, /, 200",
    "OPTIONS, /primary, 200",
    "OPTIONS, /master, 200",
    "OPTIONS, /leader, 200",
    "OPTIONS, /replica?lag=1MB, 503",
    "OPTIONS, /read-only, 200",
    "OPTIONS, /health, 200",
    "OPTIONS, /liveness, 503",
    "OPTIONS, /nonsense, 503",
  })
  void leaderOverHttp(String method, String path, int expected) throws IOException {
    snapshot.set(Snapshots.leader());
    checkRaw(method, path, expected);
  }

  @ParameterizedTest(name = "replica {0} {1} -> {2}")
  @CsvSource({
    "GET, /, 503",
    "GET, /primary, 503",
    "GET, /master, 503",
    "GET, /leader, 503",
    "GET, /replica?lag=1MB, 200",
    "GET, /replica?lag=1MB&tag_dc=west, 503",
    "GET, /read-only, 200",
    "GET, /health, 200",
    "HEAD, /, 503",
    "HEAD, /replica?lag=1MB, 200",
    "OPTIONS, /, 503",
    "OPTIONS, /master, 503",
    "OPTIONS, /replica, 200",
    "OPTIONS, /read-only, 200",
  })
  void replicaOverHttp(String method, String path, int expected) throws IOException {
    snapshot.set(Snapshots.replica());
    checkRaw(method, path, expected);
  }

  private void checkRaw(String method, String path, int expected) throws IOException {
    String response = raw(method, path);
    assertEquals(expected, status(response), response);
    if (method.equals("GET")) {
      assertTrue(response.contains("Content-Type: application/json"), response);
      assertTrue(response.contains("X-Extra: yes"), response);
      Map<String, Object> body = Json.readObject(rawBody(response));
      assertEquals("running", body.get("state"));
    } else {
      assertStatusOnly(expected, response);
    }
  }

  /**
   * §1.1: Patroni sends the bare status line. Jetty answers HTTP/1.1 with Date and Content-Length
   * 0; what matters to HAProxy and kubelet is the status, and there is still no body.
   */
  static void assertStatusOnly(int expected, String response) {
    assertTrue(
        response.startsWith("HTTP/1.1 " + expected + " " + HttpReply.reason(expected) + "\r\n"),
        response);
    assertTrue(response.endsWith("\r\n\r\n"), "no body: " + response);
    assertTrue(response.contains("\r\nContent-Length: 0\r\n"), response);
    assertFalse(response.contains("Content-Type"), response);
    assertFalse(response.contains("X-Extra"), "no extra headers on a bare status: " + response);
  }

  @Test
  void getHealthChecksCarryTheStatusJson() throws IOException {
    snapshot.set(Snapshots.replica());
    Response r = get("/primary");
    assertEquals(503, r.code());
    assertEquals("application/json", r.headers().get("Content-Type").get(0));
    assertEquals(List.of("yes"), r.headers().get("X-Extra"));
    assertFalse(r.headers().containsKey("Strict-Transport-Security"), "https headers only w/ TLS");
    assertEquals(Json.write(StatusJson.build(Snapshots.replica())), r.body());
  }

  @Test
  void patroniAlways200() throws IOException {
    snapshot.set(Snapshots.stopped());
    Response r = get("/patroni");
    assertEquals(200, r.code());
    assertEquals("stopped", Json.readObject(r.body()).get("state"));
    assertEquals(200, get("/patroni/anything").code());
    assertEquals(503, get("/health").code());
  }

  @Test
  void livenessAndReadinessAreBareStatusCodes() throws IOException {
    snapshot.set(Snapshots.leader());
    Response live = get("/liveness");
    assertEquals(200, live.code());
    assertEquals("", live.body());
    assertStatusOnly(200, raw("GET", "/liveness"));
    assertStatusOnly(200, raw("GET", "/readiness"));
    assertEquals(200, get("/readiness").code());
    snapshot.set(Snapshots.stopped());
    assertEquals(503, get("/readiness").code());
    // liveness: next run NOW+10 s is not overdue at NOW
    assertEquals(200, get("/liveness").code());
  }

  @Test
  void metrics() throws IOException {
    snapshot.set(Snapshots.leader());
    Response r = get("/metrics");
    assertEquals(200, r.code());
    assertTrue(r.headers().get("Content-Type").get(0).startsWith("text/plain"));
    String labels = "{scope=\"batman\",name=\"node1\"}";
    assertTrue(
        r.body()
            .startsWith(
                "# HELP patroni_version Patroni semver without periods.\n"
                    + "# TYPE patroni_version gauge\npatroni_version"
                    + labels
                    + " 040104\n"),
        r.body());
    assertTrue(r.body().contains("\npatroni_primary" + labels + " 1\n"));
    assertTrue(r.body().contains("\npatroni_replica" + labels + " 0\n"));
    assertTrue(r.body().contains("\npatroni_xlog_location" + labels + " 100000000\n"));
    assertTrue(
        r.body().contains("\npatroni_postmaster_start_time" + labels + " 1724873966.352526\n"));
    assertTrue(r.body().contains("\npatroni_postgres_server_version" + labels + " 150010\n"));
    assertTrue(r.body().contains("\npatroni_postgres_streaming" + labels + " 0\n"));
    assertTrue(r.body().contains("\n# Values: 0=initdb, 1=initdb_failed, 2=custom_bootstrap,"));
    assertTrue(
        r.body()
            .contains(
                "14=crashed\n# TYPE patroni_postgres_state gauge\n"
                    + "patroni_postgres_state"
                    + labels
                    + " 5\n"));
    assertTrue(r.body().endsWith("patroni_failover_priority" + labels + " 1\n"));
    for (String line : r.body().split("\n")) {
      assertTrue(line.startsWith("#") || line.matches("patroni_[a-z_]+\\{[^}]+} -?[0-9.]+"), line);
    }
  }

  @Test
  void clusterIsAFreshDcsReadAnd503WhenItFails() throws IOException {
    snapshot.set(Snapshots.leader());
    Response r = get("/cluster");
    assertEquals(200, r.code());
    assertEquals(
        "{\"members\":[{\"name\":\"node1\",\"role\":\"leader\",\"state\":\"running\","
            + "\"api_url\":\"http://10.0.0.1:8008/patroni\",\"host\":\"10.0.0.1\",\"port\":5432,"
            + "\"timeline\":3},"
            + "{\"name\":\"node2\",\"role\":\"replica\",\"state\":\"streaming\","
            + "\"api_url\":\"http://10.0.0.2:8008/patroni\",\"host\":\"10.0.0.2\",\"port\":5433,"
            + "\"timeline\":3,\"tags\":{\"nofailover\":true},"
            + "\"receive_lsn\":\"0/5F5D100\",\"receive_lag\":4096,"
            + "\"replay_lsn\":\"0/5F5C100\",\"replay_lag\":8192,"
            + "\"lsn\":\"0/5F5D100\",\"lag\":4096}],\"scope\":\"batman\"}",
        r.body());
    dcs.set(
        () -> {
          throw new IllegalStateException("etcd unreachable");
        });
    assertEquals(503, get("/cluster").code());
  }

  @Test
  void historyAndConfigFromTheCachedCluster() throws IOException {
    snapshot.set(Snapshots.leader());
    Response h = get("/history");
    assertEquals(200, h.code());
    assertEquals(
        "[[2,50331808,\"no recovery target specified\",\"2024-08-28T19:00:00+00:00\",\"node1\"]]",
        h.body());
    Response c = get("/config");
    assertEquals(200, c.code());
    assertEquals("{\"ttl\":30}", c.body());
    Cluster noConfig =
        new Cluster(
            "1",
            null,
            0,
            null,
            Snapshots.cluster().status(),
            List.of(),
            null,
            null,
            List.of(),
            null,
            1);
    snapshot.set(Snapshots.withCluster(Snapshots.leader(), noConfig, null));
    assertEquals(502, get("/config").code());
  }

  @Test
  void beforeTheFirstSnapshotEverythingIs503() throws IOException {
    assertEquals(503, get("/patroni").code());
    assertEquals(503, status(raw("OPTIONS", "/")));
  }

  @Test
  void noPasswordInAnyAnswer() throws IOException {
    snapshot.set(Snapshots.leader());
    for (String path : List.of("/patroni", "/cluster", "/config", "/metrics", "/", "/history")) {
      assertFalse(get(path).body().contains("s3cret-pw"), path);
    }
  }

  @Test
  void aTakenPortFailsTheStartAndStopFreesThePort() throws IOException {
    int port = server.port();
    RestApiConfig same =
        new RestApiConfig(
            "127.0.0.1:" + port,
            "127.0.0.1:8008",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            List.of(),
            false,
            Map.of(),
            Map.of(),
            RestApiConfig.DEFAULT_REQUEST_QUEUE_SIZE);
    RestApiServer second = new RestApiServer(same, snapshot::get, () -> NOW, Snapshots::cluster);
    RuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, second::start);
    assertTrue(e.getMessage().contains(String.valueOf(port)), e.getMessage());
    server.stop();
    server = new RestApiServer(same, snapshot::get, () -> NOW, Snapshots::cluster);
    server.start(); // the same port again: stop released it
    snapshot.set(Snapshots.leader());
    assertStatusOnly(200, raw("OPTIONS", "/primary"));
  }

  @Test
  void keepAliveConnectionsServeSeveralRequests() throws IOException {
    snapshot.set(Snapshots.leader());
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      String twice =
          "OPTIONS /primary HTTP/1.1\r\nHost: x\r\n\r\nGET /liveness HTTP/1.1\r\nHost: x\r\n\r\n";
      out.write(twice.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] buf = new byte[4096];
      StringBuilder got = new StringBuilder();
      long end = System.currentTimeMillis() + 5000;
      while (got.toString().split("HTTP/1.1 200 OK", -1).length < 3
          && System.currentTimeMillis() < end) {
        int n = s.getInputStream().read(buf);
        if (n < 0) {
          break;
        }
        got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
      }
      assertEquals(3, got.toString().split("HTTP/1.1 200 OK", -1).length, got.toString());
    }
  }

  @Test
  void listenAddressParsing() {
    assertEquals(null, RestApiServer.listenAddress("*:8008").host());
    assertEquals(null, RestApiServer.listenAddress(":8008").host());
    assertEquals(null, RestApiServer.listenAddress("0.0.0.0:8009").host());
    assertEquals(8009, RestApiServer.listenAddress("0.0.0.0:8009").port());
    assertEquals("10.0.0.1", RestApiServer.listenAddress("10.0.0.1:8008").host());
    assertEquals("::1", RestApiServer.listenAddress("[::1]:8008").host());
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> RestApiServer.listenAddress("host:notaport"));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> RestApiServer.listenAddress(""));
  }
}
