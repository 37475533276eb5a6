package io.hagent.agent.api;

import io.hagent.agent.node.ManagementActions;
import io.hagent.agent.node.NodeSnapshot;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterView;
import io.hagent.common.cluster.HostPort;
import io.hagent.common.config.RestApiConfig;
import io.hagent.common.dcs.DcsException;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
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

  private final RestApiConfig cfg;
  private final Supplier<NodeSnapshot> snapshot;
  private final LongSupplier nanoTime;
  private final Supplier<Cluster> freshCluster;
  private final Management management;
  private final AccessGuard guard;
  private volatile String serverHeader = ServerTokens.header("original", ServerTokens.VERSION);
  private JettyTransport server;

  /** Bodies larger than this are refused unread (413): no valid request comes near it. */
  static final long MAX_BODY_BYTES = 64 * 1024;

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

  /**
   * Binds {@code restapi.listen} ({@code *}, empty or 0.0.0.0 = all interfaces; port 0 = any). Bad
   * TLS key material or a taken port fails here, before anything listens.
   */
  public synchronized void start() {
    if (server != null) {
      throw new IllegalStateException("REST API already started");
    }
    HostPort listen = listenAddress(cfg.listen());
    server =
        JettyTransport.start(
            cfg,
            listen,
            serverHeader,
            this::handle,
            RestApiServer::mayBlock,
            client -> {
              NodeSnapshot s = snapshot.get();
              return guard.allowlisted(client, s == null ? null : s.cluster());
            });
    LOG.info("REST API listening on {}:{}", listen.host() == null ? "*" : listen.host(), port());
  }

  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("REST API not started");
    }
    return server.port();
  }

  public synchronized void stop() {
    if (server != null) {
      server.stop();
      server = null;
    }
  }

  /**
   * Rereads restapi.certfile/keyfile/cafile so that renewed certificates serve new connections
   * without a restart (SIGHUP, POST /reload). Keeps the old ones, with an error in the log, when
   * the new files cannot be used. Nothing to do without TLS.
   */
  public synchronized void reloadCertificates() {
    if (server != null) {
      server.reloadCertificates();
    }
  }

  /**
   * Whether answering may wait on the DCS or the HA loop: such requests run on the {@code
   * restapi.thread_pool_size} executor, never on the threads that answer health checks.
   */
  static boolean mayBlock(String method, String path) {
    String segment = firstSegment(path);
    if (method.equals("GET")) {
      return switch (segment) {
        case "cluster", "history", "config" -> true;
        default -> false;
      };
    }
    return !method.equals("HEAD")
        && !method.equals("OPTIONS")
        && Management.exists(method, segment);
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

  HttpReply handle(ApiRequest request) throws IOException {
    String method = request.method();
    boolean safe = method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS");
    HttpReply reply = safe ? handleSafe(request) : handleUnsafe(request);
    if (reply.status() == 202
        && method.equals("POST")
        && firstSegment(request.path()).equals("reload")) {
      reloadCertificates(); // renewed REST certificates, as Patroni reloads them on POST /reload
    }
    if (reply.statusOnly()) {
      return reply;
    }
    return reply.withHeaders(cfg.httpExtraHeaders()).withHeaders(tlsExtraHeaders());
  }

  private Map<String, String> tlsExtraHeaders() {
    return cfg.tls() ? cfg.httpsExtraHeaders() : null;
  }

  private HttpReply handleSafe(ApiRequest request) {
    String path = request.path();
    Map<String, List<String>> query = parseQuery(request.query());
    NodeSnapshot s = snapshot.get();
    long now = nanoTime.getAsLong();
    if (s == null) {
      // The HA loop has not finished its first cycle: nothing to answer from yet.
      return HttpReply.statusOnly(HealthCheck.UNAVAILABLE);
    }
    if (!request.method().equals("GET")) {
      // HEAD and OPTIONS on any path: status line only (HAProxy's option httpchk).
      return HttpReply.statusOnly(HealthCheck.evaluate(s, path, query, now));
    }
    return switch (firstSegment(path)) {
      case "patroni" -> HttpReply.json(200, StatusJson.build(s));
      case "liveness" -> HttpReply.statusOnly(HealthCheck.liveness(s, now));
      case "readiness" -> HttpReply.statusOnly(HealthCheck.readiness(s, query, now));
      case "metrics" -> new HttpReply(200, "text/plain", MetricsText.render(s), Map.of());
      case "cluster" -> cluster(s);
      case "history" -> history(path, s);
      case "config" -> config(path, s);
      case "failsafe" -> failsafe(s);
      default -> HttpReply.json(HealthCheck.evaluate(s, path, query, now), StatusJson.build(s));
    };
  }

  /**
   * POST/PUT/PATCH/DELETE and any other method: a management endpoint if one exists for the first
   * path segment, else 501 as Python's http.server answers for a missing do_ handler.
   */
  private HttpReply handleUnsafe(ApiRequest request) throws IOException {
    String method = request.method();
    String segment = firstSegment(request.path());
    if (management == null || !Management.exists(method, segment)) {
      return HttpReply.error(501, "Unsupported method ('" + method + "')");
    }
    boolean allowlisted =
        method.equals("POST") && segment.equals("failsafe")
            ? guard.allowlistedIgnoringMembers(request.client())
            : request.allowlisted();
    HttpReply denied =
        guard.check(allowlisted, request.clientCertificate(), request.header("Authorization"));
    if (denied != null) {
      return denied;
    }
    long length = request.contentLength();
    if (length > MAX_BODY_BYTES) {
      return HttpReply.error(413, "request body too large (limit " + MAX_BODY_BYTES + " bytes)");
    }
    RequestBody body = length < 0 ? RequestBody.NONE : new RequestBody(request.readBody());
    return management.handle(method, segment, body);
  }

  private HttpReply cluster(NodeSnapshot s) {
    Cluster cluster;
    try {
      cluster = freshCluster.get();
    } catch (RuntimeException e) {
      LOG.warn("GET /cluster: cannot read the cluster from the DCS: {}", e.getMessage());
      return HttpReply.error(503);
    }
    Map<String, Object> body = new LinkedHashMap<>(ClusterView.toJson(cluster));
    body.put("scope", s.scope());
    return HttpReply.json(200, body);
  }

  private HttpReply history(String path, NodeSnapshot s) {
    Cluster cluster = cachedOrFresh(path, s);
    if (cluster == null) {
      return HttpReply.error(503);
    }
    return HttpReply.json(200, cluster.history() == null ? List.of() : cluster.history());
  }

  private HttpReply config(String path, NodeSnapshot s) {
    Cluster cluster = cachedOrFresh(path, s);
    if (cluster == null) {
      return HttpReply.error(503);
    }
    return cluster.config() == null ? HttpReply.error(502) : HttpReply.json(200, cluster.config());
  }

  private static HttpReply failsafe(NodeSnapshot s) {
    if (s.cluster() == null || s.cluster().failsafe() == null) {
      return HttpReply.error(502);
    }
    return HttpReply.json(200, s.cluster().failsafe());
  }

  /** Patroni uses its cached view and reads the DCS only when it has none; null if that fails. */
  private Cluster cachedOrFresh(String path, NodeSnapshot s) {
    if (s.cluster() != null) {
      return s.cluster();
    }
    try {
      return freshCluster.get();
    } catch (RuntimeException e) {
      LOG.warn("GET {}: cannot read the cluster from the DCS: {}", path, e.getMessage());
      return null;
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
