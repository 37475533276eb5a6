package io.hagent.agent.ha;

import io.hagent.agent.ha.HaLoop.FatalError;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one long action in progress (Patroni's AsyncExecutor): pg_basebackup, pg_rewind, initdb, a
 * start, a restart or a reinitialisation runs on its own thread while the HA loop keeps cycling,
 * renewing the lock and publishing {@link #state()}. At most one runs at a time; it owns PostgreSQL
 * until it ends, and the loop's decisions leave PostgreSQL alone meanwhile (they may only cancel
 * it).
 */
final class BackgroundTask {
  private static final Logger LOG = LoggerFactory.getLogger(BackgroundTask.class);

  /** What a finished task reports: the sentence it ended with, and whether it failed fatally. */
  record Result(String message, boolean ok) {}

  private record Running(String action, Thread thread, CompletableFuture<Result> done) {}

  private final Runnable onDone;
  private volatile Running running;
  private volatile String state;
  private volatile FatalError fatal;

  /**
   * @param onDone called on the task's thread when it ends (wakes the loop so the next cycle acts
   *     on the result at once)
   */
  BackgroundTask(Runnable onDone) {
    this.onDone = onDone;
  }

  /**
   * Starts {@code work} as {@code action} (Patroni's action name: "restart", "bootstrap from leader
   * 'node1'", ...) unless another task runs.
   *
   * @param initialState the PostgreSQL state to publish while it runs (null: what the probe says)
   * @return the task's result, or null if another task is in progress
   */
  synchronized CompletableFuture<Result> start(
      String action, String initialState, Supplier<Result> work) {
    if (running != null) {
      return null;
    }
    CompletableFuture<Result> done = new CompletableFuture<>();
    state = initialState;
    Thread t =
        new Thread(
            () -> {
              Result r;
              try {
                r = work.get();
              } catch (FatalError e) {
                fatal = e;
                r = new Result(e.getMessage(), false);
              } catch (RuntimeException e) {
                LOG.error("Unexpected error during {}", action, e);
                r = new Result(action + " failed", false);
              }
              finish(done, r);
            },
            "ha-task");
    t.setDaemon(true);
    running = new Running(action, t, done);
    t.start();
    return done;
  }

  private void finish(CompletableFuture<Result> done, Result r) {
    synchronized (this) {
      running = null;
      state = null;
    }
    done.complete(r);
    onDone.run();
  }

  /** Patroni's name of the action in progress, or null when idle. */
  String busyWith() {
    Running r = running;
    return r == null ? null : r.action();
  }

  /** The PostgreSQL state to publish while the task runs (null: what the probe says). */
  String state() {
    return running == null ? null : state;
  }

  /** Called by the task as it moves on (e.g. "creating replica", then "starting"). */
  void setState(String s) {
    state = s;
  }

  /** Whether the calling code runs as the background task. */
  boolean isTaskThread() {
    Running r = running;
    return r != null && Thread.currentThread() == r.thread();
  }

  /**
   * Interrupts the task in progress (its child process is killed) and waits up to {@code seconds}
   * for it to end. True when no task runs any more.
   */
  boolean cancel(int seconds) {
    Running r = running;
    if (r == null) {
      return true;
    }
    LOG.info("Cancelling {}", r.action());
    r.thread().interrupt();
    try {
      r.done().get(seconds, TimeUnit.SECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Rethrows on the loop thread a fatal error a task ended with (bootstrap failed). */
  void rethrowFatal() {
    FatalError e = fatal;
    if (e != null) {
      throw e;
    }
  }
}
