package io.hagent.agent.watchdog;

/**
 * One watchdog device: once opened it must be fed ({@link #keepalive}) within its timeout or it
 * resets the machine; {@link #close} stops it with the magic close where the driver supports it.
 * {@link LinuxWatchdogDevice} is the real one; tests substitute their own for the decision logic.
 */
public interface WatchdogDevice {

  /** Opens the device, which starts its timer. */
  void open() throws WatchdogException;

  /** Stops the timer (magic close) and closes the device; nothing when it is not open. */
  void close() throws WatchdogException;

  /** Resets the timer. */
  void keepalive() throws WatchdogException;

  /** The device is open (its timer runs). */
  boolean isRunning();

  /** Opening it can work: the device exists and we may write to it. */
  boolean isHealthy();

  /** {@link #close} stops the timer (the driver supports the magic close). */
  boolean canBeDisabled() throws WatchdogException;

  /** The timeout can be set. */
  boolean hasSetTimeout() throws WatchdogException;

  void setTimeout(int seconds) throws WatchdogException;

  /** The timeout in force, in seconds. */
  int getTimeout() throws WatchdogException;

  /**
   * Disarms what an earlier agent left armed, when the caller knows that PostgreSQL does not run as
   * primary here (only the fence process outlives its agent this way).
   *
   * @return whether something was disarmed
   */
  default boolean disarmLeftover() throws WatchdogException {
    return false;
  }

  /** A name for logs: the driver's identity and, if not the default, the path. */
  String describe();
}
