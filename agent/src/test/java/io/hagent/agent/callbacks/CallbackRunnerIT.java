package io.hagent.agent.callbacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.config.Credentials;
import io.hagent.common.config.PostgresqlConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripts run for real (/bin/sh): their arguments, environment and working directory, one
 * callback at a time with on_reload apart, and the exit codes of pre_promote and before_stop.
 */
class CallbackRunnerIT {
  @TempDir Path dir;

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    for (Process p : started) {
      if (p != null) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }
  }

  static PostgresqlConfig section(
      Map<String, String> callbacks, String prePromote, String beforeStop) {
    Credentials su = new Credentials("postgres", "pw", Map.of());
    return new PostgresqlConfig(
        "127.0.0.1",
        5432,
        "127.0.0.1:5432",
        null,
        "/nonexistent",
        null,
        null,
        Map.of(),
        "/nonexistent/pgpass",
        "postgres",
        su,
        su,
        su,
        Map.of(),
        null,
        callbacks,
        List.of("basebackup"),
        List.of(),
        null,
        false,
        false,
        Map.of(),
        60,
        false,
        prePromote,
        beforeStop);
  }

  /** A script that appends its arguments, working directory and two variables to {@code log}. */
  private Path recorder(Path log, String extra) throws IOException {
    Path script = dir.resolve("cb-" + log.getFileName() + ".sh");
    Files.writeString(
        script,
        "#!/bin/sh\n"
            + "echo \"$*|$(pwd)|notify=${NOTIFY_SOCKET:-none}|secret=${PATRONI_SUPERUSER_PASSWORD:-none}"
            + "|home=${HOME:-none}\" >> '"
            + log
            + "'\n"
            + extra);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  private static List<String> awaitLines(Path log, int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log)) {
        List<String> lines = Files.readAllLines(log);
        if (lines.size() >= n) {
          return lines;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError(log + " has fewer than " + n + " lines");
  }

  private static Map<String, String> agentEnv() {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("NOTIFY_SOCKET", "/run/systemd/notify");
    env.put("PATRONI_SUPERUSER_PASSWORD", "s3cret");
    env.put("HOME", "/home/agent");
    return env;
  }

  @Test
  void aCallbackGetsPatronisArgumentsACleanEnvironmentAndTheAgentsDirectory() throws Exception {
    Path log = dir.resolve("calls.log");
    Path script = recorder(log, "");
    CallbackRunner runner =
        new CallbackRunner(
            () -> section(Map.of("on_start", script + " 'first word' x"), null, null),
            "batman",
            agentEnv());
    Process p = runner.call(CallbackAction.ON_START, "replica");
    started.add(p);
    assertNotNull(p);
    List<String> lines = awaitLines(log, 1);
    assertEquals(
        "first word x on_start replica batman|"
            + Path.of("").toAbsolutePath()
            + "|notify=none|secret=none|home=/home/agent",
        lines.get(0));
    assertNull(runner.call(CallbackAction.ON_STOP, "replica"), "on_stop is not configured");
  }

  @Test
  void aNewCallbackKillsTheRunningOneButOnReloadHasItsOwnSlot() throws Exception {
    Path log = dir.resolve("slow.log");
    Path script = recorder(log, "sleep 30\necho done >> '" + log + "'\n");
    Map<String, String> all = new HashMap<>();
    for (CallbackAction a : CallbackAction.values()) {
      all.put(a.key(), script.toString());
    }
    CallbackRunner runner = new CallbackRunner(() -> section(all, null, null), "s", agentEnv());
    Process first = runner.call(CallbackAction.ON_START, "replica");
    started.add(first);
    awaitLines(log, 1);
    Process reload = runner.call(CallbackAction.ON_RELOAD, "replica");
    started.add(reload);
    awaitLines(log, 2);
    assertTrue(first.isAlive(), "on_reload does not kill the running on_start");
    Process second = runner.call(CallbackAction.ON_ROLE_CHANGE, "primary");
    started.add(second);
    awaitLines(log, 3);
    assertTrue(first.waitFor(5, TimeUnit.SECONDS), "the previous callback was killed");
    assertTrue(second.isAlive());
    assertTrue(reload.isAlive(), "and on_role_change does not kill on_reload");
    Process reload2 = runner.call(CallbackAction.ON_RELOAD, "primary");
    started.add(reload2);
    assertTrue(reload.waitFor(5, TimeUnit.SECONDS), "a new on_reload kills the previous one");
    assertFalse(Files.readString(log).contains("done"));
  }

  @Test
  void prePromoteFailsOnANonZeroExitAndRemembersWhen() throws Exception {
    Path ok = dir.resolve("ok.sh");
    Files.writeString(ok, "#!/bin/sh\nexit 0\n");
    Path fail = dir.resolve("fail.sh");
    Files.writeString(fail, "#!/bin/sh\nexit 3\n");
    for (Path p : List.of(ok, fail)) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    }
    assertTrue(new CallbackRunner(() -> section(Map.of(), null, null), "s").prePromote());
    CallbackRunner good = new CallbackRunner(() -> section(Map.of(), ok.toString(), null), "s");
    assertTrue(good.prePromote());
    assertFalse(good.prePromoteFailedWithin(Duration.ofMinutes(1)));
    CallbackRunner bad = new CallbackRunner(() -> section(Map.of(), fail.toString(), null), "s");
    assertFalse(bad.prePromote());
    assertTrue(bad.prePromoteFailedWithin(Duration.ofMinutes(1)));
    assertFalse(bad.prePromoteFailedWithin(Duration.ZERO));
    CallbackRunner missing =
        new CallbackRunner(() -> section(Map.of(), dir.resolve("nope").toString(), null), "s");
    assertFalse(missing.prePromote(), "a script that cannot run fails the promotion");
  }

  @Test
  void beforeStopIsWaitedFor() throws Exception {
    Path marker = dir.resolve("stopped-after");
    Path script = dir.resolve("before.sh");
    Files.writeString(script, "#!/bin/sh\nsleep 0.3\ntouch '" + marker + "'\nexit 1\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    CallbackRunner runner =
        new CallbackRunner(() -> section(Map.of(), null, script.toString()), "s");
    runner.beforeStop();
    assertTrue(Files.exists(marker), "beforeStop returned only after the script ended");
    assertEquals(1, runner.runBlocking("before_stop", script.toString()));
  }
}
