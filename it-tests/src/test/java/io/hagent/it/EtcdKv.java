package io.hagent.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and writes etcd keys through etcd's v3 JSON gateway (/v3/kv/*), independent of the agent's
 * own etcd client, so tests observe the DCS as a third party.
 */
public final class EtcdKv {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String endpoint;
  private final HttpClient http;

  public EtcdKv(String endpoint) {
    this(endpoint, null);
  }

  /** Over https with this context (the test CA and a client certificate), when not null. */
  public EtcdKv(String endpoint, javax.net.ssl.SSLContext ssl) {
    this.endpoint = endpoint;
    this.http =
        ssl == null
            ? HTTP
            : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).sslContext(ssl).build();
  }

  public boolean isHealthy() {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(endpoint + "/health"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200
          && JSON.readTree(r.body()).path("health").asText().equals("true");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(range(key, null).get(key));
  }

  /** All keys under the prefix with their values, in key order. */
  public Map<String, String> getPrefix(String prefix) {
    byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
    byte[] end = p.clone();
    end[end.length - 1]++;
    return range(prefix, end);
  }

  /** The key's mod_revision (changes on every write, even of the same value); empty if absent. */
  public Optional<Long> modRevision(String key) {
    return firstKv(key).map(kv -> kv.path("mod_revision").asLong());
  }

  /** The granted TTL in seconds of the lease the key is attached to; empty without a lease. */
  public Optional<Long> leaseGrantedTtl(String key) {
    return firstKv(key)
        .map(kv -> kv.path("lease").asText("0"))
        .filter(id -> !id.equals("0"))
        .map(
            id -> {
              Map<String, String> body = new LinkedHashMap<>();
              body.put("ID", id);
              return post("/v3/lease/timetolive", body).path("grantedTTL").asLong();
            });
  }

  private Optional<JsonNode> firstKv(String key) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("key", b64(key.getBytes(StandardCharsets.UTF_8)));
    JsonNode kvs = post("/v3/kv/range", body).path("kvs");
    return kvs.size() == 0 ? Optional.empty() : Optional.of(kvs.get(0));
  }

  public void put(String key, String value) {
    post(
        "/v3/kv/put",
        Map.of("key", b64(key.getBytes(StandardCharsets.UTF_8)), "value", b64(value)));
  }

  private Map<String, String> range(String key, byte[] rangeEnd) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("key", b64(key.getBytes(StandardCharsets.UTF_8)));
    if (rangeEnd != null) {
      body.put("range_end", b64(rangeEnd));
    }
    JsonNode result = post("/v3/kv/range", body);
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonNode kv : result.path("kvs")) {
      out.put(unb64(kv.path("key").asText()), unb64(kv.path("value").asText("")));
    }
    return out;
  }

  private JsonNode post(String path, Map<String, String> body) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(endpoint + path))
                  .timeout(Duration.ofSeconds(3))
                  .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("etcd " + path + " answered " + r.statusCode());
      }
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new IllegalStateException("etcd " + path + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String b64(String s) {
    return b64(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  private static String unb64(String s) {
    return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
  }
}
