package io.hagent.agent.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FenceProcessDevice} with the real fence program (bash), the real clock and a stand-in
 * postmaster: a bash process running in the data directory with two children, its PID in
 * postmaster.pid, as PostgreSQL leaves it. No PostgreSQL is needed to show what gets killed and
 * when; it-tests' WatchdogScenariosTest shows it with PostgreSQL and a frozen agent.
 */
class FenceProcessDeviceIT {
  @TempDir Path tmp;
  Path dataDir;
  Process postmaster;
  final List<FenceProcessDevice> devices = new ArrayList<>();

  @BeforeEach
  void startStandInPostmaster() throws Exception {
    dataDir = Files.createDirectories(tmp.resolve("data"));
    postmaster = startInDataDir(dataDir);
    assertTrue(within(5_000, () -> postmaster.children().count() == 2), "no children forked");
    Files.writeString(dataDir.resolve("postmaster.pid"), postmaster.pid() + "\n" + dataDir + "\n");
  }

  private static Process startInDataDir(Path cwd) throws IOException {
    return new ProcessBuilder("bash", "-c", "sleep 600 & sleep 600 & wait")
        .directory(cwd.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  @AfterEach
  void stopEverything() throws Exception {
    for (FenceProcessDevice d : devices) {
      d.liveFenceProcess()
          .ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy));
    }
    if (postmaster != null) {
      postmaster.descendants().forEach(ProcessHandle::destroyForcibly);
      postmaster.destroyForcibly();
    }
  }

  private FenceProcessDevice device() {
    FenceProcessDevice d = FenceProcessDevice.forDataDir(dataDir);
    devices.add(d);
    return d;
  }

  private static boolean within(long millis, BooleanSupplier condition)
      throws InterruptedException {
    long end = System.nanoTime() + millis * 1_000_000L;
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }

  private String log(FenceProcessDevice d) throws IOException {
    return Files.readString(d.dir().resolve("fence.log"));
  }

  @Test
  void notFedItKillsThePostmasterAndItsChildrenAtTheDeadlineNotBefore() throws Exception {
    List<ProcessHandle> children = postmaster.children().toList();
    assertEquals(2, children.size());
    FenceProcessDevice d = device();
    assertTrue(d.isHealthy());
    d.open();
    long armed = System.nanoTime();
    d.setTimeout(2);
    assertTrue(d.isRunning());
    assertEquals(2, d.getTimeout());
    assertTrue(d.describe().startsWith("hagent fence process (pid "), d.describe());
    assertEquals(d.dir(), dataDir.resolveSibling("data.fence"));

    assertTrue(within(5_000, () -> !postmaster.isAlive()), "the postmaster was not killed");
    long tookMillis = (System.nanoTime() - armed) / 1_000_000L;
    assertTrue(tookMillis >= 1_950, "fired after " + tookMillis + " ms, before its 2 s deadline");
    assertTrue(tookMillis < 3_000, "fired only after " + tookMillis + " ms");
    assertTrue(within(2_000, () -> children.stream().noneMatch(ProcessHandle::isAlive)));
    assertEquals(137, postmaster.waitFor(), "SIGKILL, not a shutdown request");
    assertTrue(within(2_000, () -> d.liveFenceProcess().isEmpty()), "it exits after firing");
    assertTrue(
        log(d).contains("killed PostgreSQL's postmaster " + postmaster.pid() + " and 2 child"),
        log(d));
  }

  @Test
  void fedItWaitsAndTheMagicCloseDisarmsIt() throws Exception {
    FenceProcessDevice d = device();
    d.open();
    d.setTimeout(1);
    long fence = d.liveFenceProcess().orElseThrow();
    for (int i = 0; i < 10; i++) {
      Thread.sleep(300);
      d.keepalive();
    }
    assertTrue(postmaster.isAlive());
    d.close();
    assertFalse(d.isRunning());
    assertTrue(within(2_000, () -> ProcessHandle.of(fence).isEmpty()), "it exits on V");
    Thread.sleep(1_500);
    assertTrue(postmaster.isAlive(), "a disarmed fence killed PostgreSQL");
    assertTrue(log(d).contains("disarmed"), log(d));
  }

  @Test
  void aRestartedAgentFeedsTheFenceItsPredecessorLeft() throws Exception {
    FenceProcessDevice before = device();
    before.open();
    before.setTimeout(2);
    long fence = before.liveFenceProcess().orElseThrow();

    FenceProcessDevice after = device(); // the agent after a restart: same data directory
    after.open();
    after.setTimeout(2);
    assertEquals(Optional.of(fence), after.liveFenceProcess(), "it started a second fence");
    for (int i = 0; i < 10; i++) {
      Thread.sleep(400);
      after.keepalive();
    }
    assertTrue(postmaster.isAlive(), "the fence fired although the new agent fed it");
    after.close();
  }

  @Test
  void aLeftoverFenceIsDisarmedWhenNothingNeedsIt() throws Exception {
    FenceProcessDevice before = device();
    before.open();
    before.setTimeout(2);
    long fence = before.liveFenceProcess().orElseThrow();

    FenceProcessDevice after = device();
    assertTrue(after.disarmLeftover());
    assertFalse(after.isRunning());
    assertTrue(within(2_000, () -> ProcessHandle.of(fence).isEmpty()));
    Thread.sleep(2_500);
    assertTrue(postmaster.isAlive());
    assertFalse(device().disarmLeftover(), "nothing left to disarm");
  }

  @Test
  void aFenceThatWasKilledIsReplacedAtTheNextKeepalive() throws Exception {
    FenceProcessDevice d = device();
    d.open();
    d.setTimeout(2);
    long first = d.liveFenceProcess().orElseThrow();
    ProcessHandle.of(first).orElseThrow().destroyForcibly();
    assertTrue(within(2_000, () -> ProcessHandle.of(first).isEmpty()));

    WatchdogException e = assertThrows(WatchdogException.class, d::keepalive);
    assertTrue(e.getMessage().contains("started a new one"), e.getMessage());
    long second = d.liveFenceProcess().orElseThrow();
    assertNotEquals(first, second);
    assertTrue(d.isRunning());
    assertTrue(within(5_000, () -> !postmaster.isAlive()), "the new fence does not guard");
  }

  @Test
  void aRecycledPidInPostmasterPidIsNotKilled() throws Exception {
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    Process stranger = startInDataDir(elsewhere);
    try {
      Files.writeString(dataDir.resolve("postmaster.pid"), stranger.pid() + "\n");
      FenceProcessDevice d = device();
      d.open();
      d.setTimeout(1);
      assertTrue(within(4_000, () -> d.liveFenceProcess().isEmpty()), "it did not fire");
      assertTrue(stranger.isAlive(), "it killed a process that does not run in the data dir");
      assertTrue(postmaster.isAlive());
      assertTrue(log(d).contains("no PostgreSQL is running in"), log(d));
    } finally {
      stranger.descendants().forEach(ProcessHandle::destroyForcibly);
      stranger.destroyForcibly();
    }
  }

  @Test
  void theFenceGetsNoneOfTheAgentsEnvironmentAndRunsInItsOwnSession() throws Exception {
    FenceProcessDevice d = device();
    d.open();
    d.setTimeout(30);
    long fence = d.liveFenceProcess().orElseThrow();
    Set<String> names = new TreeSet<>();
    for (String kv : Files.readString(Path.of("/proc/" + fence + "/environ")).split("\0")) {
      if (!kv.isEmpty()) {
        names.add(kv.substring(0, kv.indexOf('=')));
      }
    }
    assertEquals(Set.of("LC_ALL", "PATH"), names);
    String stat = Files.readString(Path.of("/proc/" + fence + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    assertEquals(Long.toString(fence), f[3], "not the leader of its own session: " + stat);
    assertEquals(
        "rwx------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(d.dir())));
    d.close();
  }
}
