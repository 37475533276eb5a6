package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Platform;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent under a notify socket of the test's own, as systemd runs it (Type=notify): across
 * start, POST /restart of the primary, a switchover, a SIGHUP reload and a stop, only the agent's
 * own PID writes to it, and only messages systemd acts on; a reload is RELOADING=1 with
 * MONOTONIC_USEC (systemd 253+, Type=notify-reload) and then READY=1. PostgreSQL 15 from Debian is
 * linked with libsystemd and sends READY=1/STOPPING=1 of its own whenever it inherits
 * NOTIFY_SOCKET; {@link #postgresWithTheSocketDoesWriteToIt} shows that this listener would see
 * that.
 */
class NotifySocketScenarioTest {
  private static final Set<String> SYSTEMD_ACTS_ON = Set.of("READY", "RELOADING", "STOPPING");
  private static final Duration HEAL = Duration.ofSeconds(90);

  @TempDir Path tmp;

  @org.junit.jupiter.api.BeforeEach
  void linux64() {
    assumeTrue(
        Platform.isLinux() && Platform.is64Bit(),
        "NotifySocket reads struct msghdr/cmsghdr with 64-bit Linux layouts");
  }

  @Test
  void onlyTheAgentsPidWritesAcrossStartRestartSwitchoverAndStop() throws Exception {
    Map<String, NotifySocket> sockets = new HashMap<>();
    try {
      for (String name : List.of("node1", "node2")) {
        sockets.put(name, new NotifySocket(tmp.resolve(name + ".sock")));
      }
      try (ClusterFixture c =
          ClusterFixture.start(
              ClusterSpec.threeNodes().withNodes(2),
              name -> Map.of("NOTIFY_SOCKET", sockets.get(name).path().toString()))) {
        try {
          scenario(c, sockets);
        } catch (RuntimeException | Error e) {
          System.err.println(c.logTails(60));
          throw e;
        }
      }
    } finally {
      sockets.values().forEach(NotifySocket::close);
    }
  }

  private void scenario(ClusterFixture c, Map<String, NotifySocket> sockets) throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    Map<String, Long> agentPids = new HashMap<>();
    for (AgentNode n : c.nodes()) {
      agentPids.put(n.name(), n.agentPid().orElseThrow());
      NotifySocket s = sockets.get(n.name());
      Wait.until(
          n.name() + " to send READY=1",
          Duration.ofSeconds(10),
          () -> s.messages().stream().anyMatch(m -> m.lines().contains("READY=1")));
    }

    long postmasterBefore = leader.postmaster().orElseThrow().pid();
    HttpResponse<String> restart = post(leader, "/restart", "{}");
    assertEquals(200, restart.statusCode(), restart.body());
    Wait.until(
        leader.name() + " to run a new postmaster as primary",
        HEAL,
        () ->
            leader.postmaster().map(p -> p.pid() != postmasterBefore).orElse(false)
                && leader.reportsRole("primary"));
    c.waitForHealthyCluster(HEAL);

    AgentNode candidate = c.replicas().get(0);
    HttpResponse<String> switchover =
        post(
            leader,
            "/switchover",
            "{\"leader\": \"" + leader.name() + "\", \"candidate\": \"" + candidate.name() + "\"}");
    assertEquals(200, switchover.statusCode(), switchover.body());
    assertEquals(candidate, c.waitForLeader(HEAL));
    c.waitForHealthyCluster(HEAL);

    // systemctl reload (ExecReload=kill -HUP): RELOADING=1 at the signal, READY=1 once applied
    for (AgentNode n : c.nodes()) {
      NotifySocket s = sockets.get(n.name());
      long before = System.nanoTime() / 1000;
      Process kill =
          new ProcessBuilder("kill", "-HUP", Long.toString(agentPids.get(n.name()))).start();
      assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -HUP");
      Wait.until(
          n.name() + "'s READY=1 after RELOADING=1",
          Duration.ofSeconds(30),
          () -> states(s.messages()).equals(List.of("READY=1", "RELOADING=1", "READY=1")));
      NotifySocket.Message reloading =
          s.messages().stream()
              .filter(m -> m.lines().contains("RELOADING=1"))
              .findFirst()
              .orElseThrow();
      long usec =
          reloading.lines().stream()
              .filter(l -> l.startsWith("MONOTONIC_USEC="))
              .map(l -> Long.parseLong(l.substring("MONOTONIC_USEC=".length())))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no MONOTONIC_USEC in " + reloading));
      // CLOCK_MONOTONIC is one clock for every process of the host (as systemd reads it)
      long after = System.nanoTime() / 1000;
      assertTrue(
          usec >= before && usec <= after,
          "MONOTONIC_USEC " + usec + " not between " + before + " and " + after);
    }

    // the replica first, then the primary: each stops its PostgreSQL on the way out
    for (AgentNode n : List.of(leader, candidate)) {
      assertTrue(n.stopAgent(Duration.ofSeconds(60)), n.name() + " did not stop");
      NotifySocket s = sockets.get(n.name());
      Wait.until(
          n.name() + "'s STOPPING=1",
          Duration.ofSeconds(5),
          () -> s.messages().stream().anyMatch(m -> m.lines().contains("STOPPING=1")));
    }
    TimeUnit.MILLISECONDS.sleep(300); // anything a late PostgreSQL process might still send

    for (AgentNode n : c.nodes()) {
      List<NotifySocket.Message> got = sockets.get(n.name()).messages();
      System.out.printf(
          "%s (agent pid %d) notify socket: %s%n", n.name(), agentPids.get(n.name()), got);
      List<String> problems = new ArrayList<>();
      for (NotifySocket.Message m : got) {
        if (m.pid() != agentPids.get(n.name())) {
          problems.add("from pid " + m.pid() + " (not the agent): " + m.text());
        }
        for (String line : m.lines()) {
          String key = line.contains("=") ? line.substring(0, line.indexOf('=')) : line;
          if (!SYSTEMD_ACTS_ON.contains(key)
              && !key.equals("STATUS")
              && !key.equals("MONOTONIC_USEC")) {
            problems.add("unexpected assignment " + line);
          }
        }
      }
      assertEquals(List.of(), problems, n.name());
      assertEquals(
          List.of("READY=1", "RELOADING=1", "READY=1", "STOPPING=1"),
          states(got),
          n.name() + ": " + got);
    }
  }

  /** The state changes in the order sent (READY=1, RELOADING=1, STOPPING=1), without STATUS. */
  private static List<String> states(List<NotifySocket.Message> got) {
    return got.stream()
        .flatMap(m -> m.lines().stream())
        .filter(l -> SYSTEMD_ACTS_ON.contains(l.substring(0, Math.max(0, l.indexOf('=')))))
        .toList();
  }

  private static HttpResponse<String> post(AgentNode node, String path, String body)
      throws IOException, InterruptedException {
    return AgentNode.httpClient(null)
        .send(
            HttpRequest.newBuilder(node.restUri(path))
                .timeout(Duration.ofSeconds(90))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /** The control: a postmaster that inherits the socket does send READY=1 and STOPPING=1. */
  @Test
  void postgresWithTheSocketDoesWriteToIt() throws Exception {
    Path data = tmp.resolve("pgdata");
    String bin = NodeConfig.BIN_DIR;
    Process initdb =
        new ProcessBuilder(bin + "/initdb", "-D", data.toString(), "-A", "trust", "-U", "postgres")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("initdb.log").toFile())
            .start();
    assertTrue(initdb.waitFor(60, TimeUnit.SECONDS) && initdb.exitValue() == 0, "initdb failed");
    try (NotifySocket socket = new NotifySocket(tmp.resolve("pg.sock"))) {
      ProcessBuilder pb =
          new ProcessBuilder(
                  bin + "/postgres",
                  "-D",
                  data.toString(),
                  "-p",
                  Integer.toString(Ports.free()),
                  "-c",
                  "listen_addresses=",
                  "-c",
                  "unix_socket_directories=" + tmp)
              .redirectErrorStream(true)
              .redirectOutput(tmp.resolve("pg.log").toFile());
      pb.environment().put("NOTIFY_SOCKET", socket.path().toString());
      Process pg = pb.start();
      try {
        Wait.until(
            "PostgreSQL's READY=1",
            Duration.ofSeconds(30),
            () -> socket.messages().stream().anyMatch(m -> m.lines().contains("READY=1")));
        pg.destroy(); // SIGTERM: smart shutdown
        assertTrue(pg.waitFor(30, TimeUnit.SECONDS));
        Wait.until(
            "PostgreSQL's STOPPING=1",
            Duration.ofSeconds(5),
            () -> socket.messages().stream().anyMatch(m -> m.lines().contains("STOPPING=1")));
        assertTrue(
            socket.messages().stream().allMatch(m -> m.pid() == pg.pid()),
            "credentials name the postmaster: " + socket.messages());
      } finally {
        pg.destroyForcibly();
        pg.waitFor(10, TimeUnit.SECONDS);
        Files.deleteIfExists(data.resolve("postmaster.pid"));
      }
    }
  }
}
