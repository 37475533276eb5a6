package io.hagent.agent.watchdog;

import io.hagent.common.config.WatchdogConfig;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's watchdog (§3.2), as Patroni runs it: the leader activates it before it promotes and
 * every cycle it holds the lock without it, feeds it after each successful lock renewal, and closes
 * it (magic close) once PostgreSQL is stopped on demotion, on pause and on shutdown. Its timeout is
 * {@code ttl - safety_margin} so that the machine is reset before the leader key can expire and
 * another node promote (docs/fencing.md).
 *
 * <p>Modes: {@code off} never opens a device; {@code automatic} uses one if it works and otherwise
 * logs and goes on; {@code required} refuses leadership without a working one. A device that failed
 * to activate is not tried again until hagent restarts (Patroni switches to its null watchdog until
 * the configuration changes; watchdog changes need a restart here).
 *
 * <p>Thread-safe: the HA loop and the shutdown path call it.
 */
public final class Watchdog {
  private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

  private final WatchdogConfig config;
  private final Function<String, WatchdogDevice> devices;

  /** The device; null is Patroni's null watchdog (mode off, or activation failed). */
  private WatchdogDevice device;

  /** The leader asked for it and got it (Patroni: enforce_primary_role needs no activation). */
  private boolean active;

  /** A leftover of an earlier agent was looked for (and disarmed if there was one). */
  private boolean leftoverSettled;

  /** The timeout last set on the device, to reset it when ttl changes. */
  private int activeTimeout;

  /**
   * @param devices opens the device at a path (tests pass their own)
   */
  public Watchdog(WatchdogConfig config, Function<String, WatchdogDevice> devices) {
    this.config = config;
    this.devices = devices;
    this.device = isOff() ? null : devices.apply(config.device());
  }

  /**
   * The watchdog of {@code config.driver()}: the Linux device, the fence process for this data
   * directory (docs/fencing.md), or none (Patroni's null watchdog).
   */
  public static Watchdog of(WatchdogConfig config, Path dataDir) {
    return new Watchdog(
        config,
        path ->
            switch (config.driver()) {
              case "fence" -> FenceProcessDevice.forDataDir(dataDir);
              case "none" -> null;
              default -> new LinuxWatchdogDevice(path);
            });
  }

  public static Watchdog of(WatchdogConfig config) {
    return new Watchdog(config, LinuxWatchdogDevice::new);
  }

  public boolean isOff() {
    return "off".equals(config.mode());
  }

  private boolean required() {
    return "required".equals(config.mode());
  }

  /**
   * Opens and configures the device for a leader with this ttl and loop_wait.
   *
   * @return false when the mode is required and no safe watchdog could be activated: the caller
   *     must not promote (or must demote)
   */
  public synchronized boolean activate(int ttl, int loopWait) {
    int timeout = config.timeoutFor(ttl);
    if (device != null && timeout - loopWait < 0) {
      LOG.warn(
          "Watchdog not supported because leader TTL {} is less than 2x loop_wait {}",
          ttl,
          loopWait);
      device = null;
    }
    Integer actual = null;
    if (device != null) {
      try {
        device.open();
        actual = setTimeout(timeout, loopWait);
      } catch (WatchdogException e) {
        LOG.warn("Could not activate {}: {}", device.describe(), e.getMessage());
        closeQuietly();
        device = null;
      }
    }
    boolean running = device != null && device.isRunning();
    if (running) {
      try {
        if (!device.canBeDisabled()) {
          LOG.warn(
              "Watchdog implementation can't be disabled. Watchdog will trigger after hagent loses"
                  + " leader key.");
        }
      } catch (WatchdogException e) {
        LOG.warn("{}", e.getMessage());
      }
    }
    if (!running || actual == null || actual > timeout) {
      if (required()) {
        if (!running) {
          LOG.error("Configuration requires watchdog, but watchdog could not be configured.");
        } else {
          LOG.error(
              "Configuration requires watchdog, but a safe watchdog timeout {} could not be"
                  + " configured. Watchdog timeout is {}.",
              timeout,
              actual);
        }
        return false;
      }
      if (running) {
        LOG.warn(
            "Watchdog timeout {} seconds does not ensure safe termination within {} seconds",
            actual,
            timeout);
      }
    }
    if (running) {
      LOG.info(
          "{} activated with {} second timeout, timing slack {} seconds",
          device.describe(),
          actual,
          timeout - loopWait);
    }
    active = true;
    activeTimeout = timeout;
    return true;
  }

  /** Sets the timeout where the driver can; null when the device was closed as unsafe. */
  private Integer setTimeout(int timeout, int loopWait) throws WatchdogException {
    if (device.hasSetTimeout()) {
      device.setTimeout(timeout);
    }
    int actual = device.getTimeout();
    if (actual < loopWait) {
      LOG.error(
          "loop_wait of {} seconds is too long for watchdog {} second timeout", loopWait, actual);
      if (device.canBeDisabled()) {
        LOG.info("Disabling watchdog due to unsafe timeout.");
        device.close();
        device = null;
        return null;
      }
    }
    return actual;
  }

  /**
   * Feeds the device after a successful lock renewal; a changed ttl resets its timeout here, so
   * that the new timeout starts together with the renewed key.
   */
  public synchronized void keepalive(int ttl, int loopWait) {
    if (!active || device == null || !device.isRunning()) {
      return;
    }
    try {
      device.keepalive();
      int timeout = config.timeoutFor(ttl);
      if (timeout != activeTimeout) {
        if (device.hasSetTimeout()) {
          device.setTimeout(timeout);
        }
        activeTimeout = timeout;
        LOG.info(
            "{} timeout set to {} seconds, timing slack {} seconds",
            device.describe(),
            device.getTimeout(),
            timeout - loopWait);
      }
    } catch (WatchdogException e) {
      LOG.error("Error while sending keepalive: {}", e.getMessage());
    }
  }

  /**
   * Feeds the device after a lock renewal whose write was sent {@code renewalTookNanos} ago, but
   * only if that is within the safety margin: the watchdog then fires before the renewed key can
   * expire (docs/fencing.md). After a slower renewal it keeps counting from the previous keepalive,
   * which was safe for an earlier deadline.
   */
  public synchronized void keepaliveAfterRenewal(int ttl, int loopWait, long renewalTookNanos) {
    long margin = TimeUnit.SECONDS.toNanos(ttl - config.timeoutFor(ttl));
    if (active && device != null && device.isRunning() && renewalTookNanos > margin) {
      LOG.warn(
          "leader lock renewal took {} ms, longer than the watchdog's safety margin of {} s: the"
              + " watchdog is not fed for it, so that it still fires before the leader key can"
              + " expire",
          TimeUnit.NANOSECONDS.toMillis(renewalTookNanos),
          TimeUnit.NANOSECONDS.toSeconds(margin));
      return;
    }
    keepalive(ttl, loopWait);
  }

  /** Closes the device cleanly (magic close): PostgreSQL no longer runs as primary here. */
  public synchronized void disable() {
    active = false;
    if (device == null || !device.isRunning()) {
      return;
    }
    try {
      if (!device.canBeDisabled()) {
        // give the operator time to clean up before it fires
        device.keepalive();
        LOG.warn(
            "Watchdog implementation can't be disabled. System will reboot after {} seconds when"
                + " watchdog times out.",
            device.getTimeout());
      }
      device.close();
    } catch (WatchdogException e) {
      LOG.error("Error while disabling watchdog: {}", e.getMessage());
    }
  }

  /**
   * Disarms a fence process an earlier agent left armed, once this cycle has seen that PostgreSQL
   * does not run as primary here: nothing is left to fence, and it must not kill the replica this
   * agent runs (docs/fencing.md, "Which PostgreSQL").
   */
  public synchronized void releaseLeftover() {
    if (leftoverSettled || active || device == null || device.isRunning()) {
      return;
    }
    try {
      if (device.disarmLeftover()) {
        LOG.info(
            "Disarmed {} left by an earlier agent: PostgreSQL is not primary here",
            device.describe());
      }
      // only an agent before this one can leave a fence armed: one look is enough (not every loop)
      leftoverSettled = true;
    } catch (WatchdogException e) {
      LOG.warn("Could not disarm the fence left by an earlier agent: {}", e.getMessage());
    }
  }

  private void closeQuietly() {
    try {
      device.close();
    } catch (WatchdogException e) {
      // already failing; the activation error is what gets logged
    }
  }

  /** The leader has it activated (or its mode does not need a device). */
  public synchronized boolean isActive() {
    return active;
  }

  /** The device is open. */
  public synchronized boolean isRunning() {
    return device != null && device.isRunning();
  }

  /**
   * Whether this node may race for the leader key: always unless the mode is required, then only
   * with a device that can be opened and a timeout that leaves room for a loop.
   */
  public synchronized boolean isHealthy(int ttl, int loopWait) {
    if (!required()) {
      return true;
    }
    return config.timeoutFor(ttl) - loopWait >= 0 && device != null && device.isHealthy();
  }
}
