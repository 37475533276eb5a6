package io.hagent.agent.ha;

import io.hagent.common.cluster.Member;
import io.hagent.common.json.Json;
import io.hagent.common.rest.RestClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Asks the other members for their status during a leader race (§5.6 step 3): 2 s, no retry. */
final class PeerProbe {
  private static final Logger LOG = LoggerFactory.getLogger(PeerProbe.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final RestClient client;
  private final ExecutorService executor;

  PeerProbe(RestClient client, ExecutorService executor) {
    this.client = client;
    this.executor = executor;
  }

  Map<String, PeerStatus> probe(List<Member> others) {
    Map<String, CompletableFuture<PeerStatus>> futures = new LinkedHashMap<>();
    for (Member m : others) {
      futures.put(m.name(), CompletableFuture.supplyAsync(() -> ask(m), executor));
    }
    Map<String, PeerStatus> result = new LinkedHashMap<>();
    futures.forEach(
        (name, f) -> {
          try {
            result.put(
                name, f.get(TIMEOUT.toMillis() + 1000, java.util.concurrent.TimeUnit.MILLISECONDS));
          } catch (Exception e) {
            f.cancel(true);
            result.put(name, PeerStatus.unreachable(name));
          }
        });
    return result;
  }

  private PeerStatus ask(Member m) {
    String url = m.apiUrl();
    if (url == null) {
      return PeerStatus.unreachable(m.name());
    }
    try {
      RestClient.Response r = client.get(url, TIMEOUT);
      LOG.info("Got response from {} {}: {}", m.name(), url, r.body());
      return PeerStatus.fromStatusJson(m.name(), Json.readObject(r.body()));
    } catch (Exception e) {
      LOG.info("Request failed to {}: GET {} ({})", m.name(), url, e.getMessage());
      return PeerStatus.unreachable(m.name());
    }
  }
}
