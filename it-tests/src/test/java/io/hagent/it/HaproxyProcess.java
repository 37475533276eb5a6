package io.hagent.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * HAProxy (/usr/sbin/haproxy, foreground) routing a "primary" listener to whichever node answers
 * OPTIONS /master with 200, and a "replicas" listener to nodes answering OPTIONS /replica, the way
 * Patroni's sample haproxy.cfg does.
 */
public final class HaproxyProcess implements AutoCloseable {
  private static final String HAPROXY = System.getProperty("it.haproxy", "/usr/sbin/haproxy");

  /** One PostgreSQL server behind HAProxy, health-checked on its agent's REST port. */
  public record Backend(String name, int pgPort, int restPort) {}

  /** Health-check timing: HAProxy's inter, fall, rise. */
  public record CheckTimings(Duration inter, int fall, int rise) {
    public static CheckTimings fast() {
      return new CheckTimings(Duration.ofSeconds(1), 2, 1);
    }
  }

  private final Path dir;
  private final int primaryPort = Ports.free();
  private final int replicasPort = Ports.free();
  private final int statsPort = Ports.free();
  private ChildProcess process;

  public HaproxyProcess(Path dir) {
    this.dir = dir;
  }

  public HaproxyProcess start(List<Backend> backends, CheckTimings timings) {
    Path cfg = dir.resolve("haproxy.cfg");
    try {
      Files.createDirectories(dir);
      Files.writeString(cfg, config(backends, timings));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // -c first: a config error is reported as such instead of as a dead process
    ChildProcess check =
        ChildProcess.start(
            "haproxy -c", List.of(HAPROXY, "-c", "-f", cfg.toString()), log(), Map.of());
    if (!check.waitFor(Duration.ofSeconds(20)) || check.exitValue() != 0) {
      throw new IllegalStateException("invalid haproxy config:\n" + ChildProcess.tail(log(), 20));
    }
    process =
        ChildProcess.start(
            "haproxy", List.of(HAPROXY, "-db", "-f", cfg.toString()), log(), Map.of());
    Wait.until(
        "haproxy to listen on " + primaryPort + "/" + replicasPort + "/" + statsPort,
        Duration.ofSeconds(20),
        () -> {
          if (!process.isAlive()) {
            throw new IllegalStateException("haproxy exited:\n" + ChildProcess.tail(log(), 20));
          }
          return Ports.isListening(statsPort)
              && Ports.isListening(primaryPort)
              && Ports.isListening(replicasPort);
        });
    return this;
  }

  String config(List<Backend> backends, CheckTimings t) {
    StringBuilder servers = new StringBuilder();
    for (Backend b : backends) {
      servers
          .append("    server ")
          .append(b.name())
          .append(" 127.0.0.1:")
          .append(b.pgPort())
          .append(" maxconn 100 check port ")
          .append(b.restPort())
          .append('\n');
    }
    String defaultServer =
        "    default-server inter %dms fall %d rise %d on-marked-down shutdown-sessions\n"
            .formatted(t.inter().toMillis(), t.fall(), t.rise());
    return """
        global
            maxconn 200

        defaults
            mode tcp
            retries 2
            timeout client 30m
            timeout connect 4s
            timeout server 30m
            timeout check 2s

        listen stats
            mode http
            bind 127.0.0.1:%d
            stats enable
            stats uri /

        listen primary
            bind 127.0.0.1:%d
            option httpchk OPTIONS /master
            http-check expect status 200
        %s%s
        listen replicas
            bind 127.0.0.1:%d
            balance roundrobin
            option httpchk OPTIONS /replica
            http-check expect status 200
        %s%s"""
        .formatted(
            statsPort, primaryPort, defaultServer, servers, replicasPort, defaultServer, servers);
  }

  /** Server status per listener as HAProxy sees it ("UP", "DOWN", ...), from the stats CSV. */
  public Map<String, String> serverStates(String listener) {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/;csv"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      Map<String, String> states = new java.util.TreeMap<>();
      for (String line : r.body().split("\n")) {
        String[] f = line.split(",", -1);
        if (f.length > 17
            && f[0].equals(listener)
            && !f[1].equals("FRONTEND")
            && !f[1].equals("BACKEND")) {
          states.put(f[1], f[17]);
        }
      }
      return states;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public int primaryPort() {
    return primaryPort;
  }

  public int replicasPort() {
    return replicasPort;
  }

  public int statsPort() {
    return statsPort;
  }

  public Path log() {
    return dir.resolve("haproxy.log");
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  public void stop() {
    if (process != null && process.isAlive() && !process.terminate(Duration.ofSeconds(10))) {
      process.kill();
    }
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.kill();
    }
  }
}
