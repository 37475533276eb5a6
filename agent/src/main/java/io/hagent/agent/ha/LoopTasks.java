package io.hagent.agent.ha;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * Work handed to the HA loop by other threads (REST management calls). The loop runs it between
 * cycles, so PostgreSQL is only ever driven from one thread and never behind a decision's back.
 */
final class LoopTasks {
  private record Task<T>(Supplier<T> work, CompletableFuture<T> result) {
    void run() {
      try {
        result.complete(work.get());
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    }
  }

  private final ConcurrentLinkedQueue<Task<?>> queue = new ConcurrentLinkedQueue<>();

  <T> CompletableFuture<T> submit(Supplier<T> work) {
    CompletableFuture<T> f = new CompletableFuture<>();
    queue.add(new Task<>(work, f));
    return f;
  }

  /** Runs every queued task on the calling (loop) thread. */
  void runPending() {
    Task<?> t;
    while ((t = queue.poll()) != null) {
      t.run();
    }
  }
}
