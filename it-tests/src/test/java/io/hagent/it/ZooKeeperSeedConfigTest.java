package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.hagent.common.dcs.ZooKeeperProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;

/**
 * The user's Patroni config on ZooKeeper (../shared/fixtures/seed-configs/seed-003), with only its
 * addresses, ports and paths changed, bootstraps a primary on a real ZooKeeper server and writes
 * Patroni's nodes there.
 */
class ZooKeeperSeedConfigTest {

  @Test
  void userZooKeeperConfigRunsWithOnlyAddressesPortsAndPathsChanged() throws Exception {
    Path dir = Files.createTempDirectory("hagent-zkseed-");
    ChildProcess agent = null;
    try (ZooKeeperProcess zk = new ZooKeeperProcess(2000)) {
      zk.start();
      int rest = Ports.free();
      int pg = Ports.free();
      String seed =
          new String(
              ZooKeeperSeedConfigTest.class
                  .getResourceAsStream("/seed-configs/seed-003-postgres0-zookeeper.yml")
                  .readAllBytes(),
              StandardCharsets.UTF_8);
      String yaml =
          seed.replace("pg-master:8008", "127.0.0.1:" + rest)
              .replace("pg-master:5432", "127.0.0.1:" + pg)
              .replace("0.0.0.0:5432", "127.0.0.1:" + pg)
              .replace("zoo:2181", zk.hostPort())
              .replace("/var/lib/postgresql/data/postgresql0", dir.resolve("data").toString())
              .replace("/var/lib/postgresql/wal_archive", dir.resolve("wal_archive").toString())
              .replace("/tmp/pgpass0", dir.resolve("pgpass").toString());
      assertNotEquals(seed, yaml);
      Files.createDirectories(dir.resolve("wal_archive"));
      Path config = dir.resolve("postgres0.yml");
      Files.writeString(config, yaml);

      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(List.of("-Xmx256m", "-jar", ClusterFixture.agentJar().toString()));
      cmd.add(config.toString());
      agent = ChildProcess.start("postgresql0", cmd, dir.resolve("agent.log"), Map.of());

      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      ChildProcess running = agent;
      Wait.until(
          "postgresql0 to report primary",
          Duration.ofMinutes(3),
          () -> {
            if (!running.isAlive()) {
              throw new AssertionError("the agent exited; see " + dir.resolve("agent.log"));
            }
            try {
              return http.send(
                          HttpRequest.newBuilder(
                                  URI.create("http://127.0.0.1:" + rest + "/primary"))
                              .timeout(Duration.ofSeconds(3))
                              .build(),
                          HttpResponse.BodyHandlers.discarding())
                      .statusCode()
                  == 200;
            } catch (Exception e) {
              return false;
            }
          });

      try (ZooKeeper z = client(zk)) {
        assertEquals(
            "postgresql0",
            new String(
                z.getData("/service/my_cluster/leader", false, null), StandardCharsets.UTF_8));
        assertEquals(List.of("postgresql0"), z.getChildren("/service/my_cluster/members", false));
      }
      Properties p = new Properties();
      p.setProperty("user", "postgres");
      p.setProperty("password", "postgres");
      p.setProperty("connectTimeout", "3");
      try (Connection c =
              DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg + "/postgres", p);
          Statement st = c.createStatement()) {
        st.execute("CREATE TABLE seed_probe (v int); INSERT INTO seed_probe VALUES (1)");
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM seed_probe")) {
          rs.next();
          assertEquals(1, rs.getInt(1));
        }
      }
    } catch (Throwable t) {
      if (Files.exists(dir.resolve("agent.log"))) {
        System.err.println(ChildProcess.tail(dir.resolve("agent.log"), 80));
      }
      throw t;
    } finally {
      if (agent != null) {
        agent.kill();
      }
      killPostmaster(dir.resolve("data"));
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(java.io.File::delete);
      }
    }
  }

  /** kill -9 of the postmaster (by the pid in its pid file) and its children. */
  private static void killPostmaster(Path dataDir) throws Exception {
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    ProcessHandle.of(pid)
        .ifPresent(
            pm -> {
              List<ProcessHandle> children = pm.descendants().toList();
              pm.destroyForcibly();
              children.forEach(ProcessHandle::destroyForcibly);
              pm.onExit().orTimeout(10, TimeUnit.SECONDS).join();
            });
  }

  private static ZooKeeper client(ZooKeeperProcess zk) throws Exception {
    CountDownLatch up = new CountDownLatch(1);
    ZooKeeper z =
        new ZooKeeper(
            zk.hostPort(),
            20_000,
            e -> {
              if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                up.countDown();
              }
            });
    up.await(10, TimeUnit.SECONDS);
    return z;
  }
}
