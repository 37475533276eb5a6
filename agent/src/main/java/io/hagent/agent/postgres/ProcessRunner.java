package io.hagent.agent.postgres;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs PostgreSQL's tools with a hard time limit. Output goes to a temporary file rather than a
 * pipe so that a daemon forked by the child (pg_ctl start) can never block us or keep a pipe open.
 * Secrets never appear on a command line: callers pass them through the pgpass file or the
 * environment, and {@link #history()} lets tests check that.
 */
public final class ProcessRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessRunner.class);

  /**
   * Variables systemd hands to the agent's own process: a child that inherits NOTIFY_SOCKET speaks
   * for the service (PostgreSQL built with systemd support sends READY=1 and STOPPING=1 on it), and
   * the socket-activation and watchdog ones name the agent's PID and file descriptors.
   */
  private static final List<String> SYSTEMD =
      List.of(
          "NOTIFY_SOCKET",
          "LISTEN_FDS",
          "LISTEN_PID",
          "LISTEN_FDNAMES",
          "WATCHDOG_USEC",
          "WATCHDOG_PID");

  /**
   * Prefixes of the agent's own settings: PATRONI_* may hold passwords (PATRONI_SUPERUSER_PASSWORD,
   * PATRONI_CONFIGURATION with the whole file), and inherited PG* variables (PGPASSWORD, PGHOST,
   * PGSSLKEY...) would silently redirect or authenticate libpq tools differently from what the
   * configuration says. A child gets only the PG* variables its caller sets on purpose. Except
   * PGBACKREST_*: pgBackRest's own options (repository, cipher pass, S3 keys), which its
   * archive-push and archive-get (run by PostgreSQL) and restore (a replica or bootstrap method)
   * must see.
   */
  private static final List<String> SCRUBBED_PREFIXES = List.of("PATRONI_", "PG");

  private static final String PGBACKREST_PREFIX = "PGBACKREST_";

  record Result(int exitCode, String output, boolean timedOut) {
    boolean ok() {
      return !timedOut && exitCode == 0;
    }

    /** Last lines of the output, for log messages. */
    String tail() {
      String t = output.strip();
      return t.length() > 2000 ? t.substring(t.length() - 2000) : t;
    }
  }

  private final List<List<String>> history = new CopyOnWriteArrayList<>();

  /** Every command line spawned so far (for tests asserting that no password is on one). */
  List<List<String>> history() {
    return List.copyOf(history);
  }

  /**
   * Runs {@code command} and waits at most {@code timeout}; a process still running then is killed
   * (with its descendants) and reported as timed out.
   *
   * @param stdin file fed to standard input, or null for none (/dev/null)
   */
  Result run(List<String> command, Map<String, String> extraEnv, Duration timeout, Path stdin) {
    history.add(List.copyOf(command));
    Path out = null;
    Process process = null;
    try {
      out = Files.createTempFile("hagent-exec", ".out");
      ProcessBuilder pb = new ProcessBuilder(command);
      Map<String, String> env = pb.environment();
      Map<String, String> wanted = childEnvironment(env, extraEnv);
      env.clear();
      env.putAll(wanted);
      pb.redirectErrorStream(true);
      pb.redirectOutput(out.toFile());
      pb.redirectInput(stdin == null ? new File("/dev/null") : stdin.toFile());
      process = pb.start();
      boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
        LOG.warn(
            "{} did not finish within {} s and was killed", command.get(0), timeout.toSeconds());
        return new Result(-1, read(out), true);
      }
      return new Result(process.exitValue(), read(out), false);
    } catch (IOException e) {
      return new Result(-1, "could not run " + command.get(0) + ": " + e.getMessage(), false);
    } catch (InterruptedException e) {
      // A cancelled background task (reinitialize with force, shutdown): the child goes too.
      if (process != null) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted", true);
    } finally {
      if (out != null) {
        try {
          Files.deleteIfExists(out);
        } catch (IOException e) {
          LOG.debug("could not delete {}", out, e);
        }
      }
    }
  }

  Result run(List<String> command, Duration timeout) {
    return run(command, Map.of(), timeout, null);
  }

  /**
   * The environment of every child the agent starts: the agent's own minus systemd's per-service
   * variables and the agent's settings and secrets, plus what the caller passes on purpose.
   */
  public static Map<String, String> childEnvironment(
      Map<String, String> inherited, Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>();
    inherited.forEach(
        (k, v) -> {
          if (!scrubbed(k)) {
            env.put(k, v);
          }
        });
    extraEnv.forEach(
        (k, v) -> {
          if (SYSTEMD.contains(k)) {
            throw new IllegalArgumentException(k + " must never be passed to a child");
          }
          env.put(k, v);
        });
    return env;
  }

  static boolean scrubbed(String name) {
    return SYSTEMD.contains(name)
        || (SCRUBBED_PREFIXES.stream().anyMatch(name::startsWith)
            && !name.startsWith(PGBACKREST_PREFIX));
  }

  /** The environment for tools whose output we parse: untranslated messages. */
  static Map<String, String> cLocale(Map<String, String> env) {
    Map<String, String> m = new HashMap<>(env);
    m.put("LC_ALL", "C");
    m.put("LANG", "C");
    return m;
  }

  static List<String> cmd(String... parts) {
    return new ArrayList<>(List.of(parts));
  }

  private static String read(Path file) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
  }
}
