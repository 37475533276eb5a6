package io.hagent.agent.api;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small blocking HTTP/1.0 server with the mechanics of Patroni's (§1.1): one request per
 * connection, answered with an HTTP/1.0 status line and closed; at most {@code maxThreads}
 * connections served at once, further ones wait in the listen backlog.
 *
 * <p>The thread that accepts a connection also serves it, so a health check costs no hand-off
 * between threads. One more thread than is busy waits in {@code accept} (up to the maximum); a
 * thread that has had nothing to accept for {@link #IDLE_THREAD_MILLIS} ends, down to one.
 */
final class Http10Server {
  private static final Logger LOG = LoggerFactory.getLogger(Http10Server.class);

  /** Answers one request; runs on the thread that read it. */
  interface Handler {
    HttpReply handle(HttpRequest request) throws IOException;
  }

  /** Python's http.server limits: 64 KiB per line (we allow 8), at most 100 header lines. */
  static final int MAX_LINE = 8192;

  static final int MAX_HEADERS = 100;

  /** How long a client may take to send each part of its request (also bounds a TLS handshake). */
  static final int READ_TIMEOUT_MILLIS = 10_000;

  static final int IDLE_THREAD_MILLIS = 600_000;

  /**
   * Unread body bytes up to this size are read and dropped after the answer, so that closing does
   * not reset the connection under the answer; a larger rest is left and the connection closed.
   */
  static final long MAX_DISCARDED_BODY = 1024 * 1024;

  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);

  private final ServerSocket socket;
  private final Handler handler;
  private final int maxThreads;
  private final String serverHeader;
  private final AtomicInteger threads = new AtomicInteger();
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicInteger threadNumber = new AtomicInteger();
  private final Set<Socket> serving = ConcurrentHashMap.newKeySet();
  private final Set<Thread> workers = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * Binds {@code unbound} (a plain or TLS server socket) to {@code address} and starts serving.
   *
   * @param backlog connections the kernel queues while every thread is busy
   */
  static Http10Server start(
      ServerSocket unbound,
      InetSocketAddress address,
      int backlog,
      int maxThreads,
      String serverHeader,
      Handler handler)
      throws IOException {
    try {
      unbound.setReuseAddress(true);
      unbound.bind(address, backlog);
    } catch (IOException e) {
      unbound.close();
      throw e;
    }
    Http10Server server = new Http10Server(unbound, handler, maxThreads, serverHeader);
    server.spawnIfBelowMax();
    return server;
  }

  private Http10Server(ServerSocket socket, Handler handler, int maxThreads, String serverHeader)
      throws SocketException {
    this.socket = socket;
    this.handler = handler;
    this.maxThreads = maxThreads;
    this.serverHeader = serverHeader.replaceAll("[\r\n]", " ");
    socket.setSoTimeout(IDLE_THREAD_MILLIS);
  }

  int port() {
    return socket.getLocalPort();
  }

  /**
   * Stops accepting, closes the connections still being served and waits (at most 2 s) for the
   * threads to end: the JDK closes a listening socket only once no thread is blocked in accept on
   * it, and the port must be free when this returns.
   */
  void stop() {
    closed = true;
    try {
      socket.close();
    } catch (IOException e) {
      LOG.debug("closing the REST API socket: {}", e.getMessage());
    }
    for (Socket s : serving) {
      closeQuietly(s);
    }
    long deadline = System.nanoTime() + 2_000_000_000L;
    for (Thread t : workers) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0 || t == Thread.currentThread()) {
        continue;
      }
      try {
        t.join(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void spawnIfBelowMax() {
    int n;
    do {
      n = threads.get();
      if (n >= maxThreads || closed) {
        return;
      }
    } while (!threads.compareAndSet(n, n + 1));
    Thread t = new Thread(this::acceptAndServe, "restapi-" + threadNumber.incrementAndGet());
    t.setDaemon(true);
    workers.add(t);
    t.start();
  }

  /** Whether this thread may end after an idle spell: it may unless it is the last one. */
  private boolean retire() {
    int n;
    do {
      n = threads.get();
      if (n <= 1) {
        return false;
      }
    } while (!threads.compareAndSet(n, n - 1));
    return true;
  }

  private void acceptAndServe() {
    boolean counted = true;
    try {
      while (!closed) {
        Socket connection;
        waiting.incrementAndGet();
        try {
          connection = socket.accept();
        } catch (SocketTimeoutException e) {
          if (retire()) {
            counted = false;
            return;
          }
          continue;
        } catch (IOException e) {
          if (closed) {
            return;
          }
          // e.g. out of file descriptors: do not spin; the next accept may succeed
          LOG.warn("REST API: accept failed: {}", e.getMessage());
          sleepQuietly(100);
          continue;
        } finally {
          waiting.decrementAndGet();
        }
        if (waiting.get() == 0) {
          spawnIfBelowMax();
        }
        serve(connection);
      }
    } finally {
      if (counted) {
        threads.decrementAndGet();
      }
      workers.remove(Thread.currentThread());
    }
  }

  private void serve(Socket connection) {
    serving.add(connection);
    try (connection) {
      if (closed) {
        return;
      }
      connection.setSoTimeout(READ_TIMEOUT_MILLIS);
      connection.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(connection.getInputStream(), 2048);
      OutputStream out = connection.getOutputStream();
      HttpRequest request;
      try {
        request = read(connection, in);
      } catch (BadRequest e) {
        out.write(encode(HttpReply.error(e.status, e.getMessage()), false));
        return;
      }
      if (request == null) {
        return;
      }
      HttpReply reply;
      try {
        reply = handler.handle(request);
      } catch (RuntimeException e) {
        LOG.warn("REST API: {} {} failed: {}", request.method(), request.path(), e.toString());
        reply = HttpReply.error(500);
      }
      out.write(encode(reply, request.method().equals("HEAD")));
      out.flush();
      request.body().discardRest(MAX_DISCARDED_BODY);
    } catch (SocketTimeoutException e) {
      LOG.debug("REST API: client {} too slow", connection.getRemoteSocketAddress());
    } catch (IOException e) {
      // the client went away or the TLS handshake failed; nobody is left to answer
      LOG.debug("REST API: {}: {}", connection.getRemoteSocketAddress(), e.toString());
    } finally {
      serving.remove(connection);
    }
  }

  /** The request line and headers, or null when the client sent nothing. */
  private HttpRequest read(Socket connection, InputStream in) throws IOException {
    String line = readLine(in, 414, "Request-URI Too Long");
    if (line == null || line.isBlank()) {
      return null;
    }
    String[] words = line.trim().split("[ \t]+");
    if (words.length != 3) {
      throw new BadRequest(400, "Bad request syntax ('" + line + "')");
    }
    String version = words[2];
    if (!version.matches("HTTP/\\d+\\.\\d+")) {
      throw new BadRequest(400, "Bad request version ('" + version + "')");
    }
    if (!version.startsWith("HTTP/1.") && !version.startsWith("HTTP/0.")) {
      throw new BadRequest(505, "Invalid HTTP version (" + version.substring(5) + ")");
    }
    Map<String, String> headers = readHeaders(in);
    long length = -1;
    String contentLength = headers.get("Content-Length");
    if (contentLength != null) {
      try {
        length = Long.parseLong(contentLength.trim());
      } catch (NumberFormatException e) {
        length = -2;
      }
      if (length < 0) {
        throw new BadRequest(400, "Bad Content-Length");
      }
    }
    String target = words[1];
    int q = target.indexOf('?');
    return new HttpRequest(
        words[0],
        q < 0 ? target : target.substring(0, q),
        q < 0 ? null : target.substring(q + 1),
        headers,
        length,
        connection.getInetAddress(),
        presentedCertificate(connection),
        new BodyStream(in, length));
  }

  private static Map<String, String> readHeaders(InputStream in) throws IOException {
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    String previous = null;
    for (int count = 0; ; count++) {
      String line = readLine(in, 431, "Line too long");
      if (line == null || line.isEmpty()) {
        return Collections.unmodifiableMap(headers);
      }
      if (count >= MAX_HEADERS) {
        throw new BadRequest(431, "Too many headers");
      }
      if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && previous != null) {
        headers.computeIfPresent(previous, (k, v) -> v + " " + line.trim());
        continue;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new BadRequest(400, "Bad request syntax ('" + line + "')");
      }
      previous = line.substring(0, colon).trim();
      headers.putIfAbsent(previous, line.substring(colon + 1).trim());
    }
  }

  /** One line without its CR LF (a bare LF also ends it), or null at the end of the stream. */
  private static String readLine(InputStream in, int tooLongStatus, String tooLong)
      throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        return trimCr(line.toString(StandardCharsets.ISO_8859_1));
      }
      if (line.size() >= MAX_LINE) {
        throw new BadRequest(tooLongStatus, tooLong);
      }
      line.write(b);
    }
    return line.size() == 0 ? null : trimCr(line.toString(StandardCharsets.ISO_8859_1));
  }

  private static String trimCr(String s) {
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  private static boolean presentedCertificate(Socket connection) {
    if (!(connection instanceof SSLSocket tls)) {
      return false;
    }
    try {
      return tls.getSession().getPeerCertificates().length > 0;
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }

  /**
   * The response as Python's BaseHTTPRequestHandler writes it: a status-only reply is the bare
   * status line (Patroni's health checks); any other gets Server and Date, its own headers, a
   * Content-Length, Connection: close and the body (none for HEAD).
   */
  byte[] encode(HttpReply reply, boolean head) {
    StringBuilder h = new StringBuilder(256);
    h.append("HTTP/1.0 ")
        .append(reply.status())
        .append(' ')
        .append(HttpReply.reason(reply.status()))
        .append("\r\n");
    if (reply.statusOnly()) {
      return h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }
    byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
    header(h, "Server", serverHeader);
    header(h, "Date", HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC)));
    header(h, "Content-Type", reply.contentType());
    reply.headers().forEach((name, value) -> header(h, name, value));
    header(h, "Content-Length", Integer.toString(body.length));
    // HTTP/1.0 closes anyway; saying so keeps HTTP/1.1 clients from pooling the connection
    header(h, "Connection", "close");
    h.append("\r\n");
    byte[] head0 = h.toString().getBytes(StandardCharsets.ISO_8859_1);
    if (head) {
      return head0;
    }
    byte[] all = new byte[head0.length + body.length];
    System.arraycopy(head0, 0, all, 0, head0.length);
    System.arraycopy(body, 0, all, head0.length, body.length);
    return all;
  }

  /** CR and LF never reach the wire inside a header: they would end it (header injection). */
  private static void header(StringBuilder h, String name, String value) {
    h.append(name.replaceAll("[\r\n:]", ""))
        .append(": ")
        .append(value.replaceAll("[\r\n]", " "))
        .append("\r\n");
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already gone
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A request that cannot be parsed: answered with Python's error page and closed. */
  private static final class BadRequest extends IOException {
    private static final long serialVersionUID = 1L;
    final int status;

    BadRequest(int status, String message) {
      super(message);
      this.status = status;
    }
  }
}
