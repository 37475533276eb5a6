package io.hagent.agent.api;

import io.hagent.common.cluster.HostPort;
import io.hagent.common.config.RestApiConfig;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.router.EndpointNotFound;
import io.javalin.util.JavalinBindException;
import io.javalin.util.JavalinException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API's HTTP transport: Javalin on Jetty 12, HTTP/1.1 with keep-alive (an HTTP/1.0
 * request, such as HAProxy's httpchk, gets an HTTP/1.1 status line and the connection closes after
 * the answer), plain or TLS. Routing and answers stay in {@link RestApiServer}; this class only
 * moves {@link HttpReply}s to the wire.
 *
 * <p>Threads: Jetty's selector reads every connection without a thread per client; health checks
 * and other answers from the latest snapshot run on a small bounded Jetty pool. Requests that may
 * wait on the DCS or the HA loop (a switchover waits for the new leader) run on their own executor
 * of {@code restapi.thread_pool_size} threads with a queue of {@code request_queue_size}, so they
 * never hold the threads that answer health checks. Slow or silent clients are cut off by {@link
 * ConnectionPolicy}.
 */
final class JettyTransport {
  private static final Logger LOG = LoggerFactory.getLogger(JettyTransport.class);

  /** Whether a request may wait on the DCS or the HA loop. */
  interface MayBlock {
    boolean test(String method, String path);
  }

  /** Answers one request from its parsed form. */
  interface Handler {
    HttpReply handle(ApiRequest request) throws IOException;
  }

  /**
   * Jetty pool for answers from the snapshot: each takes well under a millisecond, so a few threads
   * serve hundreds of checks a second. The acceptor and the selector take two more.
   */
  static final int ANSWER_THREADS = 6;

  static final int MIN_THREADS = 2;

  /** Buffers Jetty keeps for reuse, heap and direct each; larger ones are not pooled. */
  static final long POOL_BYTES = 1 << 20;

  static final int POOLED_BUFFER_MAX = 64 * 1024;

  /** Every answer fits (the largest, /metrics and /cluster, are a few KB). */
  static final int OUTPUT_BUFFER_BYTES = 16 * 1024;

  private static final String REFERENCES_PER_CACHE_LINE =
      "org.eclipse.jetty.util.referencesPerCacheLine";

  /** Jetty's idle timeout for a connection (reads and writes). */
  static final long IDLE_TIMEOUT_MILLIS = 10_000;

  private static final List<HandlerType> ROUTED =
      List.of(
          HandlerType.GET,
          HandlerType.HEAD,
          HandlerType.OPTIONS,
          HandlerType.POST,
          HandlerType.PUT,
          HandlerType.PATCH,
          HandlerType.DELETE);

  private final RestApiConfig cfg;
  private final String serverHeader;
  private final Handler handler;
  private final MayBlock mayBlock;
  private final ThreadPoolExecutor blocking;
  private final ConnectionPolicy policy;
  private SslContextFactory.Server tls;
  private ServerConnector connector;
  private Javalin app;

  private JettyTransport(
      RestApiConfig cfg,
      String serverHeader,
      Handler handler,
      MayBlock mayBlock,
      Predicate<InetAddress> allowlist) {
    this.cfg = cfg;
    this.serverHeader = serverHeader.replaceAll("[\r\n]", " ");
    this.handler = handler;
    this.mayBlock = mayBlock;
    this.policy = new ConnectionPolicy(allowlist, ConnectionPolicy.HEADER_TIMEOUT_MILLIS);
    int threads = Math.max(1, cfg.threadPoolSize());
    AtomicInteger n = new AtomicInteger();
    this.blocking =
        new ThreadPoolExecutor(
            threads,
            threads,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(Math.max(1, cfg.requestQueueSize())),
            r -> {
              Thread t = new Thread(r, "restapi-blocking-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.blocking.allowCoreThreadTimeOut(true);
  }

  /** Binds {@code listen} (host null = all interfaces) and starts serving. */
  static JettyTransport start(
      RestApiConfig cfg,
      HostPort listen,
      String serverHeader,
      Handler handler,
      MayBlock mayBlock,
      Predicate<InetAddress> allowlist) {
    // Jetty asks the platform MBean server (about 200 JMX classes, a few MiB of metadata) for
    // UseCompressedOops only to size a padding; with the answer given, JMX is never loaded.
    if (System.getProperty(REFERENCES_PER_CACHE_LINE) == null) {
      System.setProperty(REFERENCES_PER_CACHE_LINE, "16");
    }
    JettyTransport t = new JettyTransport(cfg, serverHeader, handler, mayBlock, allowlist);
    t.tls = cfg.tls() ? TlsSetup.contextFactory(cfg) : null;
    try {
      t.app = Javalin.create(c -> t.configure(c, listen));
      t.app.start();
    } catch (JavalinBindException e) {
      t.stop();
      throw new UncheckedIOException(
          new IOException("cannot bind " + listen + ": " + rootMessage(e), e));
    } catch (JavalinException | IllegalStateException e) {
      t.stop();
      throw new UncheckedIOException(new IOException(rootMessage(e), e));
    }
    return t;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  private void configure(io.javalin.config.JavalinConfig c, HostPort listen) {
    c.startup.showJavalinBanner = false;
    c.startup.showOldJavalinVersionWarning = false;
    c.startup.startupWatcherEnabled = false;
    c.http.compressionStrategy = CompressionStrategy.NONE;
    c.http.maxRequestSize = RestApiServer.MAX_BODY_BYTES;
    QueuedThreadPool pool =
        new QueuedThreadPool(ANSWER_THREADS + 1, MIN_THREADS, 60_000, 0, null, null);
    pool.setName("restapi");
    pool.setDaemon(true);
    c.jetty.threadPool = pool;
    c.jetty.modifyServer(server -> server.setHandler(policy));
    c.jetty.modifyHttpConfiguration(this::httpConfiguration);
    c.jetty.addConnector((server, http) -> connector(server, http, pool, listen));
    for (HandlerType type : ROUTED) {
      c.routes.addHttpHandler(type, "*", this::serve);
    }
    // Any other method (TRACE, FOO, ...) reaches no route: RestApiServer answers 501 for it.
    c.routes.exception(EndpointNotFound.class, (e, ctx) -> serve(ctx));
  }

  private void httpConfiguration(HttpConfiguration http) {
    http.setSendServerVersion(false); // ours, with restapi.server_tokens, on answers with a body
    http.setSendXPoweredBy(false);
    http.setSendDateHeader(true);
    // heap buffers from a small pool: no direct memory for a few health checks a second
    http.setUseInputDirectByteBuffers(false);
    http.setUseOutputDirectByteBuffers(false);
    http.setOutputBufferSize(OUTPUT_BUFFER_BYTES);
    http.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
    if (tls != null) {
      SecureRequestCustomizer secure = new SecureRequestCustomizer();
      // HAProxy and hactl connect by IP address: no SNI host to check
      secure.setSniHostCheck(false);
      secure.setSniRequired(false);
      http.addCustomizer(secure);
    }
  }

  private ServerConnector connector(
      Server server, HttpConfiguration http, QueuedThreadPool pool, HostPort listen) {
    Scheduler scheduler = server.getScheduler(); // Jetty's own timer thread: no second one
    HttpConnectionFactory plain = new HttpConnectionFactory(http);
    ConnectionFactory[] factories =
        tls == null
            ? new ConnectionFactory[] {plain}
            : new ConnectionFactory[] {new SslConnectionFactory(tls, plain.getProtocol()), plain};
    ArrayByteBufferPool buffers =
        new ArrayByteBufferPool(0, -1, POOLED_BUFFER_MAX, 16, POOL_BYTES, POOL_BYTES);
    // no acceptor thread: the selector accepts (one thread fewer, no measurable cost)
    connector = new ServerConnector(server, pool, scheduler, buffers, 0, 1, factories);
    connector.setHost(listen.host());
    connector.setPort(listen.port());
    connector.setReuseAddress(true);
    connector.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
    connector.setAcceptQueueSize(cfg.requestQueueSize());
    connector.addEventListener(policy);
    policy.setScheduler(scheduler);
    return connector;
  }

  int port() {
    return connector.getLocalPort();
  }

  void reloadCertificates() {
    if (tls != null) {
      TlsSetup.reload(tls, cfg);
    }
  }

  void stop() {
    try {
      if (app != null) {
        app.stop();
      }
    } finally {
      blocking.shutdownNow();
    }
  }

  // ---- one request

  private void serve(Context ctx) {
    ConnectionPolicy.Limits limits = ctx.attribute(ConnectionPolicy.LIMITS);
    ApiRequest request = request(ctx, limits);
    boolean head = request.method().equals("HEAD");
    if (!mayBlock.test(request.method(), request.path())) {
      write(ctx, answer(request), head);
      return;
    }
    CompletableFuture<HttpReply> reply = new CompletableFuture<>();
    try {
      blocking.execute(
          () -> {
            if (request.contentLength() < 0 && limits != null) {
              limits.waitingOnHaLoop(); // no body to wait for
            }
            reply.complete(answer(request));
          });
    } catch (RejectedExecutionException e) {
      LOG.warn(
          "REST API: {} {} refused: {} requests already waiting",
          request.method(),
          request.path(),
          cfg.threadPoolSize() + cfg.requestQueueSize());
      write(ctx, HttpReply.error(503, "too many requests in progress"), head);
      return;
    }
    ctx.future(() -> reply.thenAccept(r -> write(ctx, r, head)));
  }

  private HttpReply answer(ApiRequest request) {
    try {
      return handler.handle(request);
    } catch (IOException e) {
      LOG.debug("REST API: {} {}: {}", request.method(), request.path(), e.toString());
      return HttpReply.error(400, "request body could not be read");
    } catch (RuntimeException e) {
      LOG.warn("REST API: {} {} failed: {}", request.method(), request.path(), e.toString());
      return HttpReply.error(500);
    }
  }

  private ApiRequest request(Context ctx, ConnectionPolicy.Limits limits) {
    var req = ctx.req();
    Object allowlisted = req.getAttribute(ConnectionPolicy.ALLOWLISTED);
    Object certs = req.getAttribute("jakarta.servlet.request.X509Certificate");
    return new ApiRequest(
        req.getMethod(),
        req.getRequestURI(),
        req.getQueryString(),
        req::getHeader,
        req.getContentLengthLong(),
        address(req.getRemoteAddr()),
        Boolean.TRUE.equals(allowlisted),
        certs instanceof Object[] array && array.length > 0,
        () -> readBody(req, limits));
  }

  /** At most {@link RestApiServer#MAX_BODY_BYTES}, in the time a request may take. */
  private static byte[] readBody(
      jakarta.servlet.http.HttpServletRequest req, ConnectionPolicy.Limits limits)
      throws IOException {
    int max = (int) RestApiServer.MAX_BODY_BYTES;
    if (limits == null) {
      return req.getInputStream().readNBytes(max);
    }
    byte[] body = limits.readWithin(() -> req.getInputStream().readNBytes(max));
    limits.waitingOnHaLoop();
    return body;
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal); // an IP literal: no name lookup
    } catch (UnknownHostException e) {
      return InetAddress.getLoopbackAddress();
    }
  }

  /**
   * A status-only reply (HEAD/OPTIONS health checks, /liveness, /readiness) is the status line with
   * no body; any other gets Server, Content-Type, its own headers and the body. CR and LF never
   * reach the wire inside a header.
   */
  private void write(Context ctx, HttpReply reply, boolean head) {
    ctx.status(reply.status());
    if (reply.statusOnly()) {
      ctx.res().setContentType(null); // Javalin's default text/plain: there is no content
      ctx.res().setContentLength(0);
      return;
    }
    ctx.header("Server", serverHeader);
    ctx.contentType(reply.contentType());
    reply
        .headers()
        .forEach((name, value) -> ctx.header(clean(name), value.replaceAll("[\r\n]", " ")));
    byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
    ctx.res().setContentLength(body.length);
    if (!head) {
      ctx.result(body);
    }
  }

  private static String clean(String name) {
    return name.replaceAll("[\r\n:]", "");
  }
}
