package io.hagent.agent.ha;

import io.hagent.common.json.Json;
import io.hagent.common.rest.RestClient;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's round of {@code POST /failsafe} calls (§1.7, §5.8): every other member of the last
 * known {@code failsafe} key, in parallel, each with two attempts (Patroni's one retry) that share
 * the round's budget ({@link FailsafeDecision#roundTimeout}). Logs each answer in Patroni's words.
 */
final class FailsafeCaller {
  private static final Logger LOG = LoggerFactory.getLogger(FailsafeCaller.class);

  private final RestClient client;
  private final ExecutorService executor;
  private final LongSupplier nanoTime;

  FailsafeCaller(RestClient client, ExecutorService executor, LongSupplier nanoTime) {
    this.client = client;
    this.executor = executor;
    this.nanoTime = nanoTime;
  }

  /**
   * @param topology the last {@code failsafe} key read (name to api_url), or null
   * @param body what the leader tells the members: name, conn_url, api_url, slots
   */
  FailsafeCheck call(
      String me, Map<String, Object> topology, Map<String, Object> body, Duration budget) {
    if (topology == null || !topology.containsKey(me)) {
      LOG.warn("failsafe: this node is not in the failsafe key, so it cannot stay primary");
      return FailsafeCheck.NOT_IN_TOPOLOGY;
    }
    String json = Json.write(body);
    long deadline = nanoTime.getAsLong() + budget.toNanos();
    Map<String, CompletableFuture<Boolean>> futures = new LinkedHashMap<>();
    topology.forEach(
        (name, url) -> {
          if (!name.equals(me)) {
            String apiUrl = url == null ? null : url.toString();
            futures.put(
                name,
                CompletableFuture.supplyAsync(
                    () -> callMember(name, apiUrl, json, deadline), executor));
          }
        });
    Map<String, Boolean> answers = new LinkedHashMap<>();
    futures.forEach(
        (name, f) -> {
          long left = deadline - nanoTime.getAsLong();
          try {
            answers.put(name, f.get(Math.max(left, 0) + 500_000_000L, TimeUnit.NANOSECONDS));
          } catch (Exception e) {
            f.cancel(true);
            answers.put(name, false);
          }
        });
    return new FailsafeCheck(true, answers);
  }

  private boolean callMember(String name, String apiUrl, String json, long deadline) {
    String url = endpoint(apiUrl);
    if (url == null) {
      LOG.warn("Request failed to {}: POST {} (no valid api_url)", name, apiUrl);
      return false;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
      long left = deadline - nanoTime.getAsLong();
      if (left <= 0) {
        break;
      }
      // the first attempt gets half the budget, so that a retry still fits
      long timeout = attempt == 0 ? left / 2 : left;
      try {
        RestClient.Response r = client.send("POST", url, json, Duration.ofNanos(timeout));
        LOG.info("Got response from {} {}: {}", name, url, r.body());
        return r.status() == 200 && "Accepted".equals(r.body());
      } catch (Exception e) {
        LOG.warn("Request failed to {}: POST {} ({})", name, url, e.getMessage());
        if (Thread.currentThread().isInterrupted()) {
          break;
        }
      }
    }
    return false;
  }

  /** Patroni's get_endpoint_url: the api_url's scheme and host with path /failsafe. */
  static String endpoint(String apiUrl) {
    if (apiUrl == null) {
      return null;
    }
    try {
      URI u = URI.create(apiUrl);
      if (u.getScheme() == null || u.getRawAuthority() == null) {
        return null;
      }
      return u.getScheme() + "://" + u.getRawAuthority() + "/failsafe";
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
