package io.hagent.common.dcs;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A prefix watch that keeps itself alive: when the stream fails or ends it starts again after a
 * short pause, from the revision after the last one it saw, so no change is missed across an etcd
 * restart. Only events the HA loop can act on reach the listener.
 */
final class PrefixWatch implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PrefixWatch.class);
  private static final long RESTART_DELAY_MS = 1000;
  private static final long MAX_RESTART_DELAY_MS = 8000;
  // failures further apart than this start a new series (first delay, logged as a warning again)
  private static final long SERIES_GAP_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final Supplier<Watch> watch;
  private final String prefix;
  private final DcsListener listener;
  private final ScheduledExecutorService scheduler;
  private Watch.Watcher watcher;
  private long nextRevision; // 0 = from now
  private boolean closed;
  private int generation; // callbacks of a replaced watcher carry an older number and are ignored
  private int failures; // consecutive failures of the current series
  private long lastFailureNanos;
  private long lastWarningNanos;

  PrefixWatch(
      Supplier<Watch> watch,
      String prefix,
      DcsListener listener,
      ScheduledExecutorService scheduler) {
    this.watch = watch;
    this.prefix = prefix;
    this.listener = listener;
    this.scheduler = scheduler;
  }

  /**
   * Opens the stream. Never called with our lock held: jetcd calls back into us while holding its
   * own watch lock, so holding ours while calling jetcd could deadlock.
   */
  void start() {
    int gen;
    WatchOption.Builder option = WatchOption.builder().isPrefix(true).withPrevKV(true);
    synchronized (this) {
      if (closed) {
        return;
      }
      gen = ++generation;
      if (nextRevision > 0) {
        option.withRevision(nextRevision);
      }
    }
    Watch.Watcher started;
    try {
      started =
          watch
              .get()
              .watch(
                  bytes(prefix),
                  option.build(),
                  response -> onResponse(gen, response),
                  error -> onError(gen, error),
                  () -> replace(gen, RESTART_DELAY_MS));
    } catch (RuntimeException e) {
      onError(gen, e);
      return;
    }
    boolean keep;
    synchronized (this) {
      keep = current(gen);
      if (keep) {
        watcher = started;
      }
    }
    if (!keep) {
      started.close(); // it already failed (or we were closed) and a replacement is scheduled
    }
  }

  private synchronized boolean current(int gen) {
    return !closed && gen == generation;
  }

  private void onResponse(int gen, WatchResponse response) {
    if (!current(gen)) {
      return;
    }
    for (WatchEvent event : response.getEvents()) {
      KeyValue kv = event.getKeyValue();
      synchronized (this) {
        nextRevision = Math.max(nextRevision, kv.getModRevision() + 1);
      }
      boolean deleted = event.getEventType() == WatchEvent.EventType.DELETE;
      String key = text(kv.getKey()).substring(prefix.length());
      if (!relevant(key) || (!deleted && unchanged(event))) {
        continue;
      }
      try {
        listener.changed(key, deleted);
      } catch (RuntimeException e) {
        LOG.error("DCS listener failed on {}", key, e);
      }
    }
  }

  private static boolean relevant(String key) {
    return switch (key) {
      case "leader", "config", "failover", "status", "sync", "optime/leader" -> true;
      default -> key.startsWith("members/");
    };
  }

  /** A leader key re-attached to a new lease keeps its value: nothing to wake up for. */
  private static boolean unchanged(WatchEvent event) {
    KeyValue prev = event.getPrevKV();
    return prev != null
        && prev.getVersion() > 0
        && prev.getValue().equals(event.getKeyValue().getValue());
  }

  private void onError(int gen, Throwable error) {
    if (!current(gen)) {
      return;
    }
    boolean compacted = error instanceof CompactedException;
    if (compacted) {
      synchronized (this) {
        nextRevision = 0; // history is gone: resume from now and make the reader re-read
      }
    }
    long delayMs;
    boolean warn;
    synchronized (this) {
      long now = System.nanoTime();
      if (failures > 0 && now - lastFailureNanos > SERIES_GAP_NANOS) {
        failures = 0;
      }
      failures++;
      lastFailureNanos = now;
      delayMs = restartDelayMs(failures);
      warn = failures == 1 || now - lastWarningNanos > WARN_EVERY_NANOS;
      if (warn) {
        lastWarningNanos = now;
      }
    }
    // While etcd is down the HA loop reports the outage every cycle; the watch says so once a
    // minute and otherwise only at DEBUG, instead of a line per retry.
    if (warn) {
      LOG.warn(
          "etcd watch on {} failed: {}; restarting in {} ms", prefix, error.getMessage(), delayMs);
    } else {
      LOG.debug("etcd watch on {} failed again: {}", prefix, error.getMessage());
    }
    replace(gen, delayMs);
    if (compacted) {
      listener.changed("leader", false);
    }
  }

  /** Starts over on a new client at once (the old one is being closed). */
  void restart() {
    replace(null, 0);
  }

  /** 1, 2, 4, 8, 8, ... seconds: an outage is not hammered, a blip is retried soon. */
  static long restartDelayMs(int consecutiveFailures) {
    int doublings = Math.min(Math.max(consecutiveFailures, 1) - 1, 3);
    return Math.min(RESTART_DELAY_MS << doublings, MAX_RESTART_DELAY_MS);
  }

  /**
   * Drops the current watcher and schedules a new one; with {@code onlyGen}, only if that watcher
   * is still the current one (a late callback of a replaced watcher changes nothing).
   */
  private void replace(Integer onlyGen, long delayMs) {
    Watch.Watcher old;
    synchronized (this) {
      if (closed || (onlyGen != null && onlyGen != generation)) {
        return;
      }
      generation++;
      old = watcher;
      watcher = null;
    }
    if (old != null) {
      old.close();
    }
    schedule(delayMs);
  }

  private void schedule(long delayMs) {
    try {
      scheduler.schedule(this::start, delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the DCS is closing; nothing to restart
    }
  }

  @Override
  public void close() {
    Watch.Watcher old;
    synchronized (this) {
      closed = true;
      old = watcher;
      watcher = null;
    }
    if (old != null) {
      old.close();
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static String text(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }
}
