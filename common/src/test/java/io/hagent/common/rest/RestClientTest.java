package io.hagent.common.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RestClientTest {
  private HttpServer server;
  private String base;
  private final List<String> seen = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          synchronized (seen) {
            seen.add(
                ex.getRequestMethod()
                    + " "
                    + ex.getRequestURI()
                    + " auth="
                    + ex.getRequestHeaders().getFirst("Authorization")
                    + " type="
                    + ex.getRequestHeaders().getFirst("Content-Type")
                    + " body="
                    + body);
          }
          String path = ex.getRequestURI().getPath();
          if (path.equals("/missing")) {
            reply(ex, 503, "no good candidates have been found", false);
          } else if (path.equals("/chunked")) {
            reply(ex, 200, "{\"state\":\"running\"}", true);
          } else {
            reply(ex, 200, "{\"echo\":" + (body.isEmpty() ? "null" : body) + "}", false);
          }
        });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private static void reply(HttpExchange ex, int code, String text, boolean chunked)
      throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(code, chunked ? 0 : bytes.length);
    ex.getResponseBody().write(bytes);
    ex.close();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void getWithoutAuthSendsNoAuthorizationHeader() throws IOException {
    RestClient client = new RestClient(null, null, null, null, null, false);
    RestClient.Response r = client.get(base + "/patroni", Duration.ofSeconds(5));
    assertEquals(200, r.status());
    assertEquals("{\"echo\":null}", r.body());
    assertEquals("GET /patroni auth=null type=null body=", seen.get(0));
  }

  @Test
  void postSendsJsonBodyAndBasicAuth() throws IOException {
    RestClient client = new RestClient("admin", "s3cret", null, null, null, false);
    RestClient.Response r =
        client.send("POST", base + "/switchover", "{\"leader\":\"a\"}", Duration.ofSeconds(5));
    assertEquals(200, r.status());
    assertEquals("{\"echo\":{\"leader\":\"a\"}}", r.body());
    assertEquals(
        "POST /switchover auth=Basic YWRtaW46czNjcmV0 type=application/json body={\"leader\":\"a\"}",
        seen.get(0));
  }

  @Test
  void patchWorksDespiteHttpUrlConnection() throws IOException {
    RestClient client = new RestClient("admin", "s3cret", null, null, null, false);
    RestClient.Response r =
        client.send("PATCH", base + "/config", "{\"pause\":true}", Duration.ofSeconds(5));
    assertEquals(200, r.status());
    assertEquals("{\"echo\":{\"pause\":true}}", r.body());
    assertEquals(
        "PATCH /config auth=Basic YWRtaW46czNjcmV0 type=application/json body={\"pause\":true}",
        seen.get(0));
  }

  @Test
  void errorStatusKeepsTheBody() throws IOException {
    RestClient client = new RestClient(null, null, null, null, null, false);
    RestClient.Response r = client.send("POST", base + "/missing", null, Duration.ofSeconds(5));
    assertEquals(503, r.status());
    assertEquals("no good candidates have been found", r.body());
    RestClient.Response p = client.send("PATCH", base + "/missing", null, Duration.ofSeconds(5));
    assertEquals(503, p.status());
    assertEquals("no good candidates have been found", p.body());
  }

  @Test
  void deleteWithoutBody() throws IOException {
    RestClient client = new RestClient(null, null, null, null, null, false);
    assertEquals(
        200, client.send("DELETE", base + "/restart", null, Duration.ofSeconds(5)).status());
    assertEquals("DELETE /restart auth=null type=null body=", seen.get(0));
  }

  @Test
  void chunkedResponsesAreDecodedOnTheRawPath() throws IOException {
    RestClient.Response r =
        RestClient.parseResponse(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1));
    assertEquals("{\"a\":1}", r.body());
  }

  @Test
  void connectionRefusedIsAnIOException() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RestClient client = new RestClient(null, null, null, null, null, false);
    String url = "http://127.0.0.1:" + port + "/patroni";
    assertThrows(IOException.class, () -> client.get(url, Duration.ofSeconds(2)));
    assertThrows(IOException.class, () -> client.send("PATCH", url, "{}", Duration.ofSeconds(2)));
  }

  @Test
  void missingCaFileIsReportedOnHttpsUse() {
    RestClient client = new RestClient(null, null, "/nonexistent/ca.pem", null, null, false);
    IOException e =
        assertThrows(
            IOException.class,
            () -> client.get("https://127.0.0.1:1/patroni", Duration.ofSeconds(1)));
    assertTrue(e.getMessage().contains("ca.pem"), e.getMessage());
  }
}
