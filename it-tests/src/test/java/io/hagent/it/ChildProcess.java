package io.hagent.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One started child process whose stdout+stderr are appended to a log file. Stops and kills only
 * this PID (and, for kill, the descendants it had at that moment).
 */
public final class ChildProcess {
  private final String name;
  private final Process process;
  private final Path log;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  public static ChildProcess start(
      String name, List<String> command, Path log, Map<String, String> extraEnv) {
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(
          log,
          "---- " + Instant.now() + " starting " + name + " ----\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().putAll(extraEnv);
      ChildProcess child = new ChildProcess(name, pb.start(), log);
      ProcessReaper.register(child);
      return child;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + " (" + command.get(0) + ")", e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Exit code; only valid once the process has exited. */
  public int exitValue() {
    return process.exitValue();
  }

  public Path log() {
    return log;
  }

  public String name() {
    return name;
  }

  /** SIGTERM, then waits; returns true when the process exited within the timeout. */
  public boolean terminate(Duration timeout) {
    process.destroy();
    return waitFor(timeout);
  }

  /** SIGKILL of the process and of the descendants it has right now. */
  public void kill() {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
    waitFor(Duration.ofSeconds(10));
  }

  public boolean waitFor(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The last lines of the log file, for failure reports. */
  public static String tail(Path file, int lines) {
    try {
      if (!Files.exists(file)) {
        return "(no log file " + file + ")\n";
      }
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      StringBuilder sb = new StringBuilder();
      for (String line : all.subList(Math.max(0, all.size() - lines), all.size())) {
        sb.append(line).append('\n');
      }
      return sb.toString();
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")\n";
    }
  }
}
