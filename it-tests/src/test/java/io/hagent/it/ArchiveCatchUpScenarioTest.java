package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * postgresql.recovery_conf.restore_command from a WAL archive: without slots and with wal_keep_size
 * 16MB (the least hagent passes on), a replica that was down while the primary wrote and recycled
 * more WAL than it keeps cannot stream from where it stopped; it catches up from the archive
 * through restore_command (written to postgresql.conf, the PostgreSQL 12+ way) and then streams
 * again.
 */
@Tag("scenario")
class ArchiveCatchUpScenarioTest {
  private static final Duration BOOTSTRAP = Duration.ofSeconds(90);

  @Test
  void aReplicaBehindTheKeptWalCatchesUpFromTheArchive() throws Exception {
    Path archive = Files.createTempDirectory("hagent-it-archive-");
    ClusterFixture c = null;
    try {
      c =
          ClusterFixture.start(
              ClusterSpec.threeNodes().withNodes(2),
              n -> Map.of(),
              (name, yaml) -> {
                String y =
                    yaml.replace("use_slots: true", "use_slots: false")
                        .replace(
                            "wal_keep_size: 128MB",
                            "wal_keep_size: 16MB\n        archive_mode: 'on'\n"
                                + "        archive_command: 'cp %p "
                                + archive
                                + "/%f'")
                        .replace(
                            "\npostgresql:\n",
                            "\npostgresql:\n  recovery_conf:\n    restore_command: cp "
                                + archive
                                + "/%f %p\n");
                assertTrue(y.contains("archive_mode"), y);
                return y;
              });
      AgentNode leader = c.waitForHealthyCluster(BOOTSTRAP);
      AgentNode replica = c.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();

      assertTrue(replica.stopAgent(Duration.ofSeconds(60)), "the replica's agent stops");
      String neededSegment;
      try (Connection conn = leader.connect();
          Statement st = conn.createStatement();
          ResultSet rs = st.executeQuery("SELECT pg_walfile_name(pg_current_wal_lsn())")) {
        rs.next();
        neededSegment = rs.getString(1); // the replica stopped in this one: it needs it next
      }
      try (Connection conn = leader.connect();
          Statement st = conn.createStatement()) {
        st.execute("CREATE TABLE written_while_down AS SELECT g FROM generate_series(1, 300000) g");
        for (int i = 0; i < 4; i++) {
          st.execute("INSERT INTO written_while_down SELECT g FROM generate_series(1, 100000) g");
          st.execute("SELECT pg_switch_wal()");
          st.execute("CHECKPOINT");
        }
      }
      long archived;
      try (Stream<Path> files = Files.list(archive)) {
        archived = files.count();
      }
      assertTrue(archived > 3, "segments archived: " + archived);
      assertTrue(
          !Files.exists(leader.config().dataDir().resolve("pg_wal").resolve(neededSegment)),
          "the primary no longer keeps " + neededSegment + ": streaming alone cannot catch up");
      assertTrue(Files.exists(archive.resolve(neededSegment)), "but the archive has it");

      Path pgLog = replica.config().dataDir().resolveSibling("data.log");
      long logStart = Files.exists(pgLog) ? Files.size(pgLog) : 0;
      replica.start();
      Wait.until(
          replica.name() + " to have every row written while it was down",
          BOOTSTRAP,
          () -> rows(replica) == 700000);
      c.waitStreaming(replica, BOOTSTRAP);
      String log = Files.readString(pgLog).substring((int) logStart);
      assertTrue(log.contains("restored log file"), "caught up from the archive: " + log);
    } catch (Throwable t) {
      if (c != null) {
        System.err.println(c.logTails(80));
      }
      throw t;
    } finally {
      if (c != null) {
        c.close();
      }
      try (Stream<Path> walk = Files.walk(archive)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static long rows(AgentNode n) {
    try (Connection conn = n.connect();
        Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM written_while_down")) {
      return rs.next() ? rs.getLong(1) : -1;
    } catch (SQLException e) {
      return -1;
    }
  }
}
