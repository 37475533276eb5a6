package io.hagent.agent.api;

import io.hagent.agent.node.NodeSnapshot;
import io.hagent.common.config.RestApiConfig;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Not a test: a load measurement of the health-check endpoints, run by {@code
 * scripts/benchmark-api}. Starts one server answering as the leader and one as a replica from fixed
 * snapshots, runs {@code wrk} against /primary, /replica and /patroni with 1 and 8 connections, and
 * prints p50, p99 and requests per second.
 */
public final class ApiBenchmark {
  private static final Pattern P50 = Pattern.compile("\\s50%\\s+(\\S+)");
  private static final Pattern P99 = Pattern.compile("\\s99%\\s+(\\S+)");
  private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+(\\S+)");
  private static final Pattern NON2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");

  private ApiBenchmark() {}

  public static void main(String[] args) throws Exception {
    String duration = args.length > 0 ? args[0] : "5s";
    RestApiServer leader = server(Snapshots.leader());
    RestApiServer replica = server(Snapshots.replica());
    try {
      // Warm-up so the JIT has compiled the request path before anything is measured.
      for (String path : List.of("/primary", "/replica", "/patroni")) {
        wrk(path.equals("/replica") ? replica.port() : leader.port(), path, 8, "3s");
      }
      System.out.printf(
          "%-10s %5s %10s %10s %12s %8s%n", "endpoint", "conns", "p50", "p99", "req/s", "non-2xx");
      for (String path : List.of("/primary", "/replica", "/patroni")) {
        int port = path.equals("/replica") ? replica.port() : leader.port();
        for (int conns : List.of(1, 8)) {
          String out = wrk(port, path, conns, duration);
          System.out.printf(
              "%-10s %5d %10s %10s %12s %8s%n",
              path,
              conns,
              find(P50, out),
              find(P99, out),
              find(RPS, out),
              find(NON2XX, out).equals("?") ? "0" : find(NON2XX, out));
        }
      }
    } finally {
      leader.stop();
      replica.stop();
    }
  }

  private static RestApiServer server(NodeSnapshot s) {
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
    RestApiServer server = new RestApiServer(cfg, () -> s, () -> Snapshots.NOW, () -> s.cluster());
    server.start();
    return server;
  }

  private static String wrk(int port, String path, int conns, String duration)
      throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                "wrk",
                "--latency",
                "-t",
                "1",
                "-c",
                Integer.toString(conns),
                "-d",
                duration,
                "http://127.0.0.1:" + port + path)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("wrk failed: " + out);
    }
    return out;
  }

  private static String find(Pattern p, String text) {
    Matcher m = p.matcher(text);
    return m.find() ? m.group(1) : "?";
  }
}
