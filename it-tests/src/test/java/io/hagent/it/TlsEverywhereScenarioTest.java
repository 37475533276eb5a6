package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TLS everywhere (issue 15), with certificates and PEM keys made by openssl (see {@link
 * ClusterTls}): PostgreSQL takes TCP logins only over TLS with a client certificate (hostssl ...
 * clientcert=verify-ca) and each role's key is another PEM form, the REST API requires client
 * certificates, etcd requires client certificates, and hactl's client key is encrypted. The cluster
 * bootstraps, replicates, switches over with hactl and fails over.
 */
@Tag("scenario")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsEverywhereScenarioTest {
  private static final Duration BOOTSTRAP = Duration.ofSeconds(120);
  private static final Duration HEAL = Duration.ofSeconds(120);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger RUNS = new AtomicInteger();
  private static final ClusterTls TLS = ClusterTls.create(tempDir().resolve("pki"));

  @RegisterExtension
  static final ClusterExtension CLUSTER =
      new ClusterExtension(ClusterSpec.threeNodes().withTls(TLS));

  private ClusterFixture c;

  private static Path tempDir() {
    try {
      Path dir = Files.createTempDirectory("hagent-it-tls-");
      // the keys live as long as the class's cluster; deleteOnExit cannot remove a full directory
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path dir) {
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not remove " + dir + ": " + e.getMessage());
    }
  }

  @BeforeEach
  void heal() {
    c = CLUSTER.cluster();
    for (AgentNode n : c.nodes()) {
      if (!n.isAgentRunning()) {
        n.start();
      }
    }
  }

  @Test
  @Order(1)
  void bootstrapsAndReplicatesWithClientCertificatesOnly() throws Exception {
    // the test's own client (the driver's PKCS#12 support) must get in, or nothing below can pass
    try (Connection conn = c.waitForLeader(BOOTSTRAP).connect()) {
      assertTrue(conn.isValid(5));
    }
    AgentNode leader = c.waitForHealthyCluster(BOOTSTRAP);
    try (Connection conn = leader.connect();
        Statement st = conn.createStatement()) {
      // the agent's own connection: TLS, with the superuser's (encrypted) client certificate
      assertEquals(
          1,
          count(
              st,
              "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)"
                  + " WHERE a.backend_type = 'client backend' AND s.ssl"
                  + " AND s.client_dn = '/CN=postgres'"),
          "the leader's agent is connected over TLS with its certificate: " + clients(st));
      // both replicas stream through libpq with the replication role's PKCS#1 key
      assertEquals(
          2,
          count(
              st,
              "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_replication r USING (pid)"
                  + " WHERE s.ssl AND s.client_dn = '/CN=replicator' AND r.state = 'streaming'"));
      st.execute("CREATE TABLE IF NOT EXISTS tls_probe (v text)");
      st.execute("INSERT INTO tls_probe VALUES ('over tls')");
    }
    for (AgentNode r : c.replicas()) {
      Wait.until(
          r.name() + " to replay the row",
          Duration.ofSeconds(30),
          () -> {
            try (Connection conn = r.connect();
                Statement st = conn.createStatement()) {
              return count(st, "SELECT count(*) FROM tls_probe WHERE v = 'over tls'") == 1;
            } catch (SQLException e) {
              return false;
            }
          });
    }
    // and nothing gets in without a certificate
    Properties plain = c.connectionProperties();
    plain.setProperty("sslmode", "disable");
    SQLException refused =
        assertThrows(
            SQLException.class, () -> DriverManager.getConnection(leader.jdbcUrl(), plain));
    assertTrue(refused.getMessage().contains("no pg_hba.conf entry"), refused.getMessage());
  }

  @Test
  @Order(2)
  void hactlListsAndSwitchesOverThroughTlsEtcdAndRest() throws Exception {
    AgentNode old = c.waitForHealthyCluster(HEAL);
    Wait.until(
        "hactl list to show one leader and two streaming replicas",
        Duration.ofSeconds(30),
        () -> {
          TreeMap<String, String> roles = new TreeMap<>();
          for (JsonNode m : json(hactl("list", "-f", "json").ok().out())) {
            roles.put(m.path("Member").asText(), m.path("Role").asText());
          }
          return roles.keySet().equals(java.util.Set.of("node1", "node2", "node3"))
              && roles.get(old.name()).equals("Leader")
              && roles.values().stream().filter("Replica"::equals).count() == 2;
        });
    // hactl query logs in with the superuser's encrypted PEM key
    Result q =
        hactl("query", "-c", "SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()").ok();
    assertTrue(q.out().contains("/CN=postgres"), q.out() + q.err());
    Result r = hactl("switchover", "--force").ok();
    assertTrue(r.out().contains("Successfully switched over to \""), r.out());
    AgentNode next = c.waitForLeader(Duration.ofSeconds(60));
    assertNotEquals(old, next);
    c.waitForHealthyCluster(HEAL);
    assertTrue(old.reportsRole("replica"), old.name() + " did not rejoin as a replica");
  }

  @Test
  @Order(3)
  void failsOverWhenTheLeaderCrashesAndTheOldLeaderRejoins() {
    AgentNode old = c.waitForHealthyCluster(HEAL);
    old.crash();
    AgentNode next =
        Wait.forValue(
            "another node to take over",
            Duration.ofSeconds(c.spec().ttl() * 3L),
            () -> {
              List<AgentNode> p = c.primaries();
              return p.size() == 1 && p.get(0) != old
                  ? c.leaderName().filter(p.get(0).name()::equals).map(n -> p.get(0))
                  : java.util.Optional.empty();
            });
    assertNotEquals(old, next);
    old.start();
    c.waitForHealthyCluster(HEAL);
    // it usually needs pg_rewind first (with the rewind role's EC key); /patroni can say
    // "running pg_rewind" for a cycle after PostgreSQL already streams
    Wait.until(
        old.name() + " to report a running replica",
        Duration.ofSeconds(30),
        () -> old.reportsRole("replica"));
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> clients(Statement st) throws SQLException {
    List<String> out = new ArrayList<>();
    try (ResultSet rs =
        st.executeQuery(
            "SELECT a.application_name, a.backend_type, s.ssl, s.client_dn"
                + " FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)")) {
      while (rs.next()) {
        out.add(
            rs.getString(1)
                + "/"
                + rs.getString(2)
                + "/"
                + rs.getString(3)
                + "/"
                + rs.getString(4));
      }
    }
    return out;
  }

  private static long count(Statement st, String sql) throws SQLException {
    try (ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  record Result(List<String> args, int exit, String out, String err) {
    Result ok() {
      assertEquals(0, exit, "hactl " + args + " failed:\n" + out + err);
      return this;
    }
  }

  /** {@code java -jar hactl.jar -c node1.yml ARGS}: etcd and REST both over TLS. */
  private Result hactl(String... args) {
    Path jar =
        Path.of(System.getProperty("hactl.jar", "../cli/target/hactl.jar"))
            .toAbsolutePath()
            .normalize();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
    cmd.addAll(List.of("-c", c.node("node1").config().configFile().toString()));
    cmd.addAll(List.of(args));
    Path dir = c.baseDir().resolve("hactl");
    int run = RUNS.incrementAndGet();
    Path out = dir.resolve(run + ".out");
    Path err = dir.resolve(run + ".err");
    try {
      Files.createDirectories(dir);
      Process p =
          new ProcessBuilder(cmd)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("hactl " + List.of(args) + " hung for 120 s");
      }
      return new Result(
          List.of(args),
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
