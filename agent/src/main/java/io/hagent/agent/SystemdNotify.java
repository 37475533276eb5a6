package io.hagent.agent;

import java.io.IOException;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd about the agent's state (hagent.service has {@code Type=notify}).
 *
 * <p>The message is a datagram on the Unix socket named by {@code NOTIFY_SOCKET}, sent by the JVM
 * itself ({@link UnixDatagram}), so the unit can say {@code NotifyAccess=main}: systemd then
 * ignores every other process of the unit. That matters because PostgreSQL built with systemd
 * support sends READY=1 and STOPPING=1 of its own whenever it finds NOTIFY_SOCKET; with {@code
 * NotifyAccess=all} a postmaster stopping for a switchover or restart made systemd believe the
 * agent was stopping. The agent's children never see the variable either (ProcessRunner scrubs it).
 *
 * <p>Only the messages systemd acts on for a Type=notify service are sent: READY=1 once the REST
 * API listens, STOPPING=1 when a termination signal arrives, STATUS= as a one-line summary, and
 * around a SIGHUP reload RELOADING=1 (with MONOTONIC_USEC, which systemd 253+ expects to match the
 * reload it asked for under Type=notify-reload) followed by READY=1 once the reload is applied.
 */
public final class SystemdNotify {
  private static final Logger LOG = LoggerFactory.getLogger(SystemdNotify.class);

  /** How a message reaches the socket; a seam for tests. */
  interface Sender {
    void send(String socket, String message) throws IOException;
  }

  private final String socket;
  private final Sender sender;
  private final LongSupplier monotonicNanos;

  SystemdNotify(Map<String, String> env, Sender sender) {
    this(env, sender, System::nanoTime);
  }

  /**
   * @param monotonicNanos CLOCK_MONOTONIC in nanoseconds: System.nanoTime on Linux is that clock,
   *     which is the one MONOTONIC_USEC is read against
   */
  SystemdNotify(Map<String, String> env, Sender sender, LongSupplier monotonicNanos) {
    String s = env.get("NOTIFY_SOCKET");
    this.socket = s == null || s.isBlank() ? null : s;
    this.sender = sender;
    this.monotonicNanos = monotonicNanos;
  }

  /** For this process, started by systemd or not. */
  public static SystemdNotify fromEnvironment() {
    return new SystemdNotify(System.getenv(), UnixDatagram::send);
  }

  /** Runs not under a Type=notify unit: nothing to do. */
  public boolean enabled() {
    return socket != null;
  }

  /** READY=1: start-up is complete (the REST API listens). */
  public boolean ready(String status) {
    return send("READY=1\nSTATUS=" + oneLine(status));
  }

  /**
   * RELOADING=1: a reload (SIGHUP) has begun; {@link #ready} follows when it is done. systemd keeps
   * the unit in "reloading" until then, so `systemctl reload` returns once the agent has applied
   * the file.
   */
  public boolean reloading(String status) {
    return send(
        "RELOADING=1\nMONOTONIC_USEC="
            + monotonicNanos.getAsLong() / 1000
            + "\nSTATUS="
            + oneLine(status));
  }

  /** STOPPING=1: a termination signal arrived, the agent is shutting down. */
  public boolean stopping(String status) {
    return send("STOPPING=1\nSTATUS=" + oneLine(status));
  }

  /** STATUS=: free text shown by `systemctl status`. */
  public boolean status(String status) {
    return send("STATUS=" + oneLine(status));
  }

  /**
   * Never throws: a failed notification is logged, and systemd then fails the start after
   * TimeoutStartSec, which is the visible signal.
   *
   * @return whether the datagram was sent (false when not under systemd)
   */
  private boolean send(String message) {
    if (socket == null) {
      return false;
    }
    try {
      sender.send(socket, message);
      return true;
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not notify systemd on {}: {}", socket, e.getMessage());
      return false;
    }
  }

  /** A newline would start a new KEY=value assignment that systemd would act on. */
  static String oneLine(String text) {
    return text.replace('\n', ' ').replace('\r', ' ');
  }
}
