package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reload (SIGHUP and POST /reload) on a live one-node cluster: an edited node YAML reaches the
 * running PostgreSQL without restarting it (reloadable GUCs at once, restart-only ones as
 * pending_restart), tags reach the member key, restart-only agent settings are named in a warning,
 * and an invalid or identity-changing file leaves everything as it was.
 */
@Tag("scenario")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReloadScenariosTest {
  private static final Duration BOOTSTRAP = Duration.ofSeconds(90);
  private static final Duration APPLY = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The line every edit anchors on: the node's own postgresql.parameters (4-space indent). */
  private static final String LOCAL_PARAMS = "\n    unix_socket_directories: ";

  @RegisterExtension
  static final ClusterExtension CLUSTER =
      new ClusterExtension(ClusterSpec.threeNodes().withNodes(1));

  private AgentNode node() {
    return CLUSTER.cluster().nodes().get(0);
  }

  @Test
  @Order(1)
  void sighupAppliesAReloadableParameterWithoutRestartingPostgres() throws Exception {
    AgentNode n = CLUSTER.cluster().waitForLeader(BOOTSTRAP);
    assertEquals("4MB", show(n, "work_mem"), "precondition: PostgreSQL's default work_mem");
    Postmaster before = postmaster(n);
    long logStart = logSize(n);

    edit(n, LOCAL_PARAMS, "\n    work_mem: 12MB" + LOCAL_PARAMS);
    sighup(n);

    Wait.until("work_mem to become 12MB", APPLY, () -> "12MB".equals(showOrNull(n, "work_mem")));
    assertEquals(before, postmaster(n), "PostgreSQL must not have been restarted");
    String log = logSince(n, logStart);
    assertTrue(
        log.contains("PostgreSQL configuration items changed, reloading configuration."), log);
    assertTrue(log.contains("INFO: Changed work_mem from 4096 to 12MB\n"), log);
    assertTrue(log.contains("Reloaded the local configuration from"), log);
    assertFalse(n.status().orElseThrow().path("pending_restart").asBoolean(), "nothing pending");
  }

  @Test
  @Order(2)
  void postReloadMarksARestartOnlyParameterPendingAndWarnsAboutRestApiListen() throws Exception {
    AgentNode n = node();
    String sharedBuffers = show(n, "shared_buffers");
    Postmaster before = postmaster(n);
    long logStart = logSize(n);
    int otherPort = Ports.free();

    edit(n, LOCAL_PARAMS, "\n    shared_buffers: 64MB" + LOCAL_PARAMS);
    edit(n, "  listen: 127.0.0.1:" + n.config().restPort(), "  listen: 127.0.0.1:" + otherPort);
    edit(n, "  noloadbalance: false", "  noloadbalance: true");
    HttpResponse<String> reply = postReload(n);
    assertEquals(202, reply.statusCode());
    assertEquals("reload scheduled", reply.body());

    JsonNode status =
        Wait.forValue(
            "/patroni to report pending_restart",
            APPLY,
            () -> n.status().filter(s -> s.path("pending_restart").asBoolean()));
    JsonNode reason = status.path("pending_restart_reason").path("shared_buffers");
    assertEquals("64MB", reason.path("new_value").asText(), status.toString());
    // in the units SHOW uses (Patroni converts from pg_settings' 8 kB pages too)
    assertEquals(sharedBuffers, reason.path("old_value").asText(), status.toString());
    assertEquals(sharedBuffers, show(n, "shared_buffers"), "not applied before a restart");
    assertEquals(before, postmaster(n), "PostgreSQL must not have been restarted");

    // restapi.listen waits for a restart of hagent: the API still answers on the old port
    String log = logSince(n, logStart);
    assertTrue(log.contains("WARNING: restapi.listen changed; restart hagent to apply it"), log);
    // the old value as pg_settings has it (8 kB pages), as Patroni logs it
    assertTrue(
        log.matches(
            "(?s).*INFO: Changed shared_buffers from \\d+ to 64MB \\(restart might be required\\)\n.*"),
        log);
    assertFalse(Ports.isListening(otherPort), "the REST API must not have moved");
    // the tag reaches the member key (and with it hactl list / GET /cluster)
    Wait.until(
        "the member key to carry noloadbalance",
        APPLY,
        () -> {
          String member = CLUSTER.cluster().members().getOrDefault(n.name(), "{}");
          return readTree(member).path("tags").path("noloadbalance").asBoolean();
        });
  }

  @Test
  @Order(3)
  void invalidFileIsLoggedAndChangesNothing() throws Exception {
    AgentNode n = node();
    Postmaster before = postmaster(n);
    String valid = Files.readString(n.config().configFile());

    // an unknown key next to a real change: the change must not be applied either
    String unknownKey = valid.replace("work_mem: 12MB", "work_mem: 20MB") + "bogus_setting: 1\n";
    assertReloadRejected(n, unknownKey, "bogus_setting: unknown key");
    // a YAML syntax error
    assertReloadRejected(n, valid + "tags: [unclosed\n", "Exception when reloading");

    assertEquals(before, postmaster(n));
    Files.writeString(n.config().configFile(), valid);
  }

  @Test
  @Order(4)
  void changedNameIsRefusedAsAWhole() throws Exception {
    AgentNode n = node();
    String valid = Files.readString(n.config().configFile());
    long logStart = logSize(n);
    String renamed =
        valid
            .replace("\nname: " + n.name() + "\n", "\nname: renamed\n")
            .replace("work_mem: 12MB", "work_mem: 20MB");
    Files.writeString(n.config().configFile(), renamed);
    sighup(n);

    Wait.until(
        "the refusal in the log",
        APPLY,
        () ->
            logSince(n, logStart)
                .contains("Not reloading the local configuration: name cannot change"));
    waitTwoCycles();
    assertEquals("12MB", show(n, "work_mem"), "a refused file applies nothing");
    assertEquals(n.name(), n.status().orElseThrow().path("patroni").path("name").asText());
    assertTrue(CLUSTER.cluster().members().containsKey(n.name()));
    assertFalse(CLUSTER.cluster().members().containsKey("renamed"));
    Files.writeString(n.config().configFile(), valid);
    assertFalse(
        Files.readString(n.log()).contains(CLUSTER.cluster().credentials().superuserPassword()),
        "a password reached the agent log");
  }

  private void assertReloadRejected(AgentNode n, String content, String expectedInLog)
      throws Exception {
    long logStart = logSize(n);
    Files.writeString(n.config().configFile(), content);
    sighup(n);
    Wait.until(
        "the loader's error in the log",
        APPLY,
        () -> {
          String log = logSince(n, logStart);
          return log.contains("Exception when reloading local configuration from")
              && log.contains(expectedInLog);
        });
    waitTwoCycles();
    n.assertNotDied();
    assertEquals("12MB", show(n, "work_mem"), "old settings stay in force");
    assertTrue(n.reportsRole("primary"), "the agent keeps serving");
  }

  private static void waitTwoCycles() {
    Wait.sleep(Duration.ofSeconds(2L * CLUSTER.cluster().spec().loopWait()));
  }

  /** Postmaster PID and start time: both unchanged means PostgreSQL was not restarted. */
  private record Postmaster(long pid, String startTime) {}

  private static Postmaster postmaster(AgentNode n) throws SQLException {
    long pid = n.postmaster().orElseThrow().pid();
    return new Postmaster(pid, query(n, "SELECT pg_catalog.pg_postmaster_start_time()::text"));
  }

  private static String show(AgentNode n, String guc) throws SQLException {
    return query(n, "SHOW " + guc);
  }

  private static String showOrNull(AgentNode n, String guc) {
    try {
      return show(n, guc);
    } catch (SQLException e) {
      return null;
    }
  }

  private static String query(AgentNode n, String sql) throws SQLException {
    try (Connection c = n.connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void edit(AgentNode n, String from, String to) throws IOException {
    Path file = n.config().configFile();
    String yaml = Files.readString(file);
    assertTrue(yaml.contains(from), "the node YAML has no '" + from + "'");
    Files.writeString(file, yaml.replaceFirst(java.util.regex.Pattern.quote(from), to));
  }

  /** SIGHUP to the agent by its PID, as systemctl reload does. */
  private static void sighup(AgentNode n) throws Exception {
    long pid = n.agentPid().orElseThrow();
    Process kill = new ProcessBuilder("kill", "-HUP", String.valueOf(pid)).inheritIO().start();
    assertTrue(kill.waitFor(10, TimeUnit.SECONDS), "kill -HUP did not finish");
    assertEquals(0, kill.exitValue(), "kill -HUP " + pid);
  }

  private static HttpResponse<String> postReload(AgentNode n) throws Exception {
    return AgentNode.httpClient(null)
        .send(
            HttpRequest.newBuilder(n.restUri("/reload"))
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static long logSize(AgentNode n) throws IOException {
    return Files.size(n.log());
  }

  private static String logSince(AgentNode n, long offset) {
    try {
      byte[] all = Files.readAllBytes(n.log());
      int from = (int) Math.min(offset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
