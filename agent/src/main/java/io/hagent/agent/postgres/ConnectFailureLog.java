package io.hagent.agent.postgres;

import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says why the agent cannot connect to its own PostgreSQL (authentication, TLS, address), without a
 * flood: the connection is retried every 200 ms while starting and on every probe, so each distinct
 * reason is logged at most once per interval (loop_wait, so at most once per HA cycle).
 */
final class ConnectFailureLog {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectFailureLog.class);
  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10); // Patroni's default loop_wait

  private final LongSupplier nanoClock;
  private final Consumer<String> sink;
  private final Map<String, Long> lastLogged = new HashMap<>();
  private long intervalNanos = DEFAULT_INTERVAL.toNanos();

  ConnectFailureLog() {
    this(System::nanoTime, LOG::warn);
  }

  ConnectFailureLog(LongSupplier nanoClock, Consumer<String> sink) {
    this.nanoClock = nanoClock;
    this.sink = sink;
  }

  /** The HA loop's loop_wait: the same reason is repeated at most once per this interval. */
  synchronized void interval(Duration interval) {
    intervalNanos = Math.max(1, interval.toNanos());
  }

  /**
   * Reports a failed connection attempt to {@code target}; logs it unless the same reason was
   * logged less than one interval ago.
   *
   * @param secret a password the driver's message must not show (null: none)
   * @return whether a line was logged
   */
  synchronized boolean failed(String target, SQLException e, String secret) {
    String reason = reason(e, secret);
    long now = nanoClock.getAsLong();
    Long last = lastLogged.get(reason);
    if (last != null && now - last < intervalNanos) {
      return false;
    }
    // forget reasons that are older than an interval, so the map stays as small as the variety
    lastLogged.values().removeIf(t -> now - t >= intervalNanos);
    lastLogged.put(reason, now);
    sink.accept("can not connect to PostgreSQL at " + target + ": " + reason);
    return true;
  }

  /**
   * The driver's message with its causes ("The connection attempt failed." alone says nothing about
   * a TLS or DNS problem), without {@code secret}.
   */
  static String reason(SQLException e, String secret) {
    StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
    Throwable c = e.getCause();
    for (int depth = 0; c != null && depth < 5; depth++, c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && !m.isBlank() && sb.indexOf(m) < 0) {
        sb.append(": ").append(m);
      }
    }
    String out = sb.toString();
    if (secret != null && !secret.isEmpty()) {
      out = out.replace(secret, "******");
    }
    return out;
  }
}
