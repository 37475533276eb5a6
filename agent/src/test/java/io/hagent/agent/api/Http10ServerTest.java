package io.hagent.agent.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP/1.0 server's mechanics with a trivial handler: parsing, limits, threads, stop. */
class Http10ServerTest {
  private Http10Server server;

  private void start(int maxThreads, Http10Server.Handler handler) throws IOException {
    server =
        Http10Server.start(
            new ServerSocket(),
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            5,
            maxThreads,
            "test-server",
            handler);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop();
    }
  }

  private String exchange(String request) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      s.getInputStream().transferTo(buf);
      return buf.toString(StandardCharsets.UTF_8);
    }
  }

  private static HttpReply echo(HttpRequest r) throws IOException {
    String body = r.readBody();
    return HttpReply.text(
        200, r.method() + " " + r.path() + " " + r.query() + " " + r.header("x-ONE") + " " + body);
  }

  @Test
  void aRequestGetsOneHttp10ResponseAndTheConnectionCloses() throws IOException {
    start(2, Http10ServerTest::echo);
    String response =
        exchange(
            "POST /a/b?c=d HTTP/1.1\r\nX-One: 1\r\nx-one: 2\r\nContent-Length: 5\r\n\r\nhello");
    assertTrue(response.startsWith("HTTP/1.0 200 OK\r\nServer: test-server\r\nDate: "), response);
    assertTrue(response.contains("\r\nContent-Type: text/html\r\n"), response);
    assertTrue(response.contains("\r\nContent-Length: 21\r\n"), response);
    assertTrue(response.contains("\r\nConnection: close\r\n"), response);
    assertTrue(response.endsWith("\r\n\r\nPOST /a/b c=d 1 hello"), response);
  }

  @Test
  void statusOnlyRepliesAreTheBareStatusLine() throws IOException {
    start(2, r -> HttpReply.statusOnly(503));
    assertEquals(
        "HTTP/1.0 503 Service Unavailable\r\n\r\n", exchange("OPTIONS / HTTP/1.0\r\n\r\n"));
  }

  @Test
  void headGetsHeadersButNoBody() throws IOException {
    start(2, r -> HttpReply.text(200, "body"));
    String response = exchange("HEAD / HTTP/1.0\r\n\r\n");
    assertTrue(response.startsWith("HTTP/1.0 200 OK\r\n"), response);
    assertTrue(response.endsWith("Content-Length: 4\r\nConnection: close\r\n\r\n"), response);
  }

  @Test
  void malformedRequestsGetPythonsErrorPages() throws IOException {
    AtomicInteger handled = new AtomicInteger();
    start(
        2,
        r -> {
          handled.incrementAndGet();
          return HttpReply.text(200, "ok");
        });
    String syntax = exchange("NONSENSE\r\n\r\n");
    assertTrue(syntax.startsWith("HTTP/1.0 400 Bad Request\r\n"), syntax);
    assertTrue(syntax.contains("Bad request syntax ('NONSENSE')"), syntax);
    String version = exchange("GET / FTP/1.0\r\n\r\n");
    assertTrue(version.contains("Bad request version"), version);
    assertTrue(exchange("GET / HTTP/2.0\r\n\r\n").startsWith("HTTP/1.0 505 "));
    String longLine = exchange("GET /" + "x".repeat(Http10Server.MAX_LINE) + " HTTP/1.0\r\n\r\n");
    assertTrue(longLine.startsWith("HTTP/1.0 414 "), longLine);
    StringBuilder many = new StringBuilder("GET / HTTP/1.0\r\n");
    for (int i = 0; i <= Http10Server.MAX_HEADERS; i++) {
      many.append("X-H").append(i).append(": v\r\n");
    }
    assertTrue(exchange(many.append("\r\n").toString()).startsWith("HTTP/1.0 431 "));
    assertTrue(exchange("GET / HTTP/1.0\r\nNo colon here\r\n\r\n").startsWith("HTTP/1.0 400 "));
    String length = exchange("POST / HTTP/1.0\r\nContent-Length: -3\r\n\r\n");
    assertTrue(length.startsWith("HTTP/1.0 400 ") && length.contains("Bad Content-Length"));
    assertTrue(
        exchange("POST / HTTP/1.0\r\nContent-Length: abc\r\n\r\n").startsWith("HTTP/1.0 400 "));
    assertEquals("", exchange("\r\n"), "an empty request line closes without an answer");
    assertEquals(0, handled.get(), "no malformed request reaches the handler");
  }

  @Test
  void anUnreadBodyDoesNotCostTheClientItsAnswer() throws Exception {
    start(2, r -> HttpReply.error(413));
    byte[] body = new byte[512 * 1024];
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      s.setSoTimeout(5000);
      Thread writer =
          new Thread(
              () -> {
                try {
                  OutputStream out = s.getOutputStream();
                  out.write(
                      ("PATCH /config HTTP/1.0\r\nContent-Length: " + body.length + "\r\n\r\n")
                          .getBytes(StandardCharsets.ISO_8859_1));
                  out.write(body);
                  out.flush();
                } catch (IOException e) {
                  // the assertion below reports what the client saw
                }
              });
      writer.start();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      s.getInputStream().transferTo(buf);
      writer.join(5000);
      assertTrue(buf.toString(StandardCharsets.UTF_8).startsWith("HTTP/1.0 413 "), buf.toString());
    }
  }

  @Test
  void headerValuesCannotInjectHeaders() throws IOException {
    start(2, r -> HttpReply.text(200, "x").withHeader("X-Note", "a\r\nX-Evil: 1"));
    String response = exchange("GET / HTTP/1.0\r\n\r\n");
    assertTrue(response.contains("\r\nX-Note: a  X-Evil: 1\r\n"), response);
    assertFalse(response.contains("\r\nX-Evil"), response);
  }

  @Test
  void aHandlerFailureIsA500() throws IOException {
    start(
        2,
        r -> {
          throw new IllegalStateException("boom");
        });
    assertTrue(exchange("GET / HTTP/1.0\r\n\r\n").startsWith("HTTP/1.0 500 "));
  }

  @Test
  void silentClientsDoNotBlockTheNextRequest() throws IOException {
    start(3, r -> HttpReply.text(200, "ok"));
    List<Socket> silent = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        silent.add(new Socket(InetAddress.getLoopbackAddress(), server.port()));
      }
      // two threads wait for the silent clients' request lines; the third answers
      assertTrue(exchange("GET / HTTP/1.0\r\n\r\n").startsWith("HTTP/1.0 200 "));
    } finally {
      for (Socket s : silent) {
        s.close();
      }
    }
  }

  @Test
  void concurrencyIsBoundedAndEveryRequestIsAnswered() throws Exception {
    AtomicInteger busy = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    start(
        3,
        r -> {
          int now = busy.incrementAndGet();
          most.accumulateAndGet(now, Math::max);
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          busy.decrementAndGet();
          return HttpReply.text(200, "ok");
        });
    ExecutorService clients = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> answers = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        answers.add(clients.submit(() -> exchange("GET / HTTP/1.0\r\n\r\n")));
      }
      for (Future<String> answer : answers) {
        assertTrue(answer.get().startsWith("HTTP/1.0 200 "));
      }
    } finally {
      clients.shutdownNow();
    }
    assertTrue(most.get() <= 3, "at most 3 at once, saw " + most.get());
    assertTrue(most.get() >= 2, "requests were served side by side, saw " + most.get());
  }

  @Test
  void aTakenPortFailsTheStartAndClosesTheSocket() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      ServerSocket unbound = new ServerSocket();
      assertThrows(
          java.net.BindException.class,
          () ->
              Http10Server.start(
                  unbound,
                  new InetSocketAddress(InetAddress.getLoopbackAddress(), taken.getLocalPort()),
                  5,
                  2,
                  "test-server",
                  r -> HttpReply.statusOnly(200)));
      assertTrue(unbound.isClosed());
    }
  }

  @Test
  void stopClosesTheListeningSocket() throws IOException {
    start(2, r -> HttpReply.statusOnly(200));
    int port = server.port();
    assertTrue(exchange("GET / HTTP/1.0\r\n\r\n").startsWith("HTTP/1.0 200 "));
    server.stop();
    assertThrows(
        ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close());
  }

  @Test
  void headersAreCaseInsensitiveAndEmptyWhenAbsent() throws IOException {
    start(
        1,
        r ->
            HttpReply.text(
                200, r.headers().getOrDefault("content-type", "-") + " " + r.contentLength()));
    assertTrue(exchange("GET / HTTP/1.0\r\nCONTENT-TYPE: a/b\r\n\r\n").endsWith("a/b -1"));
    assertTrue(exchange("GET / HTTP/1.0\r\n\r\n").endsWith("\r\n\r\n- -1"));
  }
}
