package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness's own processes (real etcd and HAProxy) start, answer, stop and restart cleanly. */
class HarnessSmokeTest {
  @TempDir Path tmp;

  @Test
  void etcdStartsServesKeysAndRestartsOnTheSamePortsWithItsData() {
    try (EtcdProcess etcd = new EtcdProcess(tmp.resolve("etcd")).start()) {
      EtcdKv kv = etcd.kv();
      kv.put("/service/smoke/leader", "node1");
      kv.put("/service/smoke/members/node1", "{\"role\":\"primary\"}");
      kv.put("/service/smokey/leader", "other");
      assertEquals(Optional.of("node1"), kv.get("/service/smoke/leader"));
      assertEquals(
          List.of("/service/smoke/leader", "/service/smoke/members/node1"),
          List.copyOf(kv.getPrefix("/service/smoke/").keySet()));

      int port = etcd.clientPort();
      etcd.stop();
      assertFalse(etcd.isRunning());
      assertFalse(Ports.isListening(port), "client port still open after stop");

      etcd.start();
      assertEquals(port, etcd.clientPort());
      assertEquals(Optional.of("node1"), etcd.kv().get("/service/smoke/leader"));

      etcd.kill();
      assertFalse(etcd.isRunning());
      etcd.restart();
      assertTrue(etcd.kv().isHealthy());
    }
  }

  @Test
  void haproxyRoutesByHealthCheckAndStops() {
    HaproxyProcess haproxy = new HaproxyProcess(tmp.resolve("haproxy"));
    // no agents behind it: every server must be marked DOWN, but the listeners are up
    int pgPort = Ports.free();
    int restPort = Ports.free();
    try (haproxy) {
      haproxy.start(
          List.of(new HaproxyProcess.Backend("node1", pgPort, restPort)),
          new HaproxyProcess.CheckTimings(Duration.ofMillis(500), 2, 1));
      assertTrue(haproxy.isRunning());
      Wait.until(
          "node1 to be DOWN in the primary listener",
          Duration.ofSeconds(10),
          () -> haproxy.serverStates("primary").getOrDefault("node1", "").startsWith("DOWN"));
      Map<String, String> replicas = haproxy.serverStates("replicas");
      assertTrue(replicas.containsKey("node1"), "replicas listener lacks node1: " + replicas);
      haproxy.stop();
      assertFalse(haproxy.isRunning());
      assertFalse(Ports.isListening(haproxy.primaryPort()));
    }
  }

  @Test
  void haproxyConfigHasPatroniStyleChecks() {
    String cfg =
        new HaproxyProcess(tmp)
            .config(
                List.of(new HaproxyProcess.Backend("node1", 5432, 8008)),
                HaproxyProcess.CheckTimings.fast());
    assertTrue(cfg.contains("option httpchk OPTIONS /master"), cfg);
    assertTrue(cfg.contains("option httpchk OPTIONS /replica"), cfg);
    assertTrue(cfg.contains("http-check expect status 200"), cfg);
    assertTrue(
        cfg.contains("default-server inter 1000ms fall 2 rise 1 on-marked-down shutdown-sessions"),
        cfg);
    assertTrue(cfg.contains("server node1 127.0.0.1:5432 maxconn 100 check port 8008"), cfg);
  }
}
