package io.hagent.agent;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd that the agent is ready (hagent.service has {@code Type=notify}).
 *
 * <p>The notify protocol is a datagram on the Unix socket named by {@code NOTIFY_SOCKET}. Java 17
 * supports Unix domain <em>stream</em> sockets only (SocketChannel, JEP 380), not datagrams, so
 * without native code the JVM cannot send it. Instead we run {@code systemd-notify --ready
 * --pid=<our pid>}: the unit sets {@code NotifyAccess=all} so a child may speak for the service,
 * {@code MAINPID} names the JVM, and systemd-notify waits (BARRIER=1) until systemd has processed
 * the message, so it is not lost when the short-lived sender exits.
 */
public final class SystemdNotify {
  private static final Logger LOG = LoggerFactory.getLogger(SystemdNotify.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Map<String, String> env;
  private final String executable;
  private final long pid;

  SystemdNotify(Map<String, String> env, String executable, long pid) {
    this.env = env;
    this.executable = executable;
    this.pid = pid;
  }

  /** For this process, started by systemd or not. */
  public static SystemdNotify fromEnvironment() {
    return new SystemdNotify(System.getenv(), "systemd-notify", ProcessHandle.current().pid());
  }

  /** Runs not under a Type=notify unit: nothing to do. */
  public boolean enabled() {
    String socket = env.get("NOTIFY_SOCKET");
    return socket != null && !socket.isBlank();
  }

  /**
   * Reports READY=1 with our PID. Never throws: a failed notification is logged, and systemd will
   * then fail the start after TimeoutStartSec, which is the visible signal.
   *
   * @return whether systemd-notify reported success (false when not under systemd)
   */
  public boolean ready() {
    if (!enabled()) {
      return false;
    }
    List<String> command = List.of(executable, "--ready", "--pid=" + pid);
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().put("NOTIFY_SOCKET", env.get("NOTIFY_SOCKET"));
      Process process = builder.start();
      process.getOutputStream().close();
      if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        LOG.warn("systemd-notify --ready did not finish within {} s", TIMEOUT.toSeconds());
        return false;
      }
      String output = new String(process.getInputStream().readAllBytes()).trim();
      if (process.exitValue() != 0) {
        LOG.warn("systemd-notify --ready failed (exit {}): {}", process.exitValue(), output);
        return false;
      }
      return true;
    } catch (IOException e) {
      LOG.warn("could not run {}: {}", executable, e.getMessage());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
