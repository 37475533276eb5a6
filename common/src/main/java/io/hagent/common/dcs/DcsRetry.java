package io.hagent.common.dcs;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's retry of a DCS operation: attempts, each with its own deadline, separated by a growing
 * pause, until one succeeds or {@code retry_timeout} has passed since the operation began. A DCS or
 * network problem shorter than {@code retry_timeout} is therefore ridden out inside one call, and
 * the HA loop only hears of problems that outlast it.
 *
 * <p>Only {@link Transient} failures (no connection, no answer in time, no etcd leader) are
 * retried; an answer that says no (a failed comparison, a refused login) is final at once.
 *
 * <p>The per-attempt deadline is a third of {@code retry_timeout} (at least one second): a hung
 * connection to one etcd member must not use up the whole budget, since the next attempt runs on a
 * fresh channel that may reach another member (see {@code EtcdDcs.client()}).
 */
final class DcsRetry {
  private static final Logger LOG = LoggerFactory.getLogger(DcsRetry.class);

  /** Patroni's Retry for etcd: first pause 0.1 s, doubled each time, at most 1 s. */
  static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  static final long MAX_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(1);
  static final long MIN_ATTEMPT_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** The shortest last attempt worth making just before retry_timeout runs out. */
  static final long LAST_ATTEMPT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** One attempt; it must give up by {@code deadline}. */
  @FunctionalInterface
  interface Attempt<T> {
    T run(Deadline deadline) throws DcsException;
  }

  @FunctionalInterface
  interface Sleeper {
    void sleep(long nanos) throws InterruptedException;
  }

  /** The moment by which one attempt must have finished. */
  record Deadline(long atNanos, LongSupplier clock) {
    long remainingNanos() {
      return atNanos - clock.getAsLong();
    }
  }

  /** A failure worth another attempt: etcd was not reached, or did not answer in time. */
  static class Transient extends DcsException {
    private static final long serialVersionUID = 1L;

    Transient(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final String store;
  private final String server;
  private final LongSupplier clock;
  private final Sleeper sleeper;

  /**
   * @param server the configured endpoints, for the log
   */
  DcsRetry(String server, LongSupplier clock, Sleeper sleeper) {
    this("etcd", server, clock, sleeper);
  }

  /**
   * @param store the store's name, the prefix of every message ("etcd", "zookeeper")
   * @param server the configured endpoints, for the log
   */
  DcsRetry(String store, String server, LongSupplier clock, Sleeper sleeper) {
    this.store = store;
    this.server = server;
    this.clock = clock;
    this.sleeper = sleeper;
  }

  /**
   * Runs {@code attempt} until it succeeds, fails for good, or {@code retryTimeoutSeconds} have
   * passed since this call began.
   *
   * @throws DcsException the last failure once the time is up (message prefixed {@code etcd: }), or
   *     at once a failure that is not {@link Transient}
   */
  <T> T call(String operation, int retryTimeoutSeconds, Attempt<T> attempt) throws DcsException {
    long start = clock.getAsLong();
    long budget = TimeUnit.SECONDS.toNanos(retryTimeoutSeconds);
    long stop = start + budget;
    long perAttempt = Math.max(MIN_ATTEMPT_NANOS, budget / 3);
    long pause = FIRST_PAUSE_NANOS;
    int failed = 0;
    String lastError = null;
    while (true) {
      long now = clock.getAsLong();
      Deadline deadline = new Deadline(now + Math.min(perAttempt, stop - now), clock);
      try {
        T result = attempt.run(deadline);
        if (failed > 0) {
          LOG.info(
              "{} succeeded on {} after {} failed attempts ({} s after it began)",
              operation,
              server,
              failed,
              String.format("%.1f", (clock.getAsLong() - start) / 1e9));
        }
        return result;
      } catch (Transient e) {
        failed++;
        // Patroni's words for a failed request (AbstractEtcdClientWithFailover._do_http_request);
        // the same error again within one operation only at debug, so that a 10 s outage is a
        // few lines and not two dozen
        if (!e.getMessage().equals(lastError)) {
          LOG.error("Request to server {} failed: {}", server, e.getMessage());
          LOG.info("Reconnection allowed, looking for another server.");
          lastError = e.getMessage();
        }
        // unlike Patroni, which gives up when the next pause would cross the deadline (up to 1 s
        // early), the pause is shortened so that the last attempt runs at the deadline
        long left = stop - clock.getAsLong();
        if (left < LAST_ATTEMPT_NANOS) {
          LOG.warn("Retry got exception: {}", e.getMessage());
          throw new DcsException(
              store
                  + ": "
                  + operation
                  + ": exceeded retry deadline of "
                  + retryTimeoutSeconds
                  + " s after "
                  + failed
                  + (failed == 1 ? " attempt" : " attempts")
                  + " ("
                  + stripPrefix(store, e.getMessage())
                  + ")",
              e);
        }
        LOG.debug("Retry got exception: {}", e.getMessage());
        try {
          sleeper.sleep(Math.min(pause, left - LAST_ATTEMPT_NANOS));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new DcsException(store + ": interrupted", ie);
        }
        pause = Math.min(MAX_PAUSE_NANOS, pause * 2);
      }
    }
  }

  private static String stripPrefix(String store, String message) {
    String prefix = store + ": ";
    return message != null && message.startsWith(prefix)
        ? message.substring(prefix.length())
        : message;
  }
}
