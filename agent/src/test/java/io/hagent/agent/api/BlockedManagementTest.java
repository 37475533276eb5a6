package io.hagent.agent.api;

import static io.hagent.agent.api.Snapshots.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.RestApiConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Health checks never wait behind management requests: with every {@code thread_pool_size} thread
 * held by a restart that waits on PostgreSQL and the {@code request_queue_size} queue full, {@code
 * OPTIONS /primary} is still answered at once, one more management request gets 503, and the held
 * requests complete once the restart does.
 */
class BlockedManagementTest {
  private static final int THREADS = 2;
  private static final int QUEUE = 1;
  private final CountDownLatch gate = new CountDownLatch(1);
  private final HttpClient http = HttpClient.newHttpClient();
  private RestApiServer server;

  @AfterEach
  void stop() {
    gate.countDown();
    if (server != null) {
      server.stop();
    }
  }

  private HttpRequest restart() {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/restart"))
        .POST(HttpRequest.BodyPublishers.ofString("{}"))
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  @Test
  void healthChecksAreAnsweredWhileEveryManagementThreadWaits() throws Exception {
    FakeActions actions =
        new FakeActions(new FakeDcs(ManagementApiTest.threeNodes(Map.of("ttl", 30))));
    actions.restartGate = gate;
    var snapshot =
        Snapshots.withCluster(
            Snapshots.leader(), actions.dcs.cluster, DynamicConfig.from(Map.of("ttl", 30)));
    RestApiConfig cfg =
        new RestApiConfig(
            "127.0.0.1:0",
            "127.0.0.1:8008",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            List.of(),
            false,
            Map.of(),
            Map.of(),
            QUEUE,
            THREADS);
    server = new RestApiServer(cfg, () -> snapshot, () -> NOW, actions, Instant::now, ms -> {});
    server.start();

    List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
    for (int i = 0; i < THREADS + QUEUE; i++) {
      held.add(http.sendAsync(restart(), HttpResponse.BodyHandlers.ofString()));
      Thread.sleep(200); // in order: the first ones take the threads, the last one the queue
    }
    HttpResponse<String> refused = http.send(restart(), HttpResponse.BodyHandlers.ofString());
    assertEquals(503, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("too many requests in progress"), refused.body());

    for (int i = 0; i < 50; i++) {
      long[] r = SlowClientIT.check(server.port());
      assertEquals(200, r[0]);
      assertTrue(r[1] < 1_000, "a health check waited " + r[1] + " ms");
    }
    assertTrue(held.stream().noneMatch(CompletableFuture::isDone), "restarts still waiting");

    gate.countDown();
    for (CompletableFuture<HttpResponse<String>> f : held) {
      HttpResponse<String> r = f.get();
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("restarted successfully", r.body());
    }
    assertEquals(THREADS + QUEUE, actions.restarts.size());
  }
}
