package io.hagent.agent.api;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterView;
import io.hagent.common.cluster.HostPort;
import io.hagent.common.config.RestApiConfig;
import io.hagent.common.dcs.DcsException;
import io.hagent.common.json.Json;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Patroni-compatible REST API (§1.1-§1.6): health checks and monitoring endpoints. Every answer
 * comes from the latest {@link NodeSnapshot}, except GET /cluster which reads the DCS afresh as
 * Patroni does.
 *
 * <p>Routing follows Patroni: the first path segment selects a dedicated GET handler; every other
 * GET path, and HEAD/OPTIONS on any path, is a generic health check ({@link HealthCheck}).
 */
public final class RestApiServer {
  private static final Logger LOG = LoggerFactory.getLogger(RestApiServer.class);
  private static final String JSON = "application/json";

  private final RestApiConfig cfg;
  private final Supplier<NodeSnapshot> snapshot;
  private final LongSupplier nanoTime;
  private final Supplier<Cluster> freshCluster;
  private final Management management;
  private final AccessGuard guard;
  private volatile String serverHeader = ServerTokens.header("original", ServerTokens.VERSION);
  private Javalin app;

  /** Bodies larger than this are refused unread: no valid request comes near it. */
  static final long MAX_BODY_BYTES = 64 * 1024;

  /**
   * An oversized body up to this size is read and dropped before the 413 goes out: closing a
   * connection with unread data makes the kernel reset it, and the client may then lose the answer.
   */
  static final long MAX_DRAINED_BYTES = 1024 * 1024;

  /**
   * @param snapshot the latest snapshot published by the HA loop (null before the first cycle)
   * @param nanoTime the monotonic clock the snapshot's deadlines refer to (System::nanoTime)
   * @param freshCluster a fresh DCS read for GET /cluster; may throw when the DCS is unreachable
   */
  public RestApiServer(
      RestApiConfig cfg,
      Supplier<NodeSnapshot> snapshot,
      LongSupplier nanoTime,
      Supplier<Cluster> freshCluster) {
    this.cfg = cfg;
    this.snapshot = snapshot;
    this.nanoTime = nanoTime;
    this.freshCluster = freshCluster;
    this.management = null;
    this.guard = new AccessGuard(cfg);
  }

  /**
   * The full API including the management endpoints of §1.7.
   *
   * @param actions the HA loop's side of management requests; its {@code dcs()} also serves GET
   *     /cluster
   */
  public RestApiServer(
      RestApiConfig cfg,
      Supplier<NodeSnapshot> snapshot,
      LongSupplier nanoTime,
      ManagementActions actions) {
    this(cfg, snapshot, nanoTime, actions, Instant::now, Thread::sleep);
  }

  /** For tests: an explicit wall clock and a sleeper for the switchover poll. */
  RestApiServer(
      RestApiConfig cfg,
      Supplier<NodeSnapshot> snapshot,
      LongSupplier nanoTime,
      ManagementActions actions,
      Supplier<Instant> clock,
      Switchover.Sleeper sleeper) {
    this.cfg = cfg;
    this.snapshot = snapshot;
    this.nanoTime = nanoTime;
    this.freshCluster =
        () -> {
          try {
            return actions.dcs().readCluster();
          } catch (DcsException e) {
            throw new IllegalStateException(e.getMessage(), e);
          }
        };
    this.management = new Management(actions, snapshot, clock, sleeper);
    this.guard = new AccessGuard(cfg);
  }

  /**
   * restapi.server_tokens (§1.1): {@code original} (default), {@code productonly} or {@code
   * minimal}; see {@link ServerTokens}. Call before {@link #start()}.
   */
  public void setServerTokens(String serverTokens, String version) {
    this.serverHeader = ServerTokens.header(serverTokens, version);
  }

  /** Binds {@code restapi.listen} ({@code *}, empty or 0.0.0.0 = all interfaces; port 0 = any). */
  public synchronized void start() {
    if (app != null) {
      throw new IllegalStateException("REST API already started");
    }
    HostPort listen = listenAddress(cfg.listen());
    // Health checks arrive every few seconds: keep idle workers for 10 minutes instead of
    // Jetty's 60 s, so the pool does not tear a thread down and start another one each minute.
    // At most 8: one is the selector, and a burst of API calls gains nothing from more threads on
    // a small server, while each one stays resident (stack, thread-local buffers) long after.
    QueuedThreadPool pool = new QueuedThreadPool(8, 2, 600_000);
    pool.setName("restapi");
    SslContextFactory.Server ssl = cfg.tls() ? TlsSetup.sslContextFactory(cfg) : null;
    Javalin javalin =
        Javalin.create(
            c -> {
              c.startup.showJavalinBanner = false;
              c.startup.showOldJavalinVersionWarning = false;
              c.jetty.threadPool = pool;
              c.jetty.host = listen.host();
              c.jetty.port = listen.port();
              c.jetty.modifyHttpConfiguration(h -> h.setSendServerVersion(false));
              // Our own connector (TLS or not): no acceptor thread (the selector accepts) and one
              // selector, instead of Jetty's acceptor + selector pair handing each connection on.
              c.jetty.addConnector((server, http) -> connector(server, http, ssl, listen));
              c.http.generateEtags = false;
              for (HandlerType method :
                  List.of(HandlerType.GET, HandlerType.HEAD, HandlerType.OPTIONS)) {
                c.routes.addHttpHandler(method, "/", this::handle);
                c.routes.addHttpHandler(method, "*", this::handle);
              }
              for (HandlerType method : UNSAFE_METHODS) {
                c.routes.addHttpHandler(method, "/", this::handleUnsafe);
                c.routes.addHttpHandler(method, "*", this::handleUnsafe);
              }
              // Any other method reaches no route (Javalin's 404): Python answers 501.
              c.routes.error(404, "*", this::unroutedMethod);
            });
    javalin.start();
    app = javalin;
    LOG.info("REST API listening on {}:{}", listen.host() == null ? "*" : listen.host(), port());
  }

  private static final List<HandlerType> UNSAFE_METHODS =
      List.of(
          HandlerType.POST,
          HandlerType.PUT,
          HandlerType.PATCH,
          HandlerType.DELETE,
          HandlerType.TRACE,
          HandlerType.QUERY);

  private static ServerConnector connector(
      Server server, HttpConfiguration http, SslContextFactory.Server ssl, HostPort listen) {
    ServerConnector connector =
        ssl == null
            ? new ServerConnector(server, 0, 1, new HttpConnectionFactory(http))
            : new ServerConnector(
                server,
                0,
                1,
                AbstractConnectionFactory.getFactories(
                    ssl, new HttpConnectionFactory(secure(http))));
    connector.setHost(listen.host());
    connector.setPort(listen.port());
    return connector;
  }

  private static HttpConfiguration secure(HttpConfiguration http) {
    HttpConfiguration https = new HttpConfiguration(http);
    https.setSendServerVersion(false);
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    // Clients reach the API by IP as often as by name; Patroni does not check SNI either.
    secure.setSniHostCheck(false);
    https.addCustomizer(secure);
    return https;
  }

  public synchronized int port() {
    if (app == null) {
      throw new IllegalStateException("REST API not started");
    }
    return app.port();
  }

  public synchronized void stop() {
    if (app != null) {
      app.stop();
      app = null;
    }
  }

  static HostPort listenAddress(String listen) {
    if (listen == null || listen.isBlank()) {
      throw new IllegalArgumentException("restapi.listen is not set");
    }
    HostPort hp;
    try {
      hp = HostPort.parse(listen, 8008);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "restapi.listen: expected host:port, got '" + listen + "'", e);
    }
    if (hp.port() < 0 || hp.port() > 65535) {
      throw new IllegalArgumentException("restapi.listen: port out of range in '" + listen + "'");
    }
    String host = hp.host();
    boolean all = host.isEmpty() || host.equals("*") || host.equals("0.0.0.0") || host.equals("::");
    return new HostPort(all ? null : host, hp.port());
  }

  private void handle(Context ctx) {
    String path = ctx.req().getRequestURI();
    Map<String, List<String>> query = parseQuery(ctx.req().getQueryString());
    NodeSnapshot s = snapshot.get();
    long now = nanoTime.getAsLong();
    if (s == null) {
      // The HA loop has not finished its first cycle: nothing to answer from yet.
      ctx.status(HealthCheck.UNAVAILABLE);
      return;
    }
    HandlerType method = ctx.method();
    if (method != HandlerType.GET) {
      // HEAD and OPTIONS on any path: status line only (HAProxy's option httpchk).
      ctx.status(HealthCheck.evaluate(s, path, query, now));
      return;
    }
    String segment = firstSegment(path);
    switch (segment) {
      case "patroni" -> json(ctx, 200, StatusJson.build(s));
      case "liveness" -> ctx.status(HealthCheck.liveness(s, now));
      case "readiness" -> ctx.status(HealthCheck.readiness(s, query, now));
      case "metrics" -> {
        extraHeaders(ctx);
        ctx.status(200).contentType("text/plain").result(MetricsText.render(s));
      }
      case "cluster" -> cluster(ctx, s);
      case "history" -> history(ctx, s);
      case "config" -> config(ctx, s);
      case "failsafe" -> failsafe(ctx, s);
      default -> json(ctx, HealthCheck.evaluate(s, path, query, now), StatusJson.build(s));
    }
  }

  /**
   * POST/PUT/PATCH/DELETE (and other unsafe methods): a management endpoint if one exists for the
   * first path segment, else 501 as Python's http.server answers for a missing do_ handler.
   */
  private void handleUnsafe(Context ctx) {
    String method = ctx.method().name();
    String segment = firstSegment(ctx.req().getRequestURI());
    if (management == null || !Management.exists(method, segment)) {
      reply(ctx, HttpReply.error(501, "Unsupported method ('" + method + "')"));
      return;
    }
    NodeSnapshot s = snapshot.get();
    HttpReply denied =
        guard.check(
            clientAddress(ctx),
            ctx.req().getAttribute("jakarta.servlet.request.X509Certificate") != null,
            ctx.header("Authorization"),
            s == null ? null : s.cluster());
    if (denied != null) {
      reply(ctx, denied);
      return;
    }
    long length = ctx.req().getContentLengthLong();
    if (length > MAX_BODY_BYTES) {
      if (length <= MAX_DRAINED_BYTES) {
        drain(ctx);
      }
      reply(
          ctx, HttpReply.error(413, "request body too large (limit " + MAX_BODY_BYTES + " bytes)"));
      return;
    }
    RequestBody body =
        ctx.header("Content-Length") == null ? RequestBody.NONE : new RequestBody(ctx.body());
    reply(ctx, management.handle(method, segment, body));
  }

  private static void drain(Context ctx) {
    try (InputStream in = ctx.req().getInputStream()) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      // the client went away; nothing to answer
    }
  }

  private void unroutedMethod(Context ctx) {
    HandlerType method = ctx.method();
    boolean routed =
        UNSAFE_METHODS.contains(method)
            || method == HandlerType.GET
            || method == HandlerType.HEAD
            || method == HandlerType.OPTIONS;
    if (!routed) {
      reply(ctx, HttpReply.error(501, "Unsupported method ('" + method.name() + "')"));
    }
  }

  private static InetAddress clientAddress(Context ctx) {
    try {
      return InetAddress.getByName(ctx.req().getRemoteAddr());
    } catch (UnknownHostException e) {
      // getRemoteAddr() is an IP literal, so this does not happen; deny rather than guess.
      return InetAddress.getLoopbackAddress();
    }
  }

  private void reply(Context ctx, HttpReply r) {
    extraHeaders(ctx);
    r.headers().forEach(ctx::header);
    ctx.status(r.status()).contentType(r.contentType()).result(r.body());
  }

  private void cluster(Context ctx, NodeSnapshot s) {
    Cluster cluster;
    try {
      cluster = freshCluster.get();
    } catch (RuntimeException e) {
      LOG.warn("GET /cluster: cannot read the cluster from the DCS: {}", e.getMessage());
      error(ctx, 503);
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>(ClusterView.toJson(cluster));
    body.put("scope", s.scope());
    json(ctx, 200, body);
  }

  private void history(Context ctx, NodeSnapshot s) {
    Cluster cluster = cachedOrFresh(ctx, s);
    if (cluster != null) {
      json(ctx, 200, cluster.history() == null ? List.of() : cluster.history());
    }
  }

  private void config(Context ctx, NodeSnapshot s) {
    Cluster cluster = cachedOrFresh(ctx, s);
    if (cluster == null) {
      return;
    }
    if (cluster.config() == null) {
      error(ctx, 502);
    } else {
      json(ctx, 200, cluster.config());
    }
  }

  private void failsafe(Context ctx, NodeSnapshot s) {
    if (s.cluster() == null || s.cluster().failsafe() == null) {
      error(ctx, 502);
    } else {
      json(ctx, 200, s.cluster().failsafe());
    }
  }

  /** Patroni uses its cached view and reads the DCS only when it has none. */
  private Cluster cachedOrFresh(Context ctx, NodeSnapshot s) {
    if (s.cluster() != null) {
      return s.cluster();
    }
    try {
      return freshCluster.get();
    } catch (RuntimeException e) {
      LOG.warn("GET {}: cannot read the cluster from the DCS: {}", ctx.path(), e.getMessage());
      error(ctx, 503);
      return null;
    }
  }

  private void json(Context ctx, int status, Object body) {
    extraHeaders(ctx);
    ctx.status(status).contentType(JSON).result(Json.write(body));
  }

  /** Like Python's send_error: a small HTML page. */
  private void error(Context ctx, int status) {
    extraHeaders(ctx);
    ctx.status(status)
        .contentType("text/html;charset=utf-8")
        .result("<html><body><h1>Error " + status + "</h1></body></html>\n");
  }

  private void extraHeaders(Context ctx) {
    ctx.header("Server", serverHeader);
    add(ctx, cfg.httpExtraHeaders());
    if (cfg.tls()) {
      add(ctx, cfg.httpsExtraHeaders());
    }
  }

  private static void add(Context ctx, Map<String, String> headers) {
    if (headers != null) {
      headers.forEach(ctx::header);
    }
  }

  static String firstSegment(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    int slash = p.indexOf('/');
    return slash < 0 ? p : p.substring(0, slash);
  }

  /** Like Python's parse_qs: repeated keys collect values, blank values are dropped. */
  static Map<String, List<String>> parseQuery(String query) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return out;
    }
    for (String pair : query.split("[&;]")) {
      int eq = pair.indexOf('=');
      if (eq <= 0 || eq == pair.length() - 1) {
        continue;
      }
      try {
        String key = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        out.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
      } catch (IllegalArgumentException e) {
        // A malformed %-escape: ignore the pair, as a lenient parser would.
      }
    }
    return out;
  }
}
