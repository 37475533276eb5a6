package io.hagent.agent.api;

import java.util.ArrayList;
import java.util.List;

/**
 * Measures how long this JVM's threads could not run (GC pauses, a CPU shared by more runnable
 * threads than cores), the way jHiccup does: a thread asks to sleep 1 ms and records by how much it
 * overslept. A latency bound in a test then applies to the time the code under test had.
 */
public final class StallMeter implements AutoCloseable {
  /** One stall: when it ended (System.nanoTime()) and how long it was. */
  record Stall(long endNanos, long nanos) {}

  private static final long SLEEP_NANOS = 1_000_000;
  private static final long RECORD_ABOVE_NANOS = 5_000_000;

  private final List<Stall> stalls = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  public StallMeter() {
    thread = new Thread(this::run, "stall-meter");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    while (running) {
      long t0 = System.nanoTime();
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        return;
      }
      long t1 = System.nanoTime();
      long over = t1 - t0 - SLEEP_NANOS;
      if (over > RECORD_ABOVE_NANOS) {
        synchronized (this) {
          stalls.add(new Stall(t1, over));
        }
      }
    }
  }

  /** The stall time measured within [fromNanos, toNanos] (stalls overlapping it, summed). */
  public synchronized long stalledNanos(long fromNanos, long toNanos) {
    long sum = 0;
    for (Stall s : stalls) {
      long start = s.endNanos() - s.nanos();
      long overlap = Math.min(s.endNanos(), toNanos) - Math.max(start, fromNanos);
      if (overlap > 0) {
        sum += overlap;
      }
    }
    return sum;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(2000);
  }
}
