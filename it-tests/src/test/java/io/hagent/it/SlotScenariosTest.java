package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #13: permanent slots, ignore_slots, member_slots_ttl and cascading replicas on a real
 * 3-node cluster (PostgreSQL 15, etcd). A real pg_receivewal streams from a permanent slot through
 * a switchover and a failover and must end with a WAL archive that has no hole.
 */
@Tag("scenario")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SlotScenariosTest {
  private static final Duration HEAL = Duration.ofSeconds(120);
  private static final Duration SHORT = Duration.ofSeconds(40);
  private static final Pattern SEGMENT =
      Pattern.compile("^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(\\.partial)?$");

  @RegisterExtension
  static final ClusterExtension CLUSTER = new ClusterExtension(ClusterSpec.threeNodes());

  @Test
  @Order(1)
  void permanentSlotKeepsABackupClientStreamingThroughSwitchoverAndFailover() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode first = c.waitForHealthyCluster(HEAL);
    patchConfig(
        first,
        "{\"slots\": {\"backup\": {\"type\": \"physical\"}},"
            + " \"ignore_slots\": [{\"name\": \"opslot\"}]}");
    for (AgentNode n : c.nodes()) {
      Wait.until(n.name() + " to hold slot backup", SHORT, () -> slotLsn(n, "backup").isPresent());
    }

    // an operator's slot matching ignore_slots stays; any other stray slot goes
    sql(first, "SELECT pg_catalog.pg_create_physical_replication_slot('opslot', true)");
    sql(first, "SELECT pg_catalog.pg_create_physical_replication_slot('stray', true)");
    Wait.until("stray slot dropped", SHORT, () -> !slotExists(first, "stray"));
    Thread.sleep(3 * c.spec().loopWait() * 1000L);
    assertTrue(slotExists(first, "opslot"), "ignored slot kept on the leader");

    Path archive = c.baseDir().resolve("receivewal");
    Files.createDirectories(archive);
    ChildProcess receiver = startReceiveWal(c, archive);
    try {
      // WAL flows and the replicas' copies follow the client's position
      long f0 = quiesceAndMeasure(c, first, 3);
      for (AgentNode r : c.replicas()) {
        Wait.until(
            r.name()
                + "'s copy of backup advanced to the client's position "
                + Long.toHexString(f0),
            SHORT,
            () -> slotLsn(r, "backup").orElse(0L) >= f0);
      }

      // switchover: the candidate's slot is already there, not newer than the client
      long f0s = stableClientFlush(c, first);
      assertTrue(f0s >= f0);
      AgentNode candidate = c.replicas().get(0);
      long copyBefore = slotLsn(candidate, "backup").orElseThrow();
      assertTrue(copyBefore <= f0s, "copy " + copyBefore + " <= client " + f0s);
      HttpResponse<String> r =
          send(
              first,
              "POST",
              "/switchover",
              "{\"leader\": \""
                  + first.name()
                  + "\", \"candidate\": \""
                  + candidate.name()
                  + "\"}");
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(candidate, c.waitForLeader(HEAL));
      long onNew = slotLsn(candidate, "backup").orElseThrow();
      assertTrue(onNew <= f0s, "slot on the new primary " + onNew + " <= client " + f0s);
      long f1 = quiesceAndMeasure(c, candidate, 2);
      System.out.printf("switchover: client at %X, new primary's slot at %X%n", f0s, onNew);
      c.waitForHealthyCluster(HEAL);
      assertTrue(slotExists(first, "opslot"), "ignored slot kept on the former leader");

      // failover (crash): the next primary has the slot too, not newer than the client
      for (AgentNode n : c.replicas()) {
        Wait.until(
            n.name() + " copy caught up", SHORT, () -> slotLsn(n, "backup").orElse(0L) >= f1 - 1);
      }
      // no WAL may reach the client between the measure and the crash
      long f2 = stableClientFlush(c, candidate);
      for (AgentNode n : c.replicas()) {
        Wait.until(
            n.name() + " copy caught up", SHORT, () -> slotLsn(n, "backup").orElse(0L) >= f2);
      }
      candidate.crash();
      AgentNode next = c.waitForLeader(HEAL);
      long onNext = slotLsn(next, "backup").orElseThrow();
      assertTrue(onNext <= f2, "slot on the failover primary " + onNext + " <= client " + f2);
      quiesceAndMeasure(c, next, 2);
      // the crashed leader's own slot outlives its member key (member_slots_ttl, 30 min)
      String crashedSlot = candidate.name().toLowerCase().replace('-', '_');
      Wait.until(
          candidate.name() + "'s member key to expire",
          Duration.ofSeconds(c.spec().ttl() + 20),
          () -> !c.members().containsKey(candidate.name()));
      Thread.sleep(3 * c.spec().loopWait() * 1000L);
      assertTrue(slotExists(next, crashedSlot), "slot of the crashed leader retained");
      candidate.start();
      c.waitForHealthyCluster(HEAL);
      assertTrue(slotExists(first, "opslot"), "ignored slot kept through the failover");
      first.restart(Duration.ofSeconds(60));
      c.waitForHealthyCluster(HEAL);
      assertTrue(slotExists(first, "opslot"), "ignored slot kept through a restart");
      assertTrue(receiver.isAlive(), "pg_receivewal kept running");
    } finally {
      receiver.terminate(Duration.ofSeconds(10));
    }
    List<Long> segments = segments(archive);
    System.out.printf(
        "pg_receivewal archive: segments %d..%d (%d files)%n",
        segments.get(0), segments.get(segments.size() - 1), segments.size());
    for (int i = 1; i < segments.size(); i++) {
      assertEquals(
          segments.get(i - 1) + 1, segments.get(i), "no hole in the WAL archive: " + segments);
    }
  }

  @Test
  @Order(2)
  void removedMembersSlotIsKeptForMemberSlotsTtlThenDropped() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    patchConfig(leader, "{\"member_slots_ttl\": \"10s\"}");
    AgentNode gone = c.replicas().get(0);
    String slot = gone.name().toLowerCase().replace('-', '_');
    Wait.until("leader holds " + slot, SHORT, () -> slotExists(leader, slot));
    assertTrue(gone.stopAgent(Duration.ofSeconds(60)));
    Wait.until(
        gone.name() + "'s member key to expire",
        Duration.ofSeconds(c.spec().ttl() + 20),
        () -> !c.members().containsKey(gone.name()));
    long t0 = System.nanoTime();
    Wait.until("slot " + slot + " dropped", SHORT, () -> !slotExists(leader, slot));
    long afterMs = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf(
        "member_slots_ttl 10s: slot dropped %d ms after the member key went%n", afterMs);
    // the leader last saw the member at most one loop_wait before its key expired
    assertTrue(
        afterMs >= 10_000 - 2_000L * c.spec().loopWait(),
        "dropped only after the ttl: " + afterMs + " ms");
    gone.start();
    c.waitForHealthyCluster(HEAL);
    Wait.until("leader holds " + slot + " again", SHORT, () -> slotExists(leader, slot));
  }

  @Test
  @Order(3)
  void cascadingReplicaStreamsFromItsUpstreamAndFallsBackToTheLeader() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    Wait.until("two running replicas", SHORT, () -> c.replicas().size() == 2);
    List<AgentNode> replicas = c.replicas();
    AgentNode upstream = replicas.get(0);
    AgentNode cascade = replicas.get(1);
    setTag(cascade, "replicatefrom", upstream.name());
    try {
      Wait.until(
          cascade.name() + " streams from " + upstream.name(),
          SHORT,
          () ->
              senderPort(cascade).orElse(-1) == upstream.config().pgPort()
                  && "streaming".equals(c.walReceiverStatus(cascade).orElse("")));
      assertTrue(
          slotActive(upstream, cascade.name()), "the upstream serves the cascade from its slot");
      String topology = hactl(c, "topology");
      System.out.println(topology);
      assertTrue(
          topology.contains("| + " + upstream.name() + " ")
              && topology.contains("|   + " + cascade.name() + " "),
          "topology shows the cascade under its upstream:\n" + topology);
      assertTrue(upstream.stopAgent(Duration.ofSeconds(60)));
      Wait.until(
          cascade.name() + " falls back to the leader",
          Duration.ofSeconds(c.spec().ttl() + 40),
          () ->
              senderPort(cascade).orElse(-1) == leader.config().pgPort()
                  && "streaming".equals(c.walReceiverStatus(cascade).orElse("")));
    } finally {
      setTag(cascade, "replicatefrom", null);
      upstream.start();
    }
    c.waitForHealthyCluster(HEAL);
  }

  @Test
  @Order(4)
  void permanentLogicalSlotSurvivesAFailoverWithNoChangeSkipped() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    patchConfig(
        leader,
        "{\"postgresql\": {\"parameters\": {\"wal_level\": \"logical\"}},"
            + " \"slots\": {\"cdc\": {\"type\": \"logical\", \"database\": \"postgres\","
            + " \"plugin\": \"test_decoding\"}}}");
    // wal_level needs a restart: replicas first, then the leader
    List<AgentNode> order = new ArrayList<>(c.replicas());
    order.add(leader);
    for (AgentNode n : order) {
      Wait.until(
          n.name() + " to report pending_restart",
          SHORT,
          () -> n.status().map(st -> st.path("pending_restart").asBoolean()).orElse(false));
      HttpResponse<String> r = send(n, "POST", "/restart", "{}");
      assertEquals(200, r.statusCode(), r.body());
      c.waitForHealthyCluster(HEAL);
    }
    leader = c.waitForHealthyCluster(HEAL);
    AgentNode primary = leader;
    Wait.until("cdc slot on the primary", SHORT, () -> slotExists(primary, "cdc"));
    sql(primary, "CREATE TABLE cdc_it(i int)");
    sql(primary, "INSERT INTO cdc_it SELECT generate_series(1, 10)");
    assertEquals(10, changes(primary).size(), "consumed and confirmed 1..10");
    sql(primary, "INSERT INTO cdc_it SELECT generate_series(11, 20)");
    long confirmed =
        lsn(
            primary,
            "SELECT confirmed_flush_lsn FROM pg_catalog.pg_replication_slots"
                + " WHERE slot_name = 'cdc'");
    long end = lsn(primary, "SELECT pg_catalog.pg_current_wal_flush_lsn()");
    for (AgentNode r : c.replicas()) {
      Wait.until(
          r.name() + " holds a copy of cdc advanced to " + Long.toHexString(confirmed),
          Duration.ofSeconds(90),
          () ->
              lsnOpt(
                          r,
                          "SELECT confirmed_flush_lsn FROM pg_catalog.pg_replication_slots"
                              + " WHERE slot_name = 'cdc'")
                      .orElse(-1L)
                  >= confirmed);
      Wait.until(
          r.name() + " says its copy of cdc is safe to use after a failover",
          Duration.ofSeconds(60),
          () -> logContains(r, "Logical slot cdc is safe to be used after a failover"));
      Wait.until(
          r.name() + " replayed " + Long.toHexString(end),
          SHORT,
          () -> lsnOpt(r, "SELECT pg_catalog.pg_last_wal_replay_lsn()").orElse(0L) >= end);
    }
    primary.crash();
    AgentNode next = c.waitForLeader(HEAL);
    List<Integer> after = changes(next);
    System.out.printf("logical slot after failover on %s delivers %s%n", next.name(), after);
    for (int i = 11; i <= 20; i++) {
      assertTrue(after.contains(i), "change " + i + " not skipped: " + after);
    }
    primary.start();
    c.waitForHealthyCluster(HEAL);
  }

  @Test
  @Order(5)
  void nostreamReplicaFollowsThroughTheArchiveOnly() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode first = c.waitForHealthyCluster(HEAL);
    Path archive = c.baseDir().resolve("archive");
    Files.createDirectories(archive);
    patchConfig(
        first,
        "{\"member_slots_ttl\": \"10s\", \"postgresql\": {\"parameters\": {\"archive_mode\": \"on\", \"archive_command\":"
            + " \"test ! -f "
            + archive
            + "/%f && cp %p "
            + archive
            + "/%f\"}}}");
    Wait.until(
        first.name() + " to report pending_restart",
        SHORT,
        () -> first.status().map(st -> st.path("pending_restart").asBoolean()).orElse(false));
    assertEquals(200, send(first, "POST", "/restart", "{}").statusCode());
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    Wait.until("two running replicas", SHORT, () -> c.replicas().size() == 2);
    AgentNode ns = c.replicas().get(0);
    Path file = ns.config().configFile();
    String original = Files.readString(file);
    try {
      Files.writeString(
          file,
          original
              .replace(
                  "\npostgresql:\n",
                  "\npostgresql:\n  recovery_conf:\n    restore_command: 'cp "
                      + archive
                      + "/%f %p'\n")
              .replace("\ntags:\n", "\ntags:\n  nostream: true\n"));
      assertEquals(202, send(ns, "POST", "/reload", "").statusCode());
      AgentNode primary = leader;
      Wait.until(
          ns.name() + " stops streaming",
          SHORT,
          () -> c.walReceiverStatus(ns).isEmpty() && !replicatesTo(primary, ns.name()));
      sql(primary, "CREATE TABLE IF NOT EXISTS ns_it(i int)");
      sql(primary, "INSERT INTO ns_it SELECT generate_series(1, 100)");
      long target = lsn(primary, "SELECT pg_catalog.pg_switch_wal()");
      Wait.until(
          ns.name() + " replays " + Long.toHexString(target) + " from the archive",
          Duration.ofSeconds(60),
          () -> lsnOpt(ns, "SELECT pg_catalog.pg_last_wal_replay_lsn()").orElse(0L) >= target);
      assertTrue(c.walReceiverStatus(ns).isEmpty(), "no WAL receiver on the nostream replica");
      assertFalse(replicatesTo(primary, ns.name()), "the primary streams nothing to it");
      // its former slot is only retained (member_slots_ttl 10s), then dropped
      Wait.until(
          "slot of the nostream member dropped", SHORT, () -> !slotExists(primary, ns.name()));
      Wait.until(
          ns.name() + " publishes in archive recovery",
          SHORT,
          () ->
              ns.status()
                  .map(st -> "in archive recovery".equals(st.path("replication_state").asText()))
                  .orElse(false));
    } finally {
      Files.writeString(file, original);
      send(ns, "POST", "/reload", "");
    }
    c.waitForHealthyCluster(HEAL);
  }

  private static boolean logContains(AgentNode n, String text) {
    try {
      return Files.readString(n.log()).contains(text);
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static boolean replicatesTo(AgentNode primary, String name) {
    try (Connection conn = primary.connect();
        Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT 1 FROM pg_catalog.pg_stat_replication WHERE application_name = '"
                    + name
                    + "'")) {
      return rs.next();
    } catch (SQLException e) {
      return true;
    }
  }

  /**
   * The client's flush position once the primary's WAL stopped moving (same flush position on the
   * primary and the client over two loop_waits): nothing can reach the client after it.
   */
  private static long stableClientFlush(ClusterFixture c, AgentNode primary) {
    String q =
        "SELECT flush_lsn FROM pg_catalog.pg_stat_replication"
            + " WHERE application_name = 'pg_receivewal'";
    return Wait.forValue(
        "WAL on " + primary.name() + " to stop moving",
        Duration.ofSeconds(90),
        () -> {
          Optional<Long> before = lsnOpt(primary, q);
          try {
            Thread.sleep(2000L * c.spec().loopWait() + 1000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
          }
          Optional<Long> after = lsnOpt(primary, q);
          Optional<Long> flush = lsnOpt(primary, "SELECT pg_catalog.pg_current_wal_flush_lsn()");
          return before.isPresent() && before.equals(after) && after.equals(flush)
              ? after
              : Optional.empty();
        });
  }

  /** Consumes the cdc slot (confirming it) and returns the inserted values it delivered. */
  private static List<Integer> changes(AgentNode n) throws SQLException {
    List<Integer> out = new ArrayList<>();
    Pattern insert = Pattern.compile("table public\\.cdc_it: INSERT: i\\[integer\\]:(\\d+)");
    try (Connection conn = n.connect();
        Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT data FROM pg_catalog.pg_logical_slot_get_changes('cdc', NULL, NULL)")) {
      while (rs.next()) {
        Matcher m = insert.matcher(rs.getString(1));
        if (m.find()) {
          out.add(Integer.parseInt(m.group(1)));
        }
      }
    }
    return out;
  }

  // ---- helpers

  /** {@code hactl -c node1.yml ARGS}; its standard output (fails on a non-zero exit). */
  private static String hactl(ClusterFixture c, String... args) throws Exception {
    Path jar =
        Path.of(System.getProperty("hactl.jar", "../cli/target/hactl.jar"))
            .toAbsolutePath()
            .normalize();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(List.of("-c", c.node("node1").config().configFile().toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(c.baseDir(), "hactl", ".out");
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(out.toFile())
            .start();
    if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      throw new AssertionError("hactl " + List.of(args) + " hung");
    }
    String text = Files.readString(out);
    assertEquals(0, p.exitValue(), "hactl " + List.of(args) + ":\n" + text);
    return text;
  }

  /** pg_receivewal on slot backup, to whichever node is writable (libpq picks it). */
  private static ChildProcess startReceiveWal(ClusterFixture c, Path dir) {
    String hosts = c.nodes().stream().map(n -> "127.0.0.1").collect(Collectors.joining(","));
    String ports =
        c.nodes().stream()
            .map(n -> String.valueOf(n.config().pgPort()))
            .collect(Collectors.joining(","));
    return ChildProcess.start(
        "pg_receivewal",
        List.of(
            NodeConfig.BIN_DIR + "/pg_receivewal",
            "-D",
            dir.toString(),
            "-S",
            "backup",
            "-v",
            // flush (and report) at once, as a backup server should: the slot follows the flush
            "--synchronous",
            "-d",
            "host="
                + hosts
                + " port="
                + ports
                + " user="
                + Credentials.REPLICATION
                + " target_session_attrs=read-write connect_timeout=3"),
        c.baseDir().resolve("receivewal.log"),
        Map.of("PGPASSWORD", c.credentials().replicationPassword()));
  }

  /**
   * Writes some WAL across {@code switches} segments on the primary, then waits until the client
   * has flushed all of it; returns the client's flush position.
   */
  private static long quiesceAndMeasure(ClusterFixture c, AgentNode primary, int switches)
      throws Exception {
    sql(primary, "CREATE TABLE IF NOT EXISTS slot_it(i int)");
    for (int i = 0; i < switches; i++) {
      sql(primary, "INSERT INTO slot_it SELECT generate_series(1, 1000)");
      sql(primary, "SELECT pg_catalog.pg_switch_wal()");
    }
    long target = lsn(primary, "SELECT pg_catalog.pg_current_wal_flush_lsn()");
    return Wait.forValue(
        "pg_receivewal to flush " + Long.toHexString(target) + " from " + primary.name(),
        Duration.ofSeconds(60),
        () -> {
          Optional<Long> f =
              lsnOpt(
                  primary,
                  "SELECT flush_lsn FROM pg_catalog.pg_stat_replication"
                      + " WHERE application_name = 'pg_receivewal'");
          return f.filter(v -> v >= target);
        });
  }

  private static List<Long> segments(Path dir) throws Exception {
    TreeSet<Long> segs = new TreeSet<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Matcher m = SEGMENT.matcher(p.getFileName().toString());
        if (m.matches()) {
          segs.add(Long.parseLong(m.group(2), 16) * 0x100 + Long.parseLong(m.group(3), 16));
        }
      }
    }
    assertFalse(segs.isEmpty(), "pg_receivewal wrote segments into " + dir);
    return new ArrayList<>(segs);
  }

  private static Optional<Long> slotLsn(AgentNode n, String slot) {
    return lsnOpt(
        n,
        "SELECT restart_lsn FROM pg_catalog.pg_replication_slots WHERE slot_name = '" + slot + "'");
  }

  private static boolean slotExists(AgentNode n, String slot) {
    try (Connection conn = n.connect();
        Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = '" + slot + "'")) {
      return rs.next();
    } catch (SQLException e) {
      return false;
    }
  }

  private static boolean slotActive(AgentNode n, String member) {
    String slot = member.toLowerCase().replace('-', '_');
    try (Connection conn = n.connect();
        Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT active FROM pg_catalog.pg_replication_slots WHERE slot_name = '"
                    + slot
                    + "'")) {
      return rs.next() && rs.getBoolean(1);
    } catch (SQLException e) {
      return false;
    }
  }

  private static Optional<Integer> senderPort(AgentNode n) {
    try (Connection conn = n.connect();
        Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT sender_port FROM pg_catalog.pg_stat_wal_receiver")) {
      return rs.next() ? Optional.of(rs.getInt(1)) : Optional.empty();
    } catch (SQLException e) {
      return Optional.empty();
    }
  }

  private static long lsn(AgentNode n, String query) {
    return lsnOpt(n, query).orElseThrow(() -> new AssertionError("no LSN from " + query));
  }

  /** The first column of the first row, an pg_lsn, as bytes. */
  private static Optional<Long> lsnOpt(AgentNode n, String query) {
    try (Connection conn = n.connect();
        Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT pg_catalog.pg_wal_lsn_diff(x, '0/0')::bigint FROM (" + query + ") q(x)")) {
      if (rs.next()) {
        long v = rs.getLong(1);
        return rs.wasNull() ? Optional.empty() : Optional.of(v);
      }
      return Optional.empty();
    } catch (SQLException e) {
      return Optional.empty();
    }
  }

  private static void sql(AgentNode n, String sql) throws SQLException {
    try (Connection conn = n.connect();
        Statement st = conn.createStatement()) {
      st.execute(sql);
    }
  }

  private static void patchConfig(AgentNode node, String json) throws Exception {
    HttpResponse<String> r = send(node, "PATCH", "/config", json);
    assertEquals(200, r.statusCode(), r.body());
  }

  private static HttpResponse<String> send(AgentNode n, String method, String path, String body)
      throws Exception {
    return AgentNode.httpClient(null)
        .send(
            HttpRequest.newBuilder(n.restUri(path))
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /** Edits the node's YAML tags (null removes the tag) and reloads it, as an operator would. */
  private static void setTag(AgentNode n, String tag, String value) throws Exception {
    Path file = n.config().configFile();
    String yaml = Files.readString(file).replaceAll("\n  " + tag + ": [^\n]*", "");
    if (value != null) {
      yaml = yaml.replace("\ntags:\n", "\ntags:\n  " + tag + ": " + value + "\n");
    }
    Files.writeString(file, yaml);
    if (n.isAgentRunning()) {
      HttpResponse<String> r = send(n, "POST", "/reload", "");
      assertEquals(202, r.statusCode(), r.body());
    }
  }
}
