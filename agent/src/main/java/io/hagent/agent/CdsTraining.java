package io.hagent.agent;

import io.hagent.agent.api.RestApiServer;
import io.hagent.agent.ha.HaLoop;
import io.hagent.agent.ha.LeaderLease;
import io.hagent.agent.ha.Management;
import io.hagent.agent.logging.LogSetup;
import io.hagent.agent.postgres.FileTrees;
import io.hagent.agent.postgres.PostgresController;
import io.hagent.common.config.ConfigException;
import io.hagent.common.config.ConfigLoader;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
import io.hagent.common.dcs.Dcs;
import io.hagent.common.dcs.DcsStores;
import io.hagent.common.rest.RestClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code hagent --cds-training [EXAMPLE]}: runs the agent's own machinery for a few seconds without
 * etcd or PostgreSQL, so that a JVM started with {@code -XX:ArchiveClassesAtExit} archives the
 * classes a running agent loads (configuration, logging, the HA loop, the etcd client, the JDBC
 * driver, the REST server and its handlers). Classes missing from it are loaded from the jar as
 * usual. This is the fallback: the build and hagent-cds dump a static archive from the class list a
 * running agent recorded (agent/src/build/hagent.classlist, docs/decisions/cds-class-list.md),
 * which holds the success paths this run cannot reach and none of its own HTTP client.
 *
 * <p>Nothing outside a temporary directory is touched: the node's data directory is an empty
 * temporary one, {@code bin_dir} does not exist (no PostgreSQL program can be started), and etcd
 * and PostgreSQL are addresses on loopback where nothing listens, so every DCS call fails and the
 * loop cannot bootstrap, clone or promote anything.
 */
final class CdsTraining {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private CdsTraining() {}

  /**
   * @param example a configuration file to validate as {@code --validate-config} does, or null
   * @return the exit code (0 = trained)
   */
  static int run(Path example) {
    if (example != null) {
      ConfigLoader.validate(example, Map.of());
    }
    Path dir;
    try {
      dir = Files.createTempDirectory("hagent-cds-training");
    } catch (IOException e) {
      System.err.println("hagent: cannot create a temporary directory: " + e.getMessage());
      return 1;
    }
    try {
      Path file = dir.resolve("training.yml");
      Files.writeString(file, trainingConfig(dir, freePort(), freePort(), freePort()));
      HagentConfig config = ConfigLoader.load(file, Map.of());
      LogSetup.apply(config.log());
      exercise(config);
      return 0;
    } catch (IOException | ConfigException e) {
      System.err.println("hagent: CDS training failed: " + e.getMessage());
      return 1;
    } finally {
      deleteTree(dir);
    }
  }

  private static void exercise(HagentConfig config) {
    DynamicConfig initial = DynamicConfig.from(config.bootstrap().dcs());
    Dcs dcs =
        DcsStores.create(
            config.etcd(),
            config.zookeeper(),
            config.keys(),
            config.name(),
            initial.ttl(),
            initial.retryTimeout());
    HaLoop loop =
        HaLoop.create(
            config,
            dcs,
            new PostgresController(config),
            new LeaderLease(initial.ttl()),
            System::nanoTime,
            Clock.systemUTC());
    RestApiServer api =
        new RestApiServer(
            config.restapi(), loop::snapshot, System::nanoTime, new Management(loop, dcs));
    Thread ha = new Thread(loop::run, "ha-loop");
    try {
      api.start();
      ha.start();
      // two cycles (loop_wait 1): the first finds the DCS unreachable, the second retries
      Thread.sleep(2500);
      callEndpoints("http://127.0.0.1:" + api.port());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      loop.stop();
      try {
        ha.join(TIMEOUT.toMillis() * 3);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      api.stop();
      dcs.close();
    }
  }

  /** What HAProxy, monitoring and hactl ask a node; the answers themselves do not matter. */
  private static void callEndpoints(String base) {
    RestClient client = new RestClient(null, null, null, null, null, false);
    // these three read the DCS afresh (a refused connection takes a second each): ask once
    for (String path : List.of("/cluster", "/history", "/config")) {
      request(client, "GET", base + path, null);
    }
    List<String> gets =
        List.of(
            "/patroni",
            "/primary",
            "/replica",
            "/replica?lag=1MB",
            "/read-only",
            "/health",
            "/liveness",
            "/readiness",
            "/metrics");
    for (int round = 0; round < 3; round++) {
      for (String path : gets) {
        request(client, "GET", base + path, null);
      }
      for (String method : List.of("HEAD", "OPTIONS")) {
        request(client, method, base + "/primary", null);
        request(client, method, base + "/master", null);
        request(client, method, base + "/replica", null);
      }
      request(client, "POST", base + "/restart", "{\"schedule\": \"not a time\"}");
      request(client, "POST", base + "/switchover", "{}");
      request(client, "PATCH", base + "/config", "[]");
    }
  }

  private static void request(RestClient client, String method, String url, String body) {
    try {
      client.send(method, url, body, TIMEOUT);
    } catch (IOException | RuntimeException e) {
      // an error answer or a refused request loads the same classes as a good one
    }
  }

  private static String trainingConfig(Path dir, int restPort, int etcdPort, int pgPort) {
    return String.join(
        "\n",
        "scope: cds-training",
        "name: training",
        "restapi:",
        "  listen: 127.0.0.1:" + restPort,
        "  connect_address: 127.0.0.1:" + restPort,
        "etcd3:",
        "  hosts: 127.0.0.1:" + etcdPort,
        "log:",
        "  level: INFO",
        "bootstrap:",
        "  dcs:",
        "    ttl: 30",
        "    loop_wait: 1",
        "    retry_timeout: 1",
        "postgresql:",
        "  listen: 127.0.0.1:" + pgPort,
        "  connect_address: 127.0.0.1:" + pgPort,
        "  data_dir: " + dir.resolve("data"),
        "  bin_dir: " + dir.resolve("no-such-bin-dir"),
        "  pgpass: " + dir.resolve("pgpass"),
        "  authentication:",
        "    superuser: {username: postgres, password: training}",
        "    replication: {username: replicator, password: training}",
        "  parameters: {max_connections: 100}",
        "");
  }

  /**
   * A loopback port that was free a moment ago: the REST API binds it, and nothing listens on the
   * ones given to etcd and PostgreSQL, so connections to them are refused at once.
   */
  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path dir) {
    try {
      FileTrees.delete(dir);
    } catch (IOException e) {
      System.err.println("hagent: could not delete " + dir + ": " + e.getMessage());
    }
  }
}
