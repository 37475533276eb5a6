package io.hagent.agent.api;

import static io.hagent.agent.api.Snapshots.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.config.RestApiConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #15: six clients trickling header lines starved the old HTTP/1.0 server, so HAProxy's
 * checks timed out and it marked the primary down. Here 50 connections trickle one header line
 * every 3 s and 50 more connect and send nothing (each reopened when the server cuts it off), and
 * every {@code OPTIONS /primary} sent meanwhile must be answered 200 in under 100 ms.
 *
 * <p>The machine this runs on is shared (2 cores, load often above 8): a check that took longer is
 * accepted only if a {@link StallMeter} saw this JVM unable to run for the excess at the same time,
 * i.e. the server had its 100 ms; the test prints every such case, and no check may take a second
 * whatever the stall.
 */
class SlowClientIT {
  static final int TRICKLERS = 50;
  static final int SILENT = 50;
  static final long TRICKLE_INTERVAL_MILLIS = 3_000;
  static final long LIMIT_MILLIS = 100;

  /** Longer than the header timeout, so the server cuts off and the clients come back. */
  static final long RUN_MILLIS = 25_000;

  private RestApiServer server;

  @BeforeEach
  void start() {
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
            RestApiConfig.DEFAULT_REQUEST_QUEUE_SIZE);
    server = new RestApiServer(cfg, Snapshots::leader, () -> NOW, Snapshots::cluster);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  /** A hard bound for every check, stalls or not (the old server's checks timed out at 10 s). */
  static final long HARD_LIMIT_MILLIS = 1_000;

  /**
   * HAProxy's check: a new connection, one HTTP/1.0 request; status code, elapsed millis, start and
   * end (System.nanoTime()).
   */
  static long[] check(int port) throws IOException {
    long t0 = System.nanoTime();
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write("OPTIONS /primary HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      s.getInputStream().transferTo(buf);
      String response = buf.toString(StandardCharsets.ISO_8859_1);
      int status = response.length() > 12 ? Integer.parseInt(response.substring(9, 12)) : -1;
      long t1 = System.nanoTime();
      return new long[] {status, (t1 - t0) / 1_000_000, t0, t1};
    }
  }

  @Test
  void healthChecksAreAnsweredAtOnceWhileHostileClientsHoldConnections() throws Exception {
    int port = server.port();
    for (int i = 0; i < 200; i++) {
      assertEquals(200, check(port)[0]); // warm-up: class loading and JIT, not under test
    }
    List<Long> millis = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    int closed;
    int excused = 0;
    try (StallMeter stalls = new StallMeter();
        SlowClients hostile =
            new SlowClients("127.0.0.1", port, TRICKLERS, SILENT, TRICKLE_INTERVAL_MILLIS)) {
      long start = System.nanoTime();
      long end = start + RUN_MILLIS * 1_000_000;
      while (System.nanoTime() < end) {
        long at = (System.nanoTime() - start) / 1_000_000;
        long[] r = check(port);
        millis.add(r[1]);
        long stalled = stalls.stalledNanos(r[2], r[3]) / 1_000_000;
        if (r[0] != 200 || r[1] >= HARD_LIMIT_MILLIS || r[1] - stalled >= LIMIT_MILLIS) {
          failures.add(
              "at "
                  + at
                  + " ms: status "
                  + r[0]
                  + " after "
                  + r[1]
                  + " ms ("
                  + stalled
                  + " ms of it the JVM stalled)");
        } else if (r[1] >= LIMIT_MILLIS) {
          excused++;
        }
        if (r[1] >= LIMIT_MILLIS / 2) {
          System.out.printf(
              "slow clients: check at %d ms took %d ms; the JVM stalled %d ms of it%n",
              at, r[1], stalled);
        }
        Thread.sleep(100);
      }
      closed = hostile.closedByServer();
    }
    List<Long> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    System.out.printf(
        "slow clients: %d checks, p50 %d ms, p99 %d ms, max %d ms (%d over %d ms, each during a"
            + " JVM stall); server closed %d hostile connections%n",
        sorted.size(),
        sorted.get(sorted.size() / 2),
        sorted.get(sorted.size() * 99 / 100),
        sorted.get(sorted.size() - 1),
        excused,
        LIMIT_MILLIS,
        closed);
    assertTrue(sorted.size() > 100, "too few checks: " + sorted.size());
    assertEquals(List.of(), failures, "every check must be answered 200 in < " + LIMIT_MILLIS);
    // Every hostile connection is cut off after the header timeout, and again after reconnecting.
    assertTrue(
        closed >= TRICKLERS + SILENT,
        "the server closed only " + closed + " of the hostile connections");
  }
}
