package io.hagent.it;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polling with a deadline; the failure message says what was awaited and the last observation. */
public final class Wait {
  private static final Duration POLL = Duration.ofMillis(250);

  private Wait() {}

  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    forValue(what, timeout, () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty());
  }

  public static <T> T forValue(String what, Duration timeout, Supplier<Optional<T>> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (true) {
      try {
        Optional<T> value = probe.get();
        if (value.isPresent()) {
          return value.get();
        }
      } catch (RuntimeException e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        AssertionError failure =
            new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
        if (last != null) {
          failure.initCause(last);
        }
        throw failure;
      }
      sleep(POLL);
    }
  }

  public static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
