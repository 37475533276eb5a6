package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * pgBackRest end to end, with Debian's pgbackrest and a repository in a temp dir, the way the
 * write-ups deploy it next to Patroni:
 *
 * <ol>
 *   <li>archive_mode is on from bootstrap.dcs; {@code archive_command} (archive-push) and {@code
 *       recovery_conf.restore_command} (archive-get) are set through {@code hactl edit-config} and
 *       reach every member; stanza-create and a full backup run on the primary;
 *   <li>a member added afterwards with {@code create_replica_methods: [pgbackrest, basebackup]} is
 *       restored from the repository (not pg_basebackup) and then streams;
 *   <li>a new cluster (another scope, its own etcd) is bootstrapped from the backup with {@code
 *       bootstrap.method: pgbackrest}: it replays the archive up to its end, promotes, has the rows
 *       written before and after the backup, and its leader takes writes.
 * </ol>
 *
 * <p>Every node has its own pgbackrest.conf (as every host has its /etc/pgbackrest/pgbackrest.conf:
 * the shared repository, and pg1-path/port/socket of its own PostgreSQL), found through {@code
 * PGBACKREST_CONFIG} in the agent's environment, which PostgreSQL and the commands inherit. So the
 * cluster-wide archive_command is the same string on every node, as in production.
 */
@Tag("scenario")
class PgBackRestScenarioTest {
  private static final Duration BOOTSTRAP = Duration.ofSeconds(120);
  private static final String PGBACKREST = "/usr/bin/pgbackrest";
  private static final String ARCHIVE_PUSH = "pgbackrest --stanza=main archive-push \"%p\"";
  private static final String ARCHIVE_GET = "pgbackrest --stanza=main archive-get %f \"%p\"";

  @Test
  void replicasAndANewClusterComeFromThePgBackRestRepository() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of(PGBACKREST)),
        "pgbackrest is not installed (scripts/install-deps)");
    Path base = Files.createTempDirectory("hagent-it-pgbackrest-");
    ClusterFixture a = null;
    ClusterFixture b = null;
    try {
      a =
          ClusterFixture.start(
              ClusterSpec.threeNodes().withNodes(2),
              name -> env(base, "a-" + name),
              (name, yaml) -> {
                writeConf(base, "a-" + name, yaml);
                // archive_mode needs a restart: it is set before the first start
                return yaml.replace(
                    "wal_keep_size: 128MB", "wal_keep_size: 128MB\n        archive_mode: 'on'");
              });
      AgentNode leader = a.waitForHealthyCluster(BOOTSTRAP);
      execute(leader, "CREATE TABLE before_backup (note text)");
      execute(leader, "INSERT INTO before_backup VALUES ('kept')");

      // (1) archive_command and restore_command through the dynamic configuration
      Hactl.Result edit = null;
      // a second try only when etcd timed out on this loaded machine (the CAS then fails)
      for (int attempt = 1; attempt <= 3 && (edit == null || edit.exitCode() != 0); attempt++) {
        edit =
            Hactl.run(
                a,
                "edit-config",
                "-s",
                "postgresql.parameters.archive_command=" + ARCHIVE_PUSH,
                "-s",
                "postgresql.recovery_conf.restore_command=" + ARCHIVE_GET,
                "--force");
        if (edit.exitCode() != 0 && !edit.err().contains("timed out")) {
          break;
        }
      }
      assertEquals(0, edit.exitCode(), edit.toString());
      for (AgentNode n : a.nodes()) {
        Wait.until(
            n.name() + " to run with the archive_command of the dynamic configuration",
            Duration.ofSeconds(60),
            () -> ARCHIVE_PUSH.equals(show(n, "archive_command")));
      }
      AgentNode replica1 = a.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
      Wait.until(
          replica1.name() + " to run with the restore_command of the dynamic configuration",
          Duration.ofSeconds(60),
          () -> ARCHIVE_GET.equals(show(replica1, "restore_command")));

      Path leaderConf = base.resolve("a-" + leader.name() + ".conf");
      pgbackrest(base, leaderConf, "stanza-create");
      pgbackrest(base, leaderConf, "check"); // archive-push works from the primary
      pgbackrest(base, leaderConf, "--type=full", "backup");
      String info = pgbackrest(base, leaderConf, "info");
      assertTrue(info.contains("full backup"), info);

      // a row after the backup, only in the archive: restores get it through archive-get
      execute(leader, "INSERT INTO before_backup VALUES ('from the archive')");
      String segment = query(leader, "SELECT pg_walfile_name(pg_switch_wal())");
      Wait.until(
          segment + " to be archived",
          Duration.ofSeconds(60),
          () -> {
            String last =
                query(leader, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
            return last != null && last.compareTo(segment) >= 0;
          });

      // (2) a new member is restored from the repository
      AgentNode fromRepo =
          a.addNode(
              (name, yaml) -> {
                writeConf(base, "a-" + name, yaml);
                return yaml.replace(
                    "\npostgresql:\n",
                    "\npostgresql:\n"
                        + "  create_replica_methods:\n  - pgbackrest\n  - basebackup\n"
                        + "  pgbackrest:\n"
                        + "    command: "
                        + PGBACKREST
                        + " --stanza=main --delta restore\n"
                        + "    keep_data: true\n"
                        + "    no_params: true\n");
              },
              name -> env(base, "a-" + name));
      a.waitStreaming(fromRepo, BOOTSTRAP);
      String log = Files.readString(fromRepo.log());
      assertTrue(log.contains("replica has been created using pgbackrest"), log);
      assertTrue(log.contains("restore command end: completed successfully"), log);
      assertFalse(log.contains("replica has been created using basebackup"), log);
      assertFalse(log.contains("Error creating replica"), log);
      Wait.until(
          fromRepo.name() + " to have every row",
          BOOTSTRAP,
          () -> "from the archive,kept".equals(notes(fromRepo)));
      assertEquals(ARCHIVE_GET, show(fromRepo, "restore_command"));
      Path autoConf = fromRepo.config().dataDir().resolve("postgresql.auto.conf");
      String auto = Files.readString(autoConf);
      assertFalse(
          auto.contains("restore_command"),
          "pgBackRest's recovery settings in postgresql.auto.conf would override the cluster's: "
              + auto);

      // (3) a new cluster from the backup
      String method =
          "\nbootstrap:\n"
              + "  method: pgbackrest\n"
              + "  pgbackrest:\n"
              + "    command: "
              + PGBACKREST
              + " --stanza=main --delta restore\n"
              + "    keep_existing_recovery_conf: true\n"
              + "    no_params: true\n"
              + "    recovery_conf:\n"
              + "      restore_command: '"
              + ARCHIVE_GET
              + "'\n"
              + "      recovery_target_action: promote\n"
              + "      recovery_target_timeline: latest\n";
      b =
          ClusterFixture.start(
              ClusterSpec.threeNodes().withNodes(1),
              name -> env(base, "b-" + name),
              (name, yaml) -> {
                writeConf(base, "b-" + name, yaml);
                return yaml.replace("\nbootstrap:\n", method);
              });
      AgentNode newLeader = b.waitForLeader(BOOTSTRAP);
      String bLog = Files.readString(newLeader.log());
      assertTrue(bLog.contains("Running custom bootstrap script: " + PGBACKREST), bLog);
      assertTrue(bLog.contains("restore command end: completed successfully"), bLog);
      assertEquals(
          "from the archive,kept", notes(newLeader), "the backup and the archive replayed");
      execute(newLeader, "INSERT INTO before_backup VALUES ('new cluster')");
      assertEquals("from the archive,kept,new cluster", notes(newLeader));
      assertTrue(
          newLeader.status().orElseThrow().path("timeline").asInt() >= 2,
          "recovery ended with a promotion to a new timeline");
      assertFalse(
          Files.exists(newLeader.config().dataDir().resolve("recovery.signal")),
          "no recovery.signal left");
      String bAuto = Files.readString(newLeader.config().dataDir().resolve("postgresql.auto.conf"));
      assertFalse(bAuto.contains("restore_command"), "recovery settings removed: " + bAuto);
      assertEquals(
          "from the archive,kept",
          notes(a.waitForLeader(BOOTSTRAP)),
          "the old cluster is untouched by the new one");
    } catch (Throwable t) {
      if (a != null) {
        System.err.println(a.logTails(80));
      }
      if (b != null) {
        System.err.println(b.logTails(80));
      }
      dumpPgBackRestLogs(base);
      throw t;
    } finally {
      if (b != null) {
        b.close();
      }
      if (a != null) {
        a.close();
      }
      if (!Boolean.getBoolean("it.keep")) {
        try (Stream<Path> walk = Files.walk(base)) {
          walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  private static final Pattern DATA_DIR = Pattern.compile("(?m)^  data_dir: (\\S+)$");
  private static final Pattern PG_PORT =
      Pattern.compile("\npostgresql:\n  listen: 127\\.0\\.0\\.1:(\\d+)\n");
  private static final Pattern SOCKET_DIR =
      Pattern.compile("(?m)^    unix_socket_directories: '([^']+)'$");

  /** The node's pgbackrest.conf: the shared repository and its own PostgreSQL. */
  private static void writeConf(Path base, String node, String yaml) {
    String conf =
        """
        [global]
        repo1-path=%1$s/repo
        repo1-retention-full=2
        log-path=%1$s/log-%2$s
        lock-path=%1$s/lock-%2$s
        spool-path=%1$s/spool-%2$s
        log-level-console=info
        log-level-file=detail
        start-fast=y

        [main]
        pg1-path=%3$s
        pg1-port=%4$s
        pg1-socket-path=%5$s
        pg1-user=%6$s
        """
            .formatted(
                base,
                node,
                group(DATA_DIR, yaml),
                group(PG_PORT, yaml),
                group(SOCKET_DIR, yaml),
                Credentials.SUPERUSER);
    try {
      Files.createDirectories(base.resolve("log-" + node)); // pgbackrest does not create it
      Files.writeString(base.resolve(node + ".conf"), conf);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String group(Pattern p, String yaml) {
    Matcher m = p.matcher(yaml);
    if (!m.find()) {
      throw new AssertionError("no " + p + " in\n" + yaml);
    }
    return m.group(1);
  }

  private static Map<String, String> env(Path base, String node) {
    return Map.of("PGBACKREST_CONFIG", base.resolve(node + ".conf").toString());
  }

  /** Runs pgbackrest with the node's config, as the operator would on that host; its output. */
  private static String pgbackrest(Path base, Path conf, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(PGBACKREST, "--config=" + conf, "--stanza=main"));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(base, "pgbackrest-", ".out");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + cmd);
    }
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), cmd + " failed:\n" + text);
    return text;
  }

  private static void dumpPgBackRestLogs(Path base) {
    try (Stream<Path> walk = Files.walk(base)) {
      walk.filter(p -> p.getFileName().toString().endsWith(".log"))
          .filter(p -> p.getParent().getFileName().toString().startsWith("log-"))
          .forEach(
              p -> {
                System.err.println("----- " + p + " -----");
                System.err.println(ChildProcess.tail(p, 40));
              });
    } catch (java.io.IOException e) {
      System.err.println("cannot list " + base + ": " + e.getMessage());
    }
  }

  private static void execute(AgentNode n, String sql) throws SQLException {
    try (Connection c = n.connect();
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private static String query(AgentNode n, String sql) {
    try (Connection c = n.connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      return null;
    }
  }

  private static String show(AgentNode n, String name) {
    return query(n, "SELECT current_setting('" + name + "')");
  }

  private static String notes(AgentNode n) {
    return query(n, "SELECT string_agg(note, ',' ORDER BY note) FROM before_backup");
  }
}
