package io.hagent.agent.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.config.WatchdogConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The watchdog's modes and timeouts (§3.2) against a recording device; the real device path (ioctls
 * through JNA) is proven by LinuxWatchdogDeviceIT on a device that behaves like one.
 */
class WatchdogTest {

  /** Records what was done to it; fails on open when told to. */
  static final class FakeDevice implements WatchdogDevice {
    final List<String> calls = new ArrayList<>();
    boolean open;
    boolean failOpen;
    boolean healthy = true;
    boolean magicClose = true;
    Integer fixedTimeout; // a driver that cannot set its timeout
    int timeout = 60;

    @Override
    public void open() throws WatchdogException {
      if (failOpen) {
        throw new WatchdogException("Can't open watchdog device: [13] Permission denied");
      }
      open = true;
      calls.add("open");
    }

    @Override
    public void close() {
      if (open) {
        calls.add("close");
      }
      open = false;
    }

    @Override
    public void keepalive() {
      calls.add("keepalive");
    }

    @Override
    public boolean isRunning() {
      return open;
    }

    @Override
    public boolean isHealthy() {
      return healthy;
    }

    @Override
    public boolean canBeDisabled() {
      return magicClose;
    }

    @Override
    public boolean hasSetTimeout() {
      return fixedTimeout == null;
    }

    @Override
    public void setTimeout(int seconds) {
      timeout = seconds;
      calls.add("timeout " + seconds);
    }

    @Override
    public int getTimeout() {
      return fixedTimeout != null ? fixedTimeout : timeout;
    }

    boolean leftover;

    @Override
    public boolean disarmLeftover() {
      calls.add("disarm leftover");
      boolean had = leftover;
      leftover = false;
      return had;
    }

    @Override
    public String describe() {
      return "fake";
    }
  }

  @Test
  void aLeftoverFenceIsDisarmedOnlyWhileThisAgentHasNoActiveWatchdog() {
    Watchdog w = watchdog("automatic", 5);
    device.leftover = true;
    assertTrue(w.activate(30, 10));
    w.releaseLeftover();
    assertEquals(List.of("open", "timeout 25"), device.calls, "an active leader's fence is kept");
    w.disable();
    device.calls.clear();
    w.releaseLeftover();
    assertEquals(List.of("disarm leftover"), device.calls);
    assertFalse(device.leftover);
  }

  @Test
  void theNoneDriverIsPatronisNullWatchdog() {
    Watchdog w =
        Watchdog.of(
            new WatchdogConfig("required", "/dev/watchdog", 5, "none"),
            java.nio.file.Path.of("/x"));
    assertFalse(w.isHealthy(30, 10), "required without a device must not race");
    assertFalse(w.activate(30, 10));
    Watchdog auto =
        Watchdog.of(
            new WatchdogConfig("automatic", "/dev/watchdog", 5, "none"),
            java.nio.file.Path.of("/x"));
    assertTrue(auto.activate(30, 10));
    assertFalse(auto.isRunning());
  }

  final FakeDevice device = new FakeDevice();

  Watchdog watchdog(String mode, int margin) {
    return new Watchdog(new WatchdogConfig(mode, "/dev/watchdog", margin), p -> device);
  }

  @Test
  void leaderOpensWithTtlMinusSafetyMarginFeedsAndClosesCleanly() {
    Watchdog w = watchdog("automatic", 5);
    assertTrue(w.activate(30, 10));
    assertEquals(List.of("open", "timeout 25"), device.calls);
    assertTrue(w.isActive());
    w.keepalive(30, 10);
    w.keepalive(30, 10);
    w.disable();
    assertEquals(List.of("open", "timeout 25", "keepalive", "keepalive", "close"), device.calls);
    assertFalse(w.isActive());
    assertFalse(w.isRunning());
  }

  @Test
  void safetyMarginMinusOneIsHalfTheTtl() {
    assertTrue(watchdog("required", -1).activate(30, 10));
    assertEquals(15, device.timeout);
  }

  @Test
  void ttlChangeResetsTheTimeoutWithTheNextKeepalive() {
    Watchdog w = watchdog("required", 5);
    w.activate(30, 10);
    w.keepalive(40, 10);
    assertEquals(List.of("open", "timeout 25", "keepalive", "timeout 35"), device.calls);
  }

  @Test
  void aRenewalSlowerThanTheSafetyMarginIsNotFollowedByAKeepalive() {
    Watchdog w = watchdog("required", 5);
    w.activate(30, 10);
    w.keepaliveAfterRenewal(30, 10, 4_900_000_000L);
    w.keepaliveAfterRenewal(30, 10, 5_100_000_000L); // the key may expire 0.1 s before it fires
    assertEquals(List.of("open", "timeout 25", "keepalive"), device.calls);
  }

  @Test
  void requiredRefusesWithoutAWorkingDeviceAndIsNotHealthyAfterwards() {
    device.failOpen = true;
    Watchdog w = watchdog("required", 5);
    assertTrue(w.isHealthy(30, 10));
    assertFalse(w.activate(30, 10));
    assertFalse(w.isActive());
    assertFalse(w.isHealthy(30, 10), "a device that failed is not tried again");
  }

  @Test
  void automaticGoesOnWithoutADevice() {
    device.failOpen = true;
    Watchdog w = watchdog("automatic", 5);
    assertTrue(w.activate(30, 10));
    assertTrue(w.isActive());
    assertTrue(w.isHealthy(30, 10));
    assertFalse(w.isRunning());
  }

  @Test
  void requiredIsNotHealthyWithoutAWritableDevice() {
    device.healthy = false;
    assertFalse(watchdog("required", 5).isHealthy(30, 10));
    assertTrue(watchdog("automatic", 5).isHealthy(30, 10));
  }

  @Test
  void aTimeoutShorterThanLoopWaitIsNotUsable() {
    // ttl 30 - margin 25 = 5 s < loop_wait 10: Patroni's "less than 2x loop_wait"
    Watchdog required = watchdog("required", 25);
    assertFalse(required.isHealthy(30, 10));
    assertFalse(required.activate(30, 10));
    assertTrue(device.calls.isEmpty(), "the device is not even opened");
  }

  @Test
  void requiredRefusesADriverWhoseFixedTimeoutIsTooLong() {
    device.fixedTimeout = 60;
    assertFalse(watchdog("required", 5).activate(30, 10));
    device.calls.clear();
    device.open = false;
    assertTrue(watchdog("automatic", 5).activate(30, 10), "automatic warns and goes on");
  }

  @Test
  void offNeverOpensADevice() {
    Watchdog w = watchdog("off", 5);
    assertTrue(w.activate(30, 10));
    w.keepalive(30, 10);
    w.disable();
    assertTrue(device.calls.isEmpty());
    assertTrue(w.isHealthy(30, 10));
  }

  @Test
  void aDeviceWithoutMagicCloseIsFedOnceMoreWhenDisabled() {
    device.magicClose = false;
    Watchdog w = watchdog("automatic", 5);
    w.activate(30, 10);
    w.disable();
    assertEquals(List.of("open", "timeout 25", "keepalive", "close"), device.calls);
  }

  @Test
  void ioctlNumbersAreLinuxs() {
    // values from <linux/watchdog.h> on x86-64 / arm64
    assertEquals(0x80285700L, LinuxWatchdogDevice.WDIOC_GETSUPPORT);
    assertEquals(0x80045705L, LinuxWatchdogDevice.WDIOC_KEEPALIVE);
    assertEquals(0xC0045706L, LinuxWatchdogDevice.WDIOC_SETTIMEOUT);
    assertEquals(0x80045707L, LinuxWatchdogDevice.WDIOC_GETTIMEOUT);
  }
}
