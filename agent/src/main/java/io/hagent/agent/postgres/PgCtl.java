package io.hagent.agent.postgres;

import io.hagent.common.config.PostgresqlConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The postmaster's life cycle through PostgreSQL's own tools: pg_ctl start/stop/promote/reload,
 * pg_controldata, single-user crash recovery and pg_waldump. Each call is bounded in time.
 */
final class PgCtl {
  /** Extra time given to pg_ctl beyond its own -t limit before we kill it. */
  private static final Duration GRACE = Duration.ofSeconds(15);

  private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)");

  private final PostgresqlConfig pg;
  private final Path dataDir;
  private final Path configDir;
  private final Path logFile;
  private final ProcessRunner runner;

  PgCtl(PostgresqlConfig pg, Path dataDir, Path configDir, Path logFile, ProcessRunner runner) {
    this.pg = pg;
    this.dataDir = dataDir;
    this.configDir = configDir;
    this.logFile = logFile;
    this.runner = runner;
  }

  Path logFile() {
    return logFile;
  }

  /**
   * Starts the postmaster detached from us (it survives an agent exit), logging its startup output
   * outside the data directory, and waits until it accepts connections.
   */
  ProcessRunner.Result start(int timeoutSeconds) {
    List<String> cmd =
        ProcessRunner.cmd(
            pg.binary("pg_ctl"),
            "start",
            "-w",
            "-t",
            String.valueOf(timeoutSeconds),
            "-D",
            dataDir.toString(),
            "-l",
            logFile.toString());
    if (!configDir.equals(dataDir)) {
      cmd.add("-o");
      cmd.add("--config-file=" + configDir.resolve("postgresql.conf"));
    }
    return runner.run(cmd, Duration.ofSeconds(timeoutSeconds).plus(GRACE));
  }

  /**
   * Sends the stop signal without waiting ({@code pg_ctl stop -W}): pg_ctl's own wait polls every
   * 100 ms, which a switchover cannot afford; the caller watches the postmaster itself.
   */
  ProcessRunner.Result signalStop(Postgres.StopMode mode) {
    String m =
        switch (mode) {
          case SMART -> "smart";
          case FAST -> "fast";
          case IMMEDIATE -> "immediate";
        };
    return runner.run(
        ProcessRunner.cmd(pg.binary("pg_ctl"), "stop", "-m", m, "-W", "-D", dataDir.toString()),
        GRACE.multipliedBy(2));
  }

  ProcessRunner.Result promote(int timeoutSeconds) {
    return runner.run(
        ProcessRunner.cmd(
            pg.binary("pg_ctl"),
            "promote",
            "-w",
            "-t",
            String.valueOf(timeoutSeconds),
            "-D",
            dataDir.toString()),
        Duration.ofSeconds(timeoutSeconds).plus(GRACE));
  }

  ProcessRunner.Result reload() {
    return runner.run(
        ProcessRunner.cmd(pg.binary("pg_ctl"), "reload", "-s", "-D", dataDir.toString()), GRACE);
  }

  ControlData controlData() {
    if (!Files.exists(dataDir.resolve("global/pg_control"))) {
      return ControlData.EMPTY;
    }
    ProcessRunner.Result r =
        runner.run(
            ProcessRunner.cmd(pg.binary("pg_controldata"), dataDir.toString()),
            ProcessRunner.cLocale(Map.of()),
            GRACE,
            null);
    return r.ok() ? ControlData.parse(r.output()) : ControlData.EMPTY;
  }

  /**
   * Replays WAL after an unclean shutdown in single-user mode, which ends with a shutdown
   * checkpoint, so pg_rewind and the timeline check see a clean cluster.
   */
  ProcessRunner.Result singleUserCrashRecovery(Duration timeout) throws IOException {
    Files.deleteIfExists(dataDir.resolve("standby.signal"));
    Files.deleteIfExists(dataDir.resolve("recovery.signal"));
    List<String> cmd =
        ProcessRunner.cmd(
            pg.binary("postgres"),
            "--single",
            "-D",
            dataDir.toString(),
            "-c",
            "archive_mode=off",
            "-c",
            "hot_standby=off");
    if (!configDir.equals(dataDir)) {
      cmd.add("-c");
      cmd.add("config_file=" + configDir.resolve("postgresql.conf"));
    }
    cmd.add("template1");
    return runner.run(cmd, Map.of(), timeout, Path.of("/dev/null"));
  }

  /** The position right after the shutdown checkpoint record at {@code lsn}, or null. */
  Long checkpointEnd(long lsn, int timeline) {
    ProcessRunner.Result r =
        runner.run(
            ProcessRunner.cmd(
                pg.binary("pg_waldump"),
                "-p",
                dataDir.resolve("pg_wal").toString(),
                "-t",
                String.valueOf(timeline),
                "-s",
                Lsn.format(lsn),
                "-n",
                "2"),
            ProcessRunner.cLocale(Map.of()),
            GRACE,
            null);
    String[] lines = r.output().split("\n");
    if (lines.length == 0 || !lines[0].contains("CHECKPOINT_SHUTDOWN")) {
      return null;
    }
    for (int i = 1; i < lines.length; i++) {
      Matcher next = Pattern.compile("lsn: (\\w+/\\w+)").matcher(lines[i]);
      if (next.find()) {
        return Lsn.parse(next.group(1));
      }
      Matcher end = Pattern.compile("invalid record length at (\\w+/\\w+)").matcher(lines[i]);
      if (end.find()) {
        return Lsn.parse(end.group(1));
      }
    }
    return null;
  }

  /** The postmaster's pid if postmaster.pid names a live process. */
  Optional<Long> postmasterPid() {
    try {
      Path pidFile = dataDir.resolve("postmaster.pid");
      if (!Files.exists(pidFile)) {
        return Optional.empty();
      }
      List<String> lines = Files.readAllLines(pidFile);
      if (lines.isEmpty()) {
        return Optional.empty();
      }
      long pid = Long.parseLong(lines.get(0).trim());
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(h -> !isZombie(h.pid()))
          .map(ProcessHandle::pid);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * A postmaster killed with -9 whose parent has not reaped it yet is still "alive" to the JDK (and
   * to kill(pid, 0)), but it will never answer again: /proc/PID/stat says Z.
   */
  static boolean isZombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      int afterName = stat.lastIndexOf(')');
      return afterName > 0 && stat.length() > afterName + 2 && stat.charAt(afterName + 2) == 'Z';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Major version of the installed binaries ({@code postgres -V}), or 0 if unknown. */
  int binaryMajorVersion() {
    ProcessRunner.Result r = runner.run(ProcessRunner.cmd(pg.binary("postgres"), "-V"), GRACE);
    Matcher m = VERSION.matcher(r.output());
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  boolean rewindAvailable() {
    return runner.run(ProcessRunner.cmd(pg.binary("pg_rewind"), "--version"), GRACE).ok();
  }
}
