package io.hagent.common.dcs;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.config.EtcdConfig;
import io.hagent.common.json.JsonTree;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Reads a whole cluster through etcd's v3 JSON gateway ({@code POST /v3/kv/range}) with plain
 * {@link HttpURLConnection}: one linearizable range read, no gRPC/Netty/logging stack. It exists
 * for short-lived readers (hactl starts in a fraction of the time the jetcd client needs).
 *
 * <p>Endpoints are tried in order, each with its own deadline; the first that answers wins. Plain
 * http only, with optional username/password; {@link #supports} tells callers when to use {@link
 * EtcdDcs} instead (https with client certificates is not worth a second TLS implementation).
 */
public final class EtcdGatewayReader {

  /** etcd 3.4+ serves the gateway under /v3; 3.3 under /v3beta, 3.0-3.2 under /v3alpha. */
  private static final String DEFAULT_API = "/v3";

  private final EtcdConfig config;
  private final int timeoutMillis;

  public EtcdGatewayReader(EtcdConfig config, Duration timeoutPerEndpoint) {
    if (config.endpoints() == null || config.endpoints().isEmpty()) {
      throw new IllegalArgumentException("etcd: no endpoints configured");
    }
    this.config = config;
    this.timeoutMillis = (int) Math.max(1, timeoutPerEndpoint.toMillis());
  }

  /** Whether this reader can talk to the configured etcd (plain http; else use EtcdDcs). */
  public static boolean supports(EtcdConfig config) {
    return config != null
        && config.endpoints() != null
        && !config.endpoints().isEmpty()
        && !"https".equalsIgnoreCase(config.protocol())
        && config.endpoints().stream().allMatch(e -> e.toLowerCase().startsWith("http://"));
  }

  /** Reads every key under the layout's prefix, as {@link EtcdDcs#readCluster()} does. */
  public Cluster readCluster(KeyLayout keys) throws DcsException {
    List<String> failures = new ArrayList<>();
    for (String endpoint : config.endpoints()) {
      String base = endpoint.replaceAll("/+$", "");
      try {
        return read(base, keys.prefix());
      } catch (IOException e) {
        failures.add(base + " (" + reason(e) + ")");
      }
    }
    throw new DcsException("etcd is not reachable: " + String.join(", ", failures));
  }

  private Cluster read(String base, String prefix) throws IOException, DcsException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    String api = DEFAULT_API;
    String token = null;
    if (config.username() != null && !config.username().isEmpty()) {
      Response auth = authenticate(base, api, deadline);
      if (auth.status() == HttpURLConnection.HTTP_NOT_FOUND) {
        api = apiPrefix(base, deadline);
        auth = authenticate(base, api, deadline);
      }
      token = text(check(auth), "token");
    }
    byte[] key = prefix.getBytes(StandardCharsets.UTF_8);
    String request =
        "{\"key\":\"" + base64(key) + "\",\"range_end\":\"" + base64(rangeEnd(key)) + "\"}";
    Response range = post(base + api + "/kv/range", request, token, deadline);
    if (range.status() == HttpURLConnection.HTTP_NOT_FOUND && token == null) {
      api = apiPrefix(base, deadline);
      range = post(base + api + "/kv/range", request, null, deadline);
    }
    return cluster(check(range), prefix);
  }

  private Response authenticate(String base, String api, long deadline) throws IOException {
    String password = config.password() == null ? "" : config.password();
    String body =
        "{\"name\":"
            + jsonString(config.username())
            + ",\"password\":"
            + jsonString(password)
            + "}";
    return post(base + api + "/auth/authenticate", body, null, deadline);
  }

  /** Like Patroni: the gateway's path follows from the server version (GET /version). */
  private String apiPrefix(String base, long deadline) throws IOException {
    HttpURLConnection c = open(base + "/version", deadline);
    Response r = exchange(c, null);
    String version = r.status() == 200 ? text(r.json(), "etcdserver") : null;
    if (version == null) {
      return DEFAULT_API;
    }
    String[] parts = version.split("\\.");
    int minor = parts.length > 1 && parts[1].matches("\\d+") ? Integer.parseInt(parts[1]) : 4;
    if (parts[0].equals("3") && minor < 3) {
      return "/v3alpha";
    }
    return parts[0].equals("3") && minor == 3 ? "/v3beta" : DEFAULT_API;
  }

  private static Cluster cluster(Map<String, Object> response, String prefix) {
    long revision = number(asMap(response.get("header")).get("revision"));
    List<ClusterParser.RawKey> raw = new ArrayList<>();
    if (response.get("kvs") instanceof List<?> kvs) {
      for (Object item : kvs) {
        Map<String, Object> kv = asMap(item);
        String key = decode(kv.get("key"));
        if (key.startsWith(prefix)) {
          raw.add(
              new ClusterParser.RawKey(
                  key.substring(prefix.length()),
                  decode(kv.get("value")),
                  number(kv.get("mod_revision")),
                  number(kv.get("lease"))));
        }
      }
    }
    return ClusterParser.parse(raw, revision);
  }

  /**
   * A client error ({"error": ..., "code": ...}, e.g. a wrong password) is etcd's answer and ends
   * the read; a server error lets the next endpoint try.
   */
  private static Map<String, Object> check(Response r) throws DcsException, IOException {
    if (r.status() == 200) {
      return r.json();
    }
    Map<String, Object> json = r.json();
    String message = text(json, "message");
    if (message == null) {
      message = text(json, "error");
    }
    message = message == null ? "HTTP " + r.status() + " from the v3 gateway" : message;
    if (r.status() >= 500) {
      throw new IOException(message); // e.g. this member has no leader: another one may answer
    }
    throw new DcsException("etcd: " + message);
  }

  private record Response(int status, Map<String, Object> json) {}

  private Response post(String url, String body, String token, long deadline) throws IOException {
    HttpURLConnection c = open(url, deadline);
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    c.setRequestProperty("Content-Type", "application/json");
    if (token != null) {
      c.setRequestProperty("Authorization", token);
    }
    return exchange(c, body.getBytes(StandardCharsets.UTF_8));
  }

  private static HttpURLConnection open(String url, long deadline) throws IOException {
    int left = (int) ((deadline - System.nanoTime()) / 1_000_000L);
    if (left <= 0) {
      throw new SocketTimeoutException("timed out");
    }
    HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
    c.setConnectTimeout(left);
    c.setReadTimeout(left);
    c.setUseCaches(false);
    return c;
  }

  private static Response exchange(HttpURLConnection c, byte[] body) throws IOException {
    try {
      if (body != null) {
        c.setFixedLengthStreamingMode(body.length);
        try (OutputStream out = c.getOutputStream()) {
          out.write(body);
        }
      }
      int status = c.getResponseCode();
      InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
      String text = in == null ? "" : readAll(in);
      Map<String, Object> json;
      try {
        json = text.isBlank() ? Map.of() : JsonTree.readObject(text);
      } catch (IllegalArgumentException e) {
        if (status == 200) {
          throw new IOException("not an etcd v3 gateway answer: " + e.getMessage(), e);
        }
        json = Map.of();
      }
      return new Response(status, json);
    } finally {
      c.disconnect();
    }
  }

  private static String readAll(InputStream in) throws IOException {
    try (in) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  /** The first key after every key with this prefix: the prefix with its last byte incremented. */
  static byte[] rangeEnd(byte[] prefix) {
    byte[] end = prefix.clone();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return java.util.Arrays.copyOf(end, i + 1);
      }
    }
    return new byte[] {0}; // all 0xff: to the end of the keyspace
  }

  /** A JSON string literal (jackson-core; databind's start-up is not needed for two fields). */
  static String jsonString(String text) {
    return JsonTree.quote(text);
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  private static String decode(Object base64) {
    return base64 instanceof String s
        ? new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8)
        : "";
  }

  /** The gateway prints int64 fields as JSON strings and leaves zero values out. */
  private static long number(Object value) {
    if (value instanceof Number n) {
      return n.longValue();
    }
    if (value instanceof String s && !s.isEmpty()) {
      return Long.parseLong(s);
    }
    return 0;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  private static String text(Map<String, Object> json, String field) {
    return json.get(field) instanceof String s ? s : null;
  }

  private static String reason(IOException e) {
    if (e instanceof SocketTimeoutException) {
      return "no answer within the deadline";
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
