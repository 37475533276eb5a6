package io.hagent.agent.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Drives two real PostgreSQL 15 instances through a cluster's life: bootstrap, clone, streaming,
 * slots, promote, crash of the old primary, rewind and rejoin, stop modes. The steps build on each
 * other, so they run in order on shared instances that are always stopped at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresControllerIT {
  private static final DynamicConfig DYNAMIC =
      DynamicConfig.from(
          Map.of("postgresql", Map.of("use_pg_rewind", true, "parameters", Map.of())));

  @TempDir static Path tmp;

  private final List<PostgresController> controllers = new ArrayList<>();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private PostgresController node1;
  private PostgresController node2;
  private Member member1;
  private Member member2;
  private int port1;
  private int port2;
  private Path postBootstrapOut;

  @BeforeAll
  void setUp() throws Exception {
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    port1 = TestConfigs.freePort();
    port2 = TestConfigs.freePort();
    postBootstrapOut = tmp.resolve("post_bootstrap.out");
    Path script = tmp.resolve("post_bootstrap.sh");
    Files.writeString(
        script,
        "#!/bin/sh\necho \"$1 passfile=$PGPASSFILE\" > "
            + postBootstrapOut
            + "\n"
            + TestConfigs.BIN_DIR
            + "/psql \"$1\" -c 'CREATE TABLE t (v int)'\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    node1 = controller("node1", port1, script.toString());
    node2 = controller("node2", port2, null);
    member1 = member("node1", port1, "primary");
    member2 = member("node2", port2, "replica");
  }

  private PostgresController controller(String name, int port, String postBootstrap) {
    Map<String, Object> params =
        Map.of("unix_socket_directories", tmp.toString(), "fsync", false, "shared_buffers", "16MB");
    HagentConfig cfg =
        TestConfigs.node(
            name,
            tmp.resolve(name + "/data"),
            port,
            tmp.resolve(name + "/pgpass"),
            params,
            postBootstrap);
    PostgresController c = new PostgresController(cfg);
    controllers.add(c);
    return c;
  }

  private static Member member(String name, int port, String role) {
    return new Member(
        name, Map.of("conn_url", "postgres://127.0.0.1:" + port + "/postgres", "role", role), 1);
  }

  @AfterAll
  void tearDown() {
    for (PostgresController c : controllers) {
      c.stop(Postgres.StopMode.IMMEDIATE, false, 30);
    }
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
  }

  @Test
  @Order(1)
  void bootstrapCreatesARunningPrimary() throws Exception {
    assertEquals(LocalState.DataDirState.EMPTY, node1.probe().dataDir());
    assertTrue(node1.bootstrap(DYNAMIC));
    LocalState s = node1.probe();
    assertTrue(s.isPrimary(), s.toString());
    assertEquals("running", s.state());
    assertEquals(LocalState.DataDirState.INITIALIZED, s.dataDir());
    assertNotNull(s.sysid());
    assertTrue(s.sysid().matches("\\d{10,}"));
    assertEquals(1, s.timeline());
    assertTrue(s.flushLsn() > 0);
    assertTrue(s.serverVersion() >= 150000);
    assertNotNull(s.postmasterStartTime());
    // read through SQL while running; pg_controldata only when it is down
    assertEquals(node1.controlData().get("Database system identifier"), s.sysid());
    assertNull(s.controlState());

    assertEquals(
        "true",
        queryOne(port1, "SELECT rolreplication::text FROM pg_roles WHERE rolname='replicator'"));
    // The superuser password was set: scram login over TCP works (DriverManager uses it).
    assertEquals("1", queryOne(port1, "SELECT 1"));
    // post_bootstrap got a password-less URL and PGPASSFILE, and could log in with it.
    String out = Files.readString(postBootstrapOut);
    assertTrue(out.startsWith("postgres://postgres@127.0.0.1:" + port1 + "/postgres"), out);
    assertEquals("0", queryOne(port1, "SELECT count(*) FROM t"));

    Path data = tmp.resolve("node1/data");
    assertTrue(Files.exists(data.resolve("postgresql.base.conf")));
    String conf = Files.readString(data.resolve("postgresql.conf"));
    assertTrue(conf.startsWith("# Do not edit"), conf);
    assertTrue(conf.contains("include 'postgresql.base.conf'"));
    assertTrue(conf.contains("cluster_name = 'testscope'"));
    assertTrue(conf.contains("wal_keep_size = '128MB'"));
    assertFalse(Files.exists(data.resolve("standby.signal")));
    assertTrue(Files.readString(data.resolve("pg_hba.conf")).contains("host replication all"));
    assertTrue(
        Files.list(data).noneMatch(p -> p.getFileName().toString().endsWith(".log")),
        "log is outside the data directory");
  }

  @Test
  @Order(2)
  void applyConfigReloadsAndReportsPendingRestart() throws Exception {
    DynamicConfig changed =
        DynamicConfig.from(
            Map.of(
                "postgresql",
                Map.of(
                    "use_pg_rewind",
                    true,
                    "parameters",
                    Map.of("work_mem", "7MB", "max_connections", 120))));
    node1.applyConfig(changed);
    assertTrue(waitFor(() -> "7MB".equals(queryOneQuietly(port1, "SHOW work_mem"))));
    LocalState s = node1.probe();
    assertTrue(s.pendingRestart(), s.toString());
    @SuppressWarnings("unchecked")
    Map<String, Object> reason =
        (Map<String, Object>) s.pendingRestartReason().get("max_connections");
    assertEquals("100", reason.get("old_value"));
    assertEquals("120", reason.get("new_value"));
    node1.applyConfig(DYNAMIC);
  }

  @Test
  @Order(3)
  void cloneStartsAStreamingReplicaWithAnActiveSlot() throws Exception {
    assertTrue(node2.cloneFrom(member1, member1, DYNAMIC));
    Path data2 = tmp.resolve("node2/data");
    assertTrue(Files.exists(data2.resolve("standby.signal")));
    String conf = Files.readString(data2.resolve("postgresql.conf"));
    assertTrue(conf.contains("primary_slot_name = 'node2'"), conf);
    assertTrue(
        conf.contains(
            "primary_conninfo = 'dbname=postgres user=replicator passfile="
                + tmp.resolve("node2/pgpass")
                + " host=127.0.0.1 port="
                + port1
                + " sslmode=prefer application_name=node2 gssencmode=prefer"
                + " channel_binding=prefer'"),
        conf);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data2)));

    // before a promotion: only creates; the full upkeep drops what nobody wants, except what
    // ignore_slots covers
    node1.syncReplicationSlots(Set.of("node2", "ghost", "keep"));
    node1.syncReplicationSlots(Set.of("node2"));
    assertEquals(
        "ghost,keep,node2",
        queryOne(
            port1,
            "SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots"));
    SlotSync sync =
        node1.syncSlots(
            java.util.Map.of("node2", SlotSpec.physical("node2", null, true)),
            io.hagent.common.config.SlotsConfig.from(
                java.util.Map.of(
                    "ignore_slots", java.util.List.of(java.util.Map.of("name", "keep")))),
            false,
            true,
            true);
    assertEquals(java.util.Set.of("node2"), sync.positions().keySet());
    assertEquals(
        "keep,node2",
        queryOne(
            port1,
            "SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots"));
    execute(port1, "SELECT pg_drop_replication_slot('keep')");

    assertTrue(node2.start(false, member1, DYNAMIC, 60));
    assertTrue(waitFor(() -> "streaming".equals(node2.probe().replicationState())));
    LocalState s = node2.probe();
    assertTrue(s.isReplica());
    assertEquals(node1.probe().sysid(), s.sysid());
    assertEquals(1, s.timeline());
    assertNotNull(s.receiveLsn());
    assertNotNull(s.replayLsn());
    assertEquals(Boolean.FALSE, s.replayPaused());
    assertTrue(
        waitFor(
            () ->
                "true"
                    .equals(
                        queryOneQuietly(
                            port1,
                            "SELECT active::text FROM pg_replication_slots WHERE slot_name='node2'"))));
    assertTrue(
        waitFor(
            () ->
                node1.probe().replication().stream()
                    .anyMatch(r -> "node2".equals(r.get("application_name")))));

    execute(port1, "INSERT INTO t VALUES (42)");
    assertTrue(
        waitFor(() -> "1".equals(queryOneQuietly(port2, "SELECT count(*) FROM t WHERE v=42"))));
    assertFalse(node2.follow(member1, DYNAMIC), "already following node1");
  }

  @Test
  @Order(4)
  void promoteMovesTheReplicaToTimeline2() {
    assertTrue(node2.promote(30));
    LocalState s = node2.probe();
    assertTrue(s.isPrimary(), s.toString());
    assertEquals(2, s.timeline());
    member2 = member("node2", port2, "primary");
  }

  @Test
  @Order(5)
  void crashedOldPrimaryIsRewoundAndRejoins() throws Exception {
    // Diverge: write on the old primary after the promotion, then crash it behind our back.
    execute(port1, "INSERT INTO t VALUES (1)");
    ProcessRunner.Result crash =
        new ProcessRunner()
            .run(
                List.of(
                    TestConfigs.BIN_DIR + "/pg_ctl",
                    "stop",
                    "-m",
                    "immediate",
                    "-D",
                    tmp.resolve("node1/data").toString()),
                Duration.ofSeconds(30));
    assertTrue(crash.ok(), crash.output());
    LocalState crashed = node1.probe();
    assertFalse(crashed.running());
    assertEquals("crashed", crashed.state());
    assertEquals("in production", crashed.controlState());

    assertTrue(node1.canRewind(DYNAMIC));
    assertEquals(DivergenceCheck.DIVERGED, node1.checkDivergence(member2));
    // Started as a standby without pg_rewind (the old leader back after a partition, #12), it
    // runs but can never stream from node2: the check of the running standby must say so.
    assertTrue(node1.start(false, member2, DYNAMIC, 60));
    assertTrue(node1.probe().isReplica());
    assertEquals(DivergenceCheck.DIVERGED, node1.checkDivergence(member2));
    assertTrue(node1.stop(Postgres.StopMode.FAST, false, 60));
    assertTrue(node1.rewind(member2, DYNAMIC));
    node2.syncReplicationSlots(Set.of("node1"));
    assertTrue(node1.start(false, member2, DYNAMIC, 60));
    assertTrue(waitFor(() -> "streaming".equals(node1.probe().replicationState())));
    LocalState s = node1.probe();
    assertEquals(2, s.timeline());
    assertEquals(node2.probe().sysid(), s.sysid());
    assertEquals("0", queryOne(port1, "SELECT count(*) FROM t WHERE v=1"), "diverged row is gone");
    assertEquals(DivergenceCheck.NOT_DIVERGED, node1.checkDivergence(member2));
  }

  @Test
  @Order(6)
  void followSwitchesPrimaryConninfoWithReload() throws Exception {
    // Point the replica at a (wrong) port and back: the file changes and the reload applies it.
    Member elsewhere = member("node2", port1, "primary");
    assertTrue(node1.follow(elsewhere, DYNAMIC));
    assertTrue(
        waitFor(
            () ->
                String.valueOf(queryOneQuietly(port1, "SHOW primary_conninfo"))
                    .contains("port=" + port1)));
    assertTrue(node1.follow(member2, DYNAMIC));
    assertTrue(waitFor(() -> "streaming".equals(node1.probe().replicationState())));
  }

  /**
   * A standby that received WAL past the new leader's fork but has not replayed it (here: replay
   * paused; in the chaos suite: frozen during the failover) has diverged: checked on its replayed
   * position it looked fine, and PostgreSQL then refused the new timeline for ever. node2 stays the
   * primary and node1 its replica; node3 (replay paused) and node4 (promoted early) are extra.
   */
  @Test
  @Order(7)
  void aStandbyWithReceivedButUnreplayedWalPastTheForkHasDiverged() throws Exception {
    int port3 = TestConfigs.freePort();
    int port4 = TestConfigs.freePort();
    PostgresController node3 = controller("node3", port3, null);
    PostgresController node4 = controller("node4", port4, null);
    try {
      node2.syncReplicationSlots(Set.of("node1", "node3", "node4"));
      for (PostgresController n : List.of(node3, node4)) {
        assertTrue(n.cloneFrom(member2, member2, DYNAMIC));
        assertTrue(n.start(false, member2, DYNAMIC, 60));
        assertTrue(waitFor(() -> "streaming".equals(n.probe().replicationState())));
      }
      execute(port3, "SELECT pg_wal_replay_pause()");
      assertTrue(waitFor(() -> Boolean.TRUE.equals(node3.probe().replayPaused())));
      assertTrue(node4.stop(Postgres.StopMode.FAST, false, 30));

      execute(port2, "INSERT INTO t SELECT generate_series(1, 5000)");
      long primaryNow = node2.probe().flushLsn();
      assertTrue(waitFor(() -> node3.probe().receiveLsn() >= primaryNow), "node3 received it");
      LocalState held = node3.probe();
      assertTrue(held.receiveLsn() > held.replayLsn(), "nothing unreplayed: " + held);

      assertTrue(node4.start(false, null, DYNAMIC, 60));
      assertTrue(node4.promote(30));
      assertEquals(3, node4.probe().timeline());
      Member member4 = member("node4", port4, "primary");

      assertEquals(DivergenceCheck.DIVERGED, node3.checkDivergence(member4));
      assertEquals(DivergenceCheck.NOT_DIVERGED, node1.checkDivergence(member2), "node1 is fine");
    } finally {
      node3.stop(Postgres.StopMode.IMMEDIATE, false, 30);
      node4.stop(Postgres.StopMode.IMMEDIATE, false, 30);
    }
  }

  @Test
  @Order(8)
  void stopModes() {
    assertTrue(node1.stop(Postgres.StopMode.SMART, false, 30));
    LocalState s1 = node1.probe();
    assertEquals("stopped", s1.state());
    assertEquals("shut down in recovery", s1.controlState());

    assertTrue(node2.stop(Postgres.StopMode.FAST, true, 30));
    LocalState s2 = node2.probe();
    assertEquals("stopped", s2.state());
    assertEquals("shut down", s2.controlState());
    assertNotNull(node2.latestCheckpointLsn());
    assertEquals("shut down", node2.controlData().get("Database cluster state"));

    assertTrue(node2.start(true, null, DYNAMIC, 60));
    assertTrue(node2.stop(Postgres.StopMode.IMMEDIATE, false, 30));
    assertEquals("in production", node2.probe().controlState());
    assertTrue(node2.stop(Postgres.StopMode.FAST, false, 30), "stopping a stopped server is ok");
  }

  @Test
  @Order(9)
  void removeDataDirectory() {
    assertTrue(node1.removeDataDirectory());
    assertEquals(LocalState.DataDirState.EMPTY, node1.probe().dataDir());
  }

  @Test
  @Order(10)
  void secretsStayOffCommandLinesAndLogs() throws Exception {
    List<String> secrets =
        List.of(TestConfigs.SUPERUSER_PASSWORD, TestConfigs.REPLICATION_PASSWORD);
    for (PostgresController c : controllers) {
      assertFalse(c.commandHistory().isEmpty());
      for (List<String> cmd : c.commandHistory()) {
        for (String arg : cmd) {
          for (String secret : secrets) {
            assertFalse(arg.contains(secret), "password on command line: " + cmd.get(0));
          }
        }
      }
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(c.pgpassFile())));
      String pgLog = Files.readString(c.logFile());
      for (String secret : secrets) {
        assertFalse(pgLog.contains(secret), "password in the PostgreSQL log");
      }
    }
    assertFalse(logs.list.isEmpty());
    for (ILoggingEvent e : logs.list) {
      for (String secret : secrets) {
        assertFalse(e.getFormattedMessage().contains(secret), e.getFormattedMessage());
      }
    }
    try (Stream<Path> files = Files.list(tmp.resolve("node2/data"))) {
      assertTrue(files.anyMatch(p -> p.getFileName().toString().equals("postgresql.conf")));
    }
    String conf = Files.readString(tmp.resolve("node2/data/postgresql.conf"));
    for (String secret : secrets) {
      assertFalse(conf.contains(secret));
    }
  }

  // ---------------------------------------------------------------- helpers

  private static boolean waitFor(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
  }

  private static Connection connect(int port) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", TestConfigs.SUPERUSER_PASSWORD);
    p.setProperty("connectTimeout", "3");
    p.setProperty("socketTimeout", "10");
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
  }

  private static String queryOne(int port, String sql) throws SQLException {
    try (Connection c = connect(port);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private static String queryOneQuietly(int port, String sql) {
    try {
      return queryOne(port, sql);
    } catch (SQLException e) {
      return null;
    }
  }

  private static void execute(int port, String sql) throws SQLException {
    try (Connection c = connect(port);
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
