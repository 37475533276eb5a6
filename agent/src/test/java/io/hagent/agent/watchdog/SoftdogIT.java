package io.hagent.agent.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The JNA ioctl path on the kernel's own watchdog when the machine has one (modprobe softdog). It
 * resets the machine if this test fails between open and the magic close, so it runs only when
 * asked: HAGENT_TEST_SOFTDOG=/dev/watchdog (the device path). Skipped otherwise, with the reason;
 * LinuxWatchdogDeviceIT proves the same path on the FUSE test device.
 */
class SoftdogIT {

  @Test
  void softdogTakesTheTimeoutAndStopsOnMagicClose() throws Exception {
    String path = System.getenv("HAGENT_TEST_SOFTDOG");
    assumeTrue(
        path != null && !path.isBlank(),
        "HAGENT_TEST_SOFTDOG is not set (a failing test would reset this machine)");
    assumeTrue(Files.isWritable(Path.of(path)), path + " is missing or not writable");
    LinuxWatchdogDevice d = new LinuxWatchdogDevice(path);
    d.open();
    try {
      assumeTrue(d.canBeDisabled(), d.describe() + " has no magic close: not testing it here");
      assertTrue(d.hasSetTimeout(), d.describe());
      d.setTimeout(57);
      assertEquals(57, d.getTimeout());
      d.keepalive();
    } finally {
      d.close();
    }
    assertFalse(d.isRunning());
  }
}
