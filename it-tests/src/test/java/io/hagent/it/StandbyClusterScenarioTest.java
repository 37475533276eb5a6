package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A standby cluster (standby_cluster in bootstrap.dcs): a second, three-node cluster whose leader
 * is a standby leader replicating from the first cluster's primary through a slot, its replicas
 * following it. A table written on the primary cluster reaches every standby member; when the
 * standby leader dies another member becomes standby leader and still replicates (never promotes);
 * {@code hactl promote-cluster} makes the standby cluster writable and {@code hactl demote-cluster}
 * turns it back into a standby of the first cluster.
 */
@Tag("scenario")
class StandbyClusterScenarioTest {
  private static final Duration BOOTSTRAP = Duration.ofSeconds(120);
  private static final String SLOT = "standby_dc2";
  private static final String RECEIVER = "SELECT status FROM pg_stat_wal_receiver";

  /**
   * Both clusters have the primary cluster's users and passwords (the standby cluster's data is a
   * copy of the primary's): the test logs in with them everywhere.
   */
  private static Credentials superuser;

  @Test
  void aStandbyClusterFollowsFailsOverPromotesAndDemotes() throws Exception {
    ClusterFixture primary = null;
    ClusterFixture standby = null;
    try {
      // use_slots off on the primary cluster: its leader would drop the (inactive) slot that
      // belongs to none of its members; permanent slots are another feature
      primary =
          ClusterFixture.start(
              ClusterSpec.threeNodes().withNodes(1),
              n -> Map.of(),
              (name, yaml) -> yaml.replace("use_slots: true", "use_slots: false"));
      superuser = primary.credentials();
      AgentNode source = primary.waitForLeader(BOOTSTRAP);
      sql(source, "SELECT pg_create_physical_replication_slot('" + SLOT + "')");
      int sourcePort = source.config().pgPort();

      Credentials same = primary.credentials();
      standby =
          ClusterFixture.start(
              ClusterSpec.threeNodes()
                  .withBootstrapDcs(
                      "standby_cluster:\n  host: 127.0.0.1\n  port: "
                          + sourcePort
                          + "\n  primary_slot_name: "
                          + SLOT),
              n -> Map.of(),
              (name, yaml) -> samePasswords(yaml, same));
      ClusterFixture b = standby;

      AgentNode standbyLeader = waitForStandbyLeader(b, null);
      for (AgentNode n : b.nodes()) {
        if (n != standbyLeader) {
          // a hot standby of a standby accepts connections once a running-xacts record from
          // the primary reaches it, which an idle primary does not write: keep it busy
          Wait.until(
              n.name() + " to stream from the standby leader",
              BOOTSTRAP,
              () -> {
                n.assertNotDied();
                valueOrNull(source, "SELECT txid_current()::text");
                return "streaming".equals(valueOrNull(n, RECEIVER));
              });
        }
      }
      assertEquals(200, standbyLeader.healthCode("/standby-leader"));
      assertEquals(200, standbyLeader.healthCode("/standby_leader"));
      assertEquals(503, standbyLeader.healthCode("/primary"));
      AgentNode aReplica = b.nodes().stream().filter(n -> n != standbyLeader).findFirst().get();
      assertEquals(503, aReplica.healthCode("/standby-leader"));
      assertEquals("streaming", value(standbyLeader, RECEIVER), "streams from the remote");
      assertEquals(
          "true",
          value(
              source,
              "SELECT active::text FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'"),
          "the standby leader streams through the slot");
      String list = hactl(b, b.nodes().get(0), "list").trim();
      assertTrue(list.contains("Standby Leader"), list);

      // a table created on the primary cluster appears on every standby member
      sql(source, "CREATE TABLE dc1 AS SELECT g FROM generate_series(1, 100) g");
      for (AgentNode n : b.nodes()) {
        awaitRows(n, "dc1", 100);
      }

      // the standby leader dies: another member becomes standby leader and still replicates
      standbyLeader.crash();
      AgentNode next = waitForStandbyLeader(b, standbyLeader);
      sql(source, "INSERT INTO dc1 SELECT g FROM generate_series(101, 200) g");
      for (AgentNode n : b.nodes()) {
        if (n != standbyLeader) {
          awaitRows(n, "dc1", 200);
        }
      }
      assertTrue(
          b.nodes().stream().noneMatch(n -> n.reportsRole("primary")),
          "nobody in the standby cluster promotes");

      // promote-cluster: the standby leader becomes a writable primary
      String promoted = hactl(b, next, "promote-cluster", "--force");
      assertTrue(promoted.contains("promoted successfully"), promoted);
      AgentNode writable = b.waitForLeader(BOOTSTRAP);
      assertEquals(next, writable, "the standby leader itself promotes");
      sql(writable, "CREATE TABLE dc2_after_promote (x int)");
      assertEquals(503, writable.healthCode("/standby-leader"));

      // demote-cluster: back to a standby of the first cluster (pg_rewind over the divergence)
      String demoted =
          hactl(
              b,
              next,
              "demote-cluster",
              "--host",
              "127.0.0.1",
              "--port",
              String.valueOf(sourcePort),
              "--primary-slot-name",
              SLOT,
              "--force");
      assertTrue(demoted.contains("demoted successfully"), demoted);
      AgentNode again = waitForStandbyLeader(b, standbyLeader);
      sql(source, "CREATE TABLE dc1_after_demote AS SELECT g FROM generate_series(1, 7) g");
      awaitRows(again, "dc1_after_demote", 7);
      // its replica is still on the promoted cluster's timeline, ahead of the rewound leader:
      // the documented step is to reinitialise it, after which it follows the standby leader
      for (AgentNode n : b.nodes()) {
        if (n != standbyLeader && n != again) {
          String reinit = hactl(b, again, "reinit", b.scope(), n.name(), "--force", "--wait");
          assertTrue(reinit.contains("Success: reinitialize for member " + n.name()), reinit);
          awaitRows(n, "dc1_after_demote", 7);
        }
      }
    } catch (Throwable t) {
      if (primary != null) {
        System.err.println(primary.logTails(60));
      }
      if (standby != null) {
        System.err.println(standby.logTails(80));
      }
      for (ClusterFixture c : new ClusterFixture[] {primary, standby}) {
        for (AgentNode n : c == null ? List.<AgentNode>of() : c.nodes()) {
          Path log = n.config().dir().resolve("data.log");
          if (Files.exists(log)) {
            List<String> lines = Files.readAllLines(log);
            System.err.println("----- " + c.scope() + "/" + n.name() + " data.log -----");
            lines
                .subList(Math.max(0, lines.size() - 40), lines.size())
                .forEach(System.err::println);
          }
        }
      }
      throw t;
    } finally {
      if (standby != null) {
        standby.close();
      }
      if (primary != null) {
        primary.close();
      }
    }
  }

  /** The standby cluster's roles come from the primary cluster's data: the same passwords. */
  private static String samePasswords(String yaml, Credentials c) {
    String y = replacePassword(yaml, Credentials.SUPERUSER, c.superuserPassword());
    y = replacePassword(y, Credentials.REPLICATION, c.replicationPassword());
    return replacePassword(y, Credentials.REWIND, c.rewindPassword());
  }

  private static String replacePassword(String yaml, String user, String password) {
    Matcher m =
        Pattern.compile("(username: " + Pattern.quote(user) + "\\n\\s*password: )\\S+")
            .matcher(yaml);
    assertTrue(m.find(), "the YAML has a password for " + user);
    return m.replaceFirst(Matcher.quoteReplacement(m.group(1) + password));
  }

  /** A node (not {@code not}) reports standby_leader running and holds the leader key. */
  private static AgentNode waitForStandbyLeader(ClusterFixture c, AgentNode not) {
    return Wait.forValue(
        "a standby leader holding the leader key",
        BOOTSTRAP,
        () -> {
          for (AgentNode n : c.nodes()) {
            if (n != not && n.reportsRole("standby_leader")) {
              Optional<String> key = c.leaderName();
              if (key.filter(n.name()::equals).isPresent()) {
                return Optional.of(n);
              }
            }
          }
          return Optional.empty();
        });
  }

  private static void awaitRows(AgentNode n, String table, long rows) {
    Wait.until(
        n.name() + " to have " + rows + " rows in " + table,
        BOOTSTRAP,
        () -> String.valueOf(rows).equals(valueOrNull(n, "SELECT count(*) FROM " + table)));
  }

  private static void sql(AgentNode n, String statement) throws SQLException {
    try (Connection conn = connect(n);
        Statement st = conn.createStatement()) {
      st.execute(statement);
    }
  }

  private static Connection connect(AgentNode n) throws SQLException {
    return java.sql.DriverManager.getConnection(
        n.jdbcUrl(), AgentNode.connectionProperties(superuser));
  }

  private static String value(AgentNode n, String query) throws SQLException {
    try (Connection conn = connect(n);
        Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(query)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private static String valueOrNull(AgentNode n, String query) {
    try {
      return value(n, query);
    } catch (SQLException e) {
      return null;
    }
  }

  /** Runs {@code java -jar hactl.jar -c <node's yml> ARGS}; returns stdout, fails on exit != 0. */
  private static String hactl(ClusterFixture c, AgentNode via, String... args) throws Exception {
    Path jar =
        Path.of(System.getProperty("hactl.jar", "../cli/target/hactl.jar"))
            .toAbsolutePath()
            .normalize();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
    cmd.addAll(List.of("-c", via.config().configFile().toString()));
    cmd.addAll(List.of(args));
    Path dir = Files.createDirectories(c.baseDir().resolve("hactl"));
    Path out = Files.createTempFile(dir, args[0], ".out");
    Path err = Files.createTempFile(dir, args[0], ".err");
    Process p =
        new ProcessBuilder(cmd)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("hactl " + List.of(args) + " hung for 180 s");
    }
    String stdout = Files.readString(out, StandardCharsets.UTF_8);
    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), "hactl " + List.of(args) + " failed:\n" + stdout + stderr);
    return stdout;
  }
}
