package io.hagent.agent.watchdog;

/** A watchdog device could not be opened, configured, fed or closed; the message says which. */
public final class WatchdogException extends Exception {
  private static final long serialVersionUID = 1L;

  public WatchdogException(String message) {
    super(message);
  }
}
