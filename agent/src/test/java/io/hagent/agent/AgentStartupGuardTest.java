package io.hagent.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.cluster.Member;
import io.hagent.common.dcs.DcsException;
import io.hagent.common.rest.RestClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The start-up refusal of a second agent under a running member's name, against a fake DCS. */
class AgentStartupGuardTest {

  private static Cluster withMembers(Member... members) {
    return new Cluster(
        "7401234567890123456",
        Map.of("ttl", 30),
        7,
        null,
        ClusterStatus.EMPTY,
        List.of(members),
        null,
        null,
        List.of(),
        null,
        50);
  }

  private static Member member(String name, String apiUrl) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("conn_url", "postgres://127.0.0.1:5432/postgres");
    if (apiUrl != null) {
      d.put("api_url", apiUrl);
    }
    d.put("state", "running");
    d.put("role", "replica");
    return new Member(name, d, 1);
  }

  private static RestClient client() {
    return new RestClient(null, null, null, null, null, true);
  }

  @Test
  void refusesWhenTheMemberKeyExistsAndItsApiAnswersWithAnyStatus() throws IOException {
    HttpServer other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    List<String> paths = new ArrayList<>();
    other.createContext(
        "/",
        ex -> {
          synchronized (paths) {
            paths.add(ex.getRequestURI().getPath());
          }
          // Patroni asks only whether the agent answers: an unhealthy answer is still an agent.
          ex.sendResponseHeaders(503, -1);
          ex.close();
        });
    other.start();
    try {
      String api = "http://127.0.0.1:" + other.getAddress().getPort() + "/patroni";
      Cluster cluster = withMembers(member("node1", api), member("node2", "http://x:1/patroni"));
      assertTrue(
          AgentStartupGuard.anotherNodeRuns(cluster, "node1", AgentStartupGuard.http(client())));
      assertEquals(List.of("/liveness"), paths);
    } finally {
      other.stop(0);
    }
  }

  @Test
  void startsWhenTheOldAgentIsGoneOrTheKeyIsAbsent() throws IOException {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    Cluster cluster =
        withMembers(
            member("node1", "http://127.0.0.1:" + dead + "/patroni"), member("node3", null));
    AgentStartupGuard.Liveness http = AgentStartupGuard.http(client());
    // The member key outlives a killed agent by up to ttl: a refused connection means "gone".
    assertFalse(AgentStartupGuard.anotherNodeRuns(cluster, "node1", http));
    List<String> asked = new ArrayList<>();
    AgentStartupGuard.Liveness recording =
        url -> {
          asked.add(url);
          return true;
        };
    assertFalse(AgentStartupGuard.anotherNodeRuns(cluster, "node2", recording));
    assertFalse(AgentStartupGuard.anotherNodeRuns(cluster, "node3", recording));
    assertFalse(AgentStartupGuard.anotherNodeRuns(Cluster.empty(), "node1", recording));
    assertTrue(asked.isEmpty(), asked.toString());
  }

  @Test
  void waitsForTheDcsBeforeCheckingAndSaysSo() throws InterruptedException {
    Logger log = (Logger) LoggerFactory.getLogger(AgentStartupGuard.class);
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    log.addAppender(seen);
    try {
      Cluster cluster = withMembers(member("node1", "http://127.0.0.1:1/patroni"));
      int[] reads = {0};
      List<Long> sleeps = new ArrayList<>();
      Cluster got =
          AgentStartupGuard.awaitCluster(
              () -> {
                if (++reads[0] < 3) {
                  throw new DcsException("etcd is not reachable");
                }
                return cluster;
              },
              sleeps::add);
      assertSame(cluster, got);
      assertEquals(List.of(5000L, 5000L), sleeps);
      List<String> warnings =
          seen.list.stream()
              .filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
              .map(ILoggingEvent::getFormattedMessage)
              .toList();
      assertEquals(
          List.of("Can not get cluster from dcs", "Can not get cluster from dcs"), warnings);
    } finally {
      log.detachAppender(seen);
    }
  }

  @Test
  void livenessUrlReplacesThePathOfApiUrl() {
    assertEquals(
        "http://127.0.0.1:8008/liveness",
        AgentStartupGuard.livenessUrl("http://127.0.0.1:8008/patroni"));
    assertEquals(
        "https://db1.example.com:8443/liveness",
        AgentStartupGuard.livenessUrl("https://db1.example.com:8443/"));
    assertEquals(
        "http://[::1]:8008/liveness", AgentStartupGuard.livenessUrl("http://[::1]:8008/patroni"));
    assertNull(AgentStartupGuard.livenessUrl(null));
    assertNull(AgentStartupGuard.livenessUrl("not a url"));
  }
}
