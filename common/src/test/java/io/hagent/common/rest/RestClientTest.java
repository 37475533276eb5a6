package io.hagent.common.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RestClientTest {
  private HttpServer server;
  private String base;
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private final List<String> seen = new ArrayList<>();
  private final List<String> protocols = new ArrayList<>();

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
          synchronized (protocols) {
            protocols.add(
                ex.getProtocol() + " upgrade=" + ex.getRequestHeaders().getFirst("Upgrade"));
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
  void patchSendsJsonBodyAndBasicAuth() throws IOException {
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
  void chunkedResponsesAreDecoded() throws IOException {
    RestClient client = new RestClient(null, null, null, null, null, false);
    RestClient.Response r = client.get(base + "/chunked", Duration.ofSeconds(5));
    assertEquals("{\"state\":\"running\"}", r.body());
    RestClient.Response p = client.send("PATCH", base + "/chunked", "{}", Duration.ofSeconds(5));
    assertEquals("{\"state\":\"running\"}", p.body());
  }

  @Test
  void requestsAreHttp11WithoutAnUpgrade() throws IOException {
    RestClient client = new RestClient(null, null, null, null, null, false);
    client.get(base + "/patroni", Duration.ofSeconds(5));
    assertEquals("HTTP/1.1 upgrade=null", protocols.get(0));
  }

  /**
   * A server that speaks HTTP/1.0 as Patroni's and the old hagent server do: no Content-Length, the
   * body ends when the connection closes. The socket server is the point of the test.
   */
  @Test
  void http10ResponsesWithoutLengthAreReadToTheEnd() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      List<String> requests = new ArrayList<>();
      Thread t =
          new Thread(
              () -> {
                for (int i = 0; i < 3; i++) {
                  try (Socket c = s.accept()) {
                    BufferedReader in =
                        new BufferedReader(
                            new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
                    requests.add(in.readLine());
                    String line;
                    int length = 0;
                    while ((line = in.readLine()) != null && !line.isEmpty()) {
                      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).trim());
                      }
                    }
                    for (int n = 0; n < length; n++) {
                      in.read();
                    }
                    OutputStream out = c.getOutputStream();
                    out.write(
                        ("HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                                + "Connection: close\r\n\r\n{\"role\":\"replica\"}")
                            .getBytes(StandardCharsets.ISO_8859_1));
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      t.start();
      RestClient client = new RestClient("u", "p", null, null, null, false);
      String url = "http://127.0.0.1:" + s.getLocalPort();
      for (String method : List.of("GET", "PATCH", "POST")) {
        RestClient.Response r =
            client.send(method, url + "/primary", "GET".equals(method) ? null : "{}", TIMEOUT);
        assertEquals(503, r.status(), method);
        assertEquals("{\"role\":\"replica\"}", r.body(), method);
      }
      t.join(5000);
      assertEquals(
          List.of("GET /primary HTTP/1.1", "PATCH /primary HTTP/1.1", "POST /primary HTTP/1.1"),
          requests);
    }
  }

  /** A server that accepts and never answers: the call ends at its timeout, not later. */
  @Test
  void silentServerTimesOut() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      RestClient client = new RestClient(null, null, null, null, null, false);
      String url = "http://127.0.0.1:" + s.getLocalPort() + "/patroni";
      long start = System.nanoTime();
      IOException e =
          assertThrows(IOException.class, () -> client.get(url, Duration.ofMillis(500)));
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms >= 450 && ms < 3000, ms + " ms");
      assertTrue(e.getMessage().contains("500 ms"), e.getMessage());
    }
  }

  /** HAProxy-style checks: HEAD gets the status without waiting for a body, OPTIONS works. */
  @Test
  void headAndOptions() throws IOException {
    RestClient client = new RestClient(null, null, null, null, null, false);
    RestClient.Response head = client.send("HEAD", base + "/missing", null, TIMEOUT);
    assertEquals(503, head.status());
    assertEquals("", head.body());
    assertEquals(200, client.send("OPTIONS", base + "/primary", null, TIMEOUT).status());
    assertEquals("OPTIONS /primary auth=null type=null body=", seen.get(1));
  }

  @Test
  void invalidUrlsAreIoExceptions() {
    RestClient client = new RestClient(null, null, null, null, null, false);
    for (String url : List.of("not a url", "ftp://h/x", "http:///nohost", "/relative")) {
      assertThrows(IOException.class, () -> client.get(url, TIMEOUT), url);
    }
  }

  @Test
  void connectionRefusedIsAnIOException() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RestClient client = new RestClient(null, null, null, null, null, false);
    String url = "http://127.0.0.1:" + port + "/patroni";
    IOException get = assertThrows(IOException.class, () -> client.get(url, Duration.ofSeconds(2)));
    assertEquals("Connection refused (127.0.0.1:" + port + ")", get.getMessage());
    IOException patch =
        assertThrows(
            IOException.class, () -> client.send("PATCH", url, "{}", Duration.ofSeconds(2)));
    assertEquals(get.getMessage(), patch.getMessage());
    IOException unknown =
        assertThrows(
            IOException.class,
            () -> client.get("http://no-such-host.invalid:8008/patroni", Duration.ofSeconds(5)));
    assertEquals("no-such-host.invalid", unknown.getMessage());
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
