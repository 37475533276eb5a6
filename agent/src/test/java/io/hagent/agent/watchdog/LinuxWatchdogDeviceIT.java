package io.hagent.agent.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hagent.common.config.WatchdogConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JNA ioctl path of {@link LinuxWatchdogDevice} against a device that behaves like
 * /dev/watchdog: the FUSE test device (see {@link FuseWatchdog}); this machine has no softdog.
 * Skipped with the reason when FUSE cannot be mounted here.
 */
class LinuxWatchdogDeviceIT {
  @TempDir Path dir;
  FuseWatchdog fuse;

  @BeforeEach
  void mount() throws Exception {
    String why = FuseWatchdog.unavailable().orElse(null);
    assumeTrue(why == null, "no FUSE test watchdog: " + why);
    fuse = FuseWatchdog.mount(dir);
  }

  @AfterEach
  void unmount() {
    if (fuse != null) {
      fuse.close();
    }
  }

  @Test
  void ioctlsSetAndReadTheTimeoutAndMagicCloseStopsIt() throws Exception {
    LinuxWatchdogDevice d = new LinuxWatchdogDevice(fuse.device().toString());
    assertTrue(d.isHealthy());
    d.open();
    assertTrue(d.isRunning());
    assertTrue(d.hasSetTimeout());
    assertTrue(d.canBeDisabled());
    d.setTimeout(2);
    assertEquals(2, d.getTimeout());
    assertEquals("hagent test watchdog at " + fuse.device(), d.describe());
    for (int i = 0; i < 4; i++) {
      Thread.sleep(1000);
      d.keepalive();
    }
    d.close();
    assertFalse(d.isRunning());
    Thread.sleep(2500);
    List<String> names = fuse.events().stream().map(FuseWatchdog.Event::name).toList();
    assertEquals(
        List.of(
            "open",
            "getsupport",
            "settimeout",
            "keepalive",
            "keepalive",
            "keepalive",
            "keepalive",
            "keepalive-magic",
            "close"),
        names);
    assertFalse(fuse.fired(), "fed every second with a 2 s timeout, then closed with 'V'");
  }

  @Test
  void firesWhenNotFedInTime() throws Exception {
    LinuxWatchdogDevice d = new LinuxWatchdogDevice(fuse.device().toString());
    d.open();
    d.setTimeout(1);
    Thread.sleep(2000);
    assertTrue(fuse.fired(), "events: " + fuse.events());
    d.close();
  }

  @Test
  void aSecondOpenerIsRefusedAndTheErrorNamesTheDevice() throws Exception {
    LinuxWatchdogDevice first = new LinuxWatchdogDevice(fuse.device().toString());
    first.open();
    WatchdogException e =
        assertThrows(
            WatchdogException.class,
            () -> new LinuxWatchdogDevice(fuse.device().toString()).open());
    assertTrue(e.getMessage().startsWith("Can't open watchdog device: "), e.getMessage());
    first.close();
  }

  @Test
  void theFacadeOpensWithTtlMinusSafetyMarginAndClosesCleanly() throws Exception {
    Watchdog w = Watchdog.of(new WatchdogConfig("required", fuse.device().toString(), 5));
    assertTrue(w.isHealthy(30, 10));
    assertTrue(w.activate(30, 10));
    w.keepalive(30, 10);
    w.keepalive(40, 10); // ttl changed in the dynamic configuration
    w.disable();
    assertEquals(
        List.of(25, 35),
        fuse.events("settimeout").stream().map(FuseWatchdog.Event::value).toList());
    assertEquals(1, fuse.awaitEvents("close", 1, 5000).size());
  }

  @Test
  void aMissingDeviceIsReportedAsPatroniDoes() {
    String none = dir.resolve("none").toString();
    WatchdogException e =
        assertThrows(WatchdogException.class, () -> new LinuxWatchdogDevice(none).open());
    assertEquals(
        "Can't open watchdog device: [Errno 2] No such file or directory: '" + none + "'",
        e.getMessage());
    Watchdog w = Watchdog.of(new WatchdogConfig("required", none, 5));
    assertFalse(w.isHealthy(30, 10));
    assertFalse(w.activate(30, 10));
  }
}
