package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * hactl as an operator runs it ({@code java -jar hactl.jar -c node1.yml ...}, a separate process)
 * against one live 3-node cluster: what it prints (§2.2) and what its commands do (§2.3), checked
 * against the cluster itself (GET /patroni, the etcd keys, PostgreSQL). Scenarios run in order on
 * one cluster; each starts from "one leader, two streaming replicas".
 */
@Tag("scenario")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HactlScenariosTest {
  private static final Duration BOOTSTRAP = Duration.ofSeconds(90);
  private static final Duration HEAL = Duration.ofSeconds(90);

  /** The member keys (and so list) follow the nodes one loop_wait later. */
  private static final Duration DCS_CATCH_UP = Duration.ofSeconds(20);

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final ClusterExtension CLUSTER = new ClusterExtension(ClusterSpec.threeNodes());

  private ClusterFixture c;

  @BeforeEach
  void healCluster() {
    c = CLUSTER.cluster();
    for (AgentNode n : c.nodes()) {
      if (!n.isAgentRunning()) {
        n.start();
      }
    }
  }

  @Test
  @Order(1)
  void listShowsTheMembersInPrettyTsvAndJson() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(BOOTSTRAP);
    int tl = leader.status().orElseThrow().path("timeline").asInt();
    String sysid = c.etcd().kv().get(c.dcsPrefix() + "initialize").orElseThrow();
    assertTrue(sysid.matches("\\d{10,}"), "initialize key: " + sysid);
    awaitListed(leader, tl);

    Result pretty = hactl("list").ok();
    List<String> lines = pretty.out().lines().toList();
    assertTrue(
        lines.get(0).startsWith("+ Cluster: " + c.scope() + " (" + sysid + ") -"),
        "header: " + lines.get(0));
    assertEquals(
        List.of("Member", "Host", "Role", "State", "TL", "Receive LSN", "Lag", "Replay LSN", "Lag"),
        cells(lines.get(1)));
    assertTrue(lines.get(lines.size() - 1).matches("\\+[-+]+\\+"), pretty.out());
    assertFalse(pretty.out().contains("Maintenance mode"), pretty.out());
    List<List<String>> rows =
        lines.stream().filter(l -> l.startsWith("| node")).map(this::cells).toList();
    assertEquals(3, rows.size(), pretty.out());
    for (int i = 0; i < 3; i++) {
      AgentNode n = c.nodes().get(i);
      List<String> row = rows.get(i);
      boolean isLeader = n == leader;
      assertEquals(n.name(), row.get(0), pretty.out());
      assertEquals("127.0.0.1:" + n.config().pgPort(), row.get(1), pretty.out());
      assertEquals(isLeader ? "Leader" : "Replica", row.get(2), pretty.out());
      assertEquals(isLeader ? "running" : "streaming", row.get(3), pretty.out());
      assertEquals(String.valueOf(tl), row.get(4), pretty.out());
      if (isLeader) {
        assertEquals(List.of("", "", "", ""), row.subList(5, 9), pretty.out());
      } else {
        assertTrue(row.get(5).matches("[0-9A-F]+/[0-9A-F]+"), "receive LSN: " + pretty.out());
        assertTrue(row.get(6).matches("\\d+"), "receive lag: " + pretty.out());
        assertTrue(row.get(7).matches("[0-9A-F]+/[0-9A-F]+"), "replay LSN: " + pretty.out());
      }
    }

    Result tsv = hactl("list", "-f", "tsv").ok();
    List<String> tsvLines = tsv.out().lines().toList();
    assertEquals(
        "Cluster\tMember\tHost\tRole\tState\tTL\tReceive LSN\tReceive Lag\tReplay LSN\tReplay Lag",
        tsvLines.get(0));
    assertEquals(4, tsvLines.size(), tsv.out());
    for (int i = 0; i < 3; i++) {
      AgentNode n = c.nodes().get(i);
      List<String> f = Arrays.asList(tsvLines.get(i + 1).split("\t", -1));
      assertEquals(10, f.size(), tsvLines.get(i + 1));
      assertEquals(
          List.of(
              c.scope(),
              n.name(),
              "127.0.0.1:" + n.config().pgPort(),
              n == leader ? "Leader" : "Replica",
              n == leader ? "running" : "streaming",
              String.valueOf(tl)),
          f.subList(0, 6));
    }

    JsonNode json = JSON.readTree(hactl("list", "-f", "json").ok().out());
    assertEquals(3, json.size(), json.toString());
    for (int i = 0; i < 3; i++) {
      AgentNode n = c.nodes().get(i);
      JsonNode m = json.get(i);
      assertEquals(c.scope(), m.path("Cluster").asText());
      assertEquals(n.name(), m.path("Member").asText());
      assertEquals(n == leader ? "Leader" : "Replica", m.path("Role").asText());
      assertEquals(n == leader ? "running" : "streaming", m.path("State").asText());
      assertTrue(m.path("TL").isInt(), "TL is a number in json: " + m);
      assertEquals(tl, m.path("TL").asInt());
      // empty cells are left out: the leader has no LSN columns, replicas have them
      assertEquals(n != leader, m.has("Replay LSN"), m.toString());
    }
  }

  @Test
  @Order(2)
  void queryRunsSqlOnTheLeaderAReplicaOrAMemberAndPrintsErrorsAsRows() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    awaitListed(leader, leader.status().orElseThrow().path("timeline").asInt());
    String where = "SELECT inet_server_port() AS port, pg_is_in_recovery()";

    // the login is the config's superuser; its password must never show up
    Result one = hactl("query", "-c", "SELECT 1").ok();
    assertEquals("?column?\n1\n", one.out());
    assertEquals(
        "port\tpg_is_in_recovery\n" + leader.config().pgPort() + "\tFalse\n",
        hactl("query", "-c", where).ok().out());
    assertEquals(
        "[{\"port\": " + leader.config().pgPort() + "}]\n",
        hactl(
                "query",
                "-r",
                "primary",
                "--format",
                "json",
                "-c",
                "SELECT inet_server_port() AS port")
            .ok()
            .out());

    // -r replica: a member the DCS lists as replica and PostgreSQL confirms is in recovery
    List<String> replicaPorts =
        c.nodes().stream()
            .filter(n -> n != leader)
            .map(n -> String.valueOf(n.config().pgPort()))
            .toList();
    List<String> replica = hactl("query", "-r", "replica", "-c", where).ok().out().lines().toList();
    assertEquals(2, replica.size(), replica.toString());
    assertTrue(replicaPorts.contains(replica.get(1).split("\t")[0]), replica.toString());
    assertEquals("True", replica.get(1).split("\t")[1], replica.toString());
    AgentNode named = c.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    List<String> byName =
        hactl("query", "-m", named.name(), "--delimiter", "|", "-c", where)
            .ok()
            .out()
            .lines()
            .toList();
    assertEquals(List.of("port|pg_is_in_recovery", named.config().pgPort() + "|True"), byName);

    // failing SQL is a row, not an exit code: <timestamp>\tERROR, SQLSTATE: <code>
    Result failed = hactl("query", "-c", "SELECT * FROM no_such_table").ok();
    assertTrue(
        failed.out().matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\tERROR, SQLSTATE: 42P01\n"),
        failed.out());
    Result wrongLogin = hactl("query", "-U", "nosuchuser", "-c", "SELECT 1").ok();
    assertTrue(wrongLogin.out().contains("\tERROR, SQLSTATE: "), wrongLogin.out());

    assertEquals(
        "Error: --role and --member are mutually exclusive options",
        hactl("query", "-r", "replica", "-m", named.name(), "-c", "SELECT 1").error());
    for (Result r : List.of(one, failed, wrongLogin)) {
      assertFalse(r.out().contains(c.credentials().superuserPassword()), r.out());
      assertFalse(r.err().contains(c.credentials().superuserPassword()), r.err());
    }
  }

  @Test
  @Order(3)
  void badInputPrintsOneErrorLineExitsOneAndChangesNothing() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    String configKey = c.dcsPrefix() + "config";
    long configRevision = c.etcd().kv().modRevision(configKey).orElseThrow();
    String config = c.etcd().kv().get(configKey).orElseThrow();

    assertEquals(
        "Error: Member nosuch does not exist in cluster "
            + c.scope()
            + " or is tagged as nofailover",
        hactl("switchover", "--candidate", "nosuch", "--force").error());
    assertEquals(
        "Error: This cluster has no leader",
        hactl("switchover", "nosuchcluster", "--force").error());
    assertEquals(
        "Error: The config key does not exist in the cluster nosuchcluster",
        hactl("edit-config", "nosuchcluster", "-s", "ttl=25", "--force").error());
    assertEquals(Map.of(), c.etcd().kv().getPrefix("/service/nosuchcluster/"));

    int closed = closedPort();
    long t0 = System.nanoTime();
    String unreachable = hactl("--dcs-url", "etcd3://127.0.0.1:" + closed, "list").error();
    long took = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
    assertTrue(unreachable.startsWith("Error: "), unreachable);
    assertTrue(unreachable.contains("127.0.0.1:" + closed), "names the etcd: " + unreachable);
    assertTrue(took < 30, "an unreachable etcd took " + took + " s to report");

    Path badYaml = c.baseDir().resolve("bad-config.yaml");
    Files.writeString(badYaml, "ttl: [unclosed\n  loop_wait: : 3\n");
    String yamlError = hactl("edit-config", "--apply", badYaml.toString(), "--force").error();
    assertTrue(yamlError.startsWith("Error: Invalid YAML in " + badYaml), yamlError);

    assertEquals(
        "Error: Invalid parameter setting ttl",
        hactl("edit-config", "--set", "ttl", "--force").error());
    assertTrue(hactl("edit-config", "--set", "ttl=[1", "--force").error().startsWith("Error: "));

    assertEquals(Optional.of(configRevision), c.etcd().kv().modRevision(configKey));
    assertEquals(Optional.of(config), c.etcd().kv().get(configKey));
    assertEquals(Optional.of(leader.name()), c.leaderName());
    assertTrue(c.etcd().kv().get(c.dcsPrefix() + "failover").orElse("{}").matches("\\{\\s*}"));
  }

  @Test
  @Order(4)
  void switchoverToANamedCandidate() throws Exception {
    AgentNode old = c.waitForHealthyCluster(HEAL);
    AgentNode target = c.replicas().get(0);
    Result r = hactl("switchover", "--candidate", target.name(), "--force").ok();
    assertTrue(
        r.out().contains("Successfully switched over to \"" + target.name() + "\""), r.out());
    assertTrue(r.out().startsWith("Current cluster topology\n"), r.out());
    assertEquals(target, c.waitForLeader(Duration.ofSeconds(30)));
    assertTrue(target.reportsRole("primary"));
    c.waitForHealthyCluster(HEAL);
    assertTrue(old.reportsRole("replica"), old.name() + " did not rejoin as a replica");
  }

  @Test
  @Order(5)
  void switchoverWithoutCandidateLetsTheLeaderPickOne() throws Exception {
    AgentNode old = c.waitForHealthyCluster(HEAL);
    Result r = hactl("switchover", "--force").ok();
    assertTrue(r.out().contains("Successfully switched over to \""), r.out());
    AgentNode next = c.waitForLeader(Duration.ofSeconds(30));
    assertNotEquals(old, next);
    assertTrue(r.out().contains("Successfully switched over to \"" + next.name() + "\""), r.out());
    c.waitForHealthyCluster(HEAL);
  }

  @Test
  @Order(6)
  void historyListsBothSwitchovers() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    JsonNode rows =
        Wait.forValue(
            "history to list two timeline switches",
            DCS_CATCH_UP,
            () -> {
              JsonNode h = readJson(hactl("history", "-f", "json").ok().out());
              return h.size() >= 2 ? Optional.of(h) : Optional.empty();
            });
    List<Integer> tls = new ArrayList<>();
    rows.forEach(row -> tls.add(row.path("TL").asInt()));
    assertTrue(rows.get(0).path("TL").isInt(), "TL is a number in json: " + rows);
    assertEquals(List.of(1, 2), tls.subList(0, 2), rows.toString());
    JsonNode last = rows.get(rows.size() - 1);
    assertEquals(leader.name(), last.path("New Leader").asText(), rows.toString());
    assertTrue(last.path("LSN").asLong() > 0, rows.toString());

    Result pretty = hactl("history").ok();
    List<String> header = cells(pretty.out().lines().toList().get(1));
    assertEquals(List.of("TL", "LSN", "Reason", "Timestamp", "New Leader"), header);
    assertTrue(
        pretty.out().lines().anyMatch(l -> l.startsWith("|  1 |")), "TL 1 row: " + pretty.out());
  }

  @Test
  @Order(7)
  void scheduledSwitchoverWaitsForItsTime() throws Exception {
    AgentNode old = c.waitForHealthyCluster(HEAL);
    OffsetDateTime at = OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(12).withNano(0);
    String iso = at.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    Result r = hactl("switchover", "--scheduled", iso, "--force").ok();
    assertTrue(r.out().contains(" Switchover scheduled\n"), r.out());
    JsonNode failover = JSON.readTree(c.etcd().kv().get(c.dcsPrefix() + "failover").orElseThrow());
    assertEquals(old.name(), failover.path("leader").asText(), failover.toString());
    assertEquals(
        at.toInstant(),
        OffsetDateTime.parse(failover.path("scheduled_at").asText()).toInstant(),
        failover.toString());

    Wait.until(
        old.name() + " to log that it awaits the switchover",
        Duration.ofSeconds(10),
        () -> logOf(old).contains("Awaiting switchover at "));
    while (OffsetDateTime.now(ZoneOffset.UTC).isBefore(at.minusSeconds(1))) {
      assertEquals(Optional.of(old.name()), c.leaderName(), "switched over before " + iso);
      Wait.sleep(Duration.ofMillis(200));
    }
    AgentNode next =
        Wait.forValue(
            "a new leader after " + iso,
            Duration.ofSeconds(40),
            () -> c.leaderName().filter(n -> !n.equals(old.name())).map(c::node));
    Duration late = Duration.between(at, OffsetDateTime.now(ZoneOffset.UTC));
    System.out.printf(
        "scheduled switchover: %s leads %d ms after %s%n", next, late.toMillis(), iso);
    assertFalse(late.isNegative(), "the leader changed " + late.negated().toMillis() + " ms early");
    assertTrue(late.toSeconds() < c.spec().loopWait() + 10, "late by " + late.toMillis() + " ms");
    assertEquals(next, c.waitForLeader(Duration.ofSeconds(30)));
    String log = logOf(old);
    assertTrue(
        log.lastIndexOf("switchover: demoting myself") > log.indexOf("Awaiting switchover at "),
        "log of " + old.name());
    c.waitForHealthyCluster(HEAL);
  }

  @Test
  @Order(8)
  void editConfigReachesPostgresAfterRestart() throws Exception {
    c.waitForHealthyCluster(HEAL);
    Result r = hactl("edit-config", "-s", "ttl=25", "-p", "max_connections=101", "--force").ok();
    assertTrue(r.out().contains("+ttl: 25"), "diff: " + r.out());
    assertTrue(r.out().contains("Configuration changed"), r.out());
    JsonNode config = JSON.readTree(c.etcd().kv().get(c.dcsPrefix() + "config").orElseThrow());
    assertEquals(25, config.path("ttl").asInt(), config.toString());
    assertEquals(
        101,
        config.path("postgresql").path("parameters").path("max_connections").asInt(),
        config.toString());

    Wait.until(
        "every member to show Pending restart *",
        Duration.ofSeconds(30),
        () ->
            streamOf(readJson(hactl("list", "-f", "json").ok().out()))
                .allMatch(m -> "*".equals(m.path("Pending restart").asText())));
    String pretty = hactl("list").ok().out();
    assertTrue(pretty.lines().toList().get(1).contains("| Pending restart |"), pretty);

    Result restart = hactl("restart", c.scope(), "--force").ok();
    for (AgentNode n : c.nodes()) {
      assertTrue(restart.out().contains("Success: restart on member " + n.name()), restart.out());
    }
    for (AgentNode n : c.nodes()) {
      Wait.until(
          n.name() + " to run with max_connections 101",
          Duration.ofSeconds(30),
          () -> "101".equals(queryString(n, "SHOW max_connections")));
    }
    c.waitForHealthyCluster(HEAL);
    Wait.until(
        "no member to show a pending restart",
        DCS_CATCH_UP,
        () ->
            streamOf(readJson(hactl("list", "-f", "json").ok().out()))
                .noneMatch(m -> m.has("Pending restart")));
  }

  @Test
  @Order(9)
  void pauseAndResumeShowInTheListFooter() throws Exception {
    c.waitForHealthyCluster(HEAL);
    Result p = hactl("pause", "--wait").ok();
    assertTrue(p.out().contains("Success: cluster management is paused"), p.out());
    for (AgentNode n : c.nodes()) {
      assertTrue(n.status().orElseThrow().path("pause").asBoolean(), n.name() + " not paused");
    }
    List<String> paused = hactl("list").ok().out().lines().toList();
    assertEquals(" Maintenance mode: on", paused.get(paused.size() - 1), String.join("\n", paused));
    assertEquals("Error: Cluster is already paused", hactl("pause").error());

    Result r = hactl("resume", "--wait").ok();
    assertTrue(r.out().contains("Success: cluster management is resumed"), r.out());
    for (AgentNode n : c.nodes()) {
      assertFalse(n.status().orElseThrow().path("pause").asBoolean(), n.name() + " still paused");
    }
    String resumed = hactl("list").ok().out();
    assertFalse(resumed.contains("Maintenance mode"), resumed);
  }

  @Test
  @Order(10)
  void reinitOfAReplicaClonesItAgain() throws Exception {
    c.waitForHealthyCluster(HEAL);
    AgentNode replica = c.replicas().get(0);
    long pidBefore = replica.postmaster().orElseThrow().pid();
    long clonesBefore = countInLog(replica, "bootstrapped from leader");
    Result r = hactl("reinit", c.scope(), replica.name(), "--force", "--wait").ok();
    assertTrue(r.out().contains("Success: reinitialize for member " + replica.name()), r.out());
    assertTrue(r.out().contains("Reinitialize is completed on: " + replica.name()), r.out());
    c.waitStreaming(replica, Duration.ofSeconds(60));
    assertNotEquals(
        pidBefore, replica.postmaster().orElseThrow().pid(), "PostgreSQL not restarted");
    assertTrue(
        countInLog(replica, "bootstrapped from leader") > clonesBefore,
        replica.name() + " did not clone again");
    c.waitForHealthyCluster(HEAL);
    Wait.until(
        replica.name() + " listed as streaming",
        DCS_CATCH_UP,
        () ->
            streamOf(readJson(hactl("list", "-f", "json").ok().out()))
                .anyMatch(
                    m ->
                        m.path("Member").asText().equals(replica.name())
                            && m.path("State").asText().equals("streaming")));
  }

  // ---------------------------------------------------------------------------------------------

  /** What one hactl run printed and returned. */
  record Result(List<String> args, int exit, String out, String err) {
    Result ok() {
      assertEquals(0, exit, "hactl " + args + " failed:\n" + out + err);
      return this;
    }

    /**
     * The single "Error: ..." line of a failed run (asserting exit 1 and nothing else on stderr).
     */
    String error() {
      assertEquals(1, exit, "hactl " + args + " should fail:\n" + out + err);
      List<String> lines = err.lines().toList();
      assertEquals(1, lines.size(), "stderr of hactl " + args + ":\n" + err);
      assertTrue(lines.get(0).startsWith("Error: "), err);
      return lines.get(0);
    }
  }

  /** Runs {@code java -jar hactl.jar -c node1.yml ARGS} through it-tests' {@link Hactl}. */
  private Result hactl(String... args) {
    try {
      Hactl.Result r = Hactl.run(c, args);
      return new Result(r.args(), r.exitCode(), r.out(), r.err());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Waits until list -f json shows the leader running and the others streaming, on timeline tl. */
  private void awaitListed(AgentNode leader, int tl) {
    Wait.until(
        "hactl list to show " + leader.name() + " leading and two streaming replicas on TL " + tl,
        DCS_CATCH_UP,
        () -> {
          Map<String, String> seen = new LinkedHashMap<>();
          for (JsonNode m : readJson(hactl("list", "-f", "json").ok().out())) {
            seen.put(
                m.path("Member").asText(),
                m.path("Role").asText()
                    + "/"
                    + m.path("State").asText()
                    + "/"
                    + m.path("TL").asInt());
          }
          Map<String, String> want = new LinkedHashMap<>();
          for (AgentNode n : c.nodes()) {
            want.put(n.name(), (n == leader ? "Leader/running/" : "Replica/streaming/") + tl);
          }
          return seen.equals(want);
        });
  }

  /** The cells of one prettytable row, trimmed. */
  private List<String> cells(String line) {
    String inner = line.substring(1, line.length() - 1);
    return Arrays.stream(inner.split("\\|", -1)).map(String::trim).toList();
  }

  private static JsonNode readJson(String s) {
    try {
      return JSON.readTree(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static java.util.stream.Stream<JsonNode> streamOf(JsonNode array) {
    List<JsonNode> items = new ArrayList<>();
    array.forEach(items::add);
    return items.stream();
  }

  private static String logOf(AgentNode n) {
    try {
      return Files.readString(n.log(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long countInLog(AgentNode n, String text) {
    return logOf(n).lines().filter(l -> l.contains(text)).count();
  }

  /** A loopback port nothing listens on (bound, then released). */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String queryString(AgentNode node, String sql) {
    try (Connection conn = node.connect();
        Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      return null;
    }
  }
}
