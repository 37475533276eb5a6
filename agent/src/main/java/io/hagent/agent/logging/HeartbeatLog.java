package io.hagent.agent.logging;

import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * The HA loop's per-cycle sentence ({@code no action. I am (node1), the leader with the lock},
 * {@code Lock owner: node1; I am node2}), printed like Patroni's {@code
 * log.deduplicate_heartbeat_logs}:
 *
 * <ul>
 *   <li>off (Patroni's default): every cycle's line is printed;
 *   <li>on: a line identical to the previous one is not printed again, except as a reminder once
 *       every {@code repeatEvery} (10 minutes by default) so a quiet log still shows the node is
 *       alive. A changed line is always printed at once.
 * </ul>
 *
 * One instance per kind of line; not thread-safe (the HA loop is one thread).
 */
public final class HeartbeatLog {
  /** How often an unchanged line is printed anyway when deduplicating. */
  public static final java.time.Duration DEFAULT_REPEAT = java.time.Duration.ofMinutes(10);

  private final Logger logger;
  private boolean deduplicate;
  private final long repeatNanos;
  private final LongSupplier nanoClock;
  private String last;
  private long lastPrintedAt;

  /**
   * @param nanoClock a monotonic clock in nanoseconds (System::nanoTime in production)
   */
  public HeartbeatLog(
      Logger logger, boolean deduplicate, java.time.Duration repeatEvery, LongSupplier nanoClock) {
    this.logger = Objects.requireNonNull(logger);
    this.deduplicate = deduplicate;
    this.repeatNanos = repeatEvery.toNanos();
    this.nanoClock = nanoClock;
  }

  public HeartbeatLog(Logger logger, boolean deduplicate) {
    this(logger, deduplicate, DEFAULT_REPEAT, System::nanoTime);
  }

  /** A reload changed {@code log.deduplicate_heartbeat_logs}: applies from the next line on. */
  public void setDeduplicate(boolean deduplicate) {
    this.deduplicate = deduplicate;
  }

  /**
   * Logs {@code message} at INFO unless it repeats the previous one (when deduplicating).
   *
   * @return whether the line was printed
   */
  public boolean info(String message) {
    long now = nanoClock.getAsLong();
    boolean print =
        !deduplicate || last == null || !last.equals(message) || now - lastPrintedAt >= repeatNanos;
    if (print) {
      logger.info(message);
      lastPrintedAt = now;
    }
    last = message;
    return print;
  }

  /**
   * Reads {@code log.deduplicate_heartbeat_logs} from the raw configuration tree ({@code
   * HagentConfig.raw()}); YAML booleans and the strings true/on/yes/1 count as on. Unlike Patroni,
   * hagent deduplicates by default (a heartbeat every loop_wait drowns the state changes an
   * operator looks for); {@code deduplicate_heartbeat_logs: false} restores Patroni's output.
   */
  public static boolean enabledIn(Map<String, Object> rawConfig) {
    if (rawConfig == null || !(rawConfig.get("log") instanceof Map<?, ?> log)) {
      return true;
    }
    Object value = log.get("deduplicate_heartbeat_logs");
    if (value == null) {
      return true;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    return java.util.List.of("true", "on", "yes", "1")
        .contains(value.toString().trim().toLowerCase(java.util.Locale.ROOT));
  }
}
