package io.hagent.common.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The retry policy on a fake clock: no etcd, no real sleeping. */
class DcsRetryTest {

  private static final long S = TimeUnit.SECONDS.toNanos(1);
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  /** A clock that moves only when the retry sleeps or an attempt "takes" time. */
  private static final class FakeTime {
    long now = 1_000 * S;
    final List<Long> sleeps = new ArrayList<>();

    DcsRetry retry() {
      return new DcsRetry(
          "http://127.0.0.1:2379",
          () -> now,
          nanos -> {
            sleeps.add(nanos);
            now += nanos;
          });
    }
  }

  /**
   * An etcd that is down until {@code upAt} (fake nanos); each failed attempt costs {@code cost}.
   */
  private static DcsRetry.Attempt<String> etcdDownUntil(
      FakeTime t, long upAt, long cost, List<Long> attemptDeadlines) {
    return deadline -> {
      attemptDeadlines.add(deadline.remainingNanos());
      if (t.now >= upAt) {
        return "ok";
      }
      t.now += Math.min(cost, deadline.remainingNanos());
      throw new DcsRetry.Transient("etcd: UNAVAILABLE: io exception", null);
    };
  }

  @Test
  void aBlipShorterThanRetryTimeoutIsRiddenOut() throws Exception {
    FakeTime t = new FakeTime();
    List<Long> deadlines = new ArrayList<>();
    long start = t.now;
    String result =
        t.retry().call("get_cluster", 10, etcdDownUntil(t, start + 8 * S, 10 * MS, deadlines));
    assertEquals("ok", result);
    assertTrue(t.now - start >= 8 * S, "retried until etcd was back");
    assertTrue(t.now - start < 10 * S, "and returned within retry_timeout");
    // Patroni's backoff: 0.1 s doubling to at most 1 s
    assertEquals(List.of(100 * MS, 200 * MS, 400 * MS, 800 * MS, S, S), t.sleeps.subList(0, 6));
  }

  @Test
  void anOutageLongerThanRetryTimeoutFailsAtRetryTimeoutNotBefore() {
    FakeTime t = new FakeTime();
    List<Long> deadlines = new ArrayList<>();
    long start = t.now;
    DcsException e =
        assertThrows(
            DcsException.class,
            () ->
                t.retry()
                    .call(
                        "update_leader", 10, etcdDownUntil(t, Long.MAX_VALUE, 10 * MS, deadlines)));
    long took = t.now - start;
    // the last attempt runs at the deadline (Patroni gives up to 1 s earlier)
    assertTrue(took >= 9_900 * MS && took <= 10 * S, "gave up after " + took / 1e9 + " s");
    assertTrue(deadlines.size() > 5, "many attempts, not three: " + deadlines.size());
    assertTrue(e.getMessage().startsWith("etcd: update_leader: exceeded retry deadline of 10 s"));
    assertTrue(e.getMessage().contains("UNAVAILABLE: io exception"), e.getMessage());
  }

  @Test
  void eachAttemptHasItsOwnDeadlineWithinTheOperationsBudget() {
    FakeTime t = new FakeTime();
    List<Long> deadlines = new ArrayList<>();
    long start = t.now;
    // a hung etcd: every attempt runs until its own deadline
    assertThrows(
        DcsException.class,
        () ->
            t.retry().call("get_cluster", 9, etcdDownUntil(t, Long.MAX_VALUE, 60 * S, deadlines)));
    assertEquals(3 * S, deadlines.get(0), "a third of retry_timeout");
    assertTrue(deadlines.size() >= 3, "a hung attempt does not use up the whole budget");
    assertTrue(t.now - start <= 9 * S, "never past retry_timeout: " + (t.now - start) / 1e9);
    for (long d : deadlines) {
      assertTrue(d > 0 && d <= 3 * S, "attempt deadline " + d);
    }
  }

  @Test
  void theAttemptDeadlineIsAtLeastOneSecond() {
    FakeTime t = new FakeTime();
    List<Long> deadlines = new ArrayList<>();
    assertThrows(
        DcsException.class,
        () ->
            t.retry().call("get_cluster", 2, etcdDownUntil(t, Long.MAX_VALUE, 60 * S, deadlines)));
    assertEquals(S, deadlines.get(0));
  }

  @Test
  void aFinalAnswerIsNotRetried() {
    FakeTime t = new FakeTime();
    int[] calls = {0};
    DcsException e =
        assertThrows(
            DcsException.class,
            () ->
                t.retry()
                    .call(
                        "put config",
                        10,
                        deadline -> {
                          calls[0]++;
                          throw new DcsException("etcd: authentication failed");
                        }));
    assertEquals(1, calls[0]);
    assertEquals("etcd: authentication failed", e.getMessage());
    assertTrue(t.sleeps.isEmpty());
  }

  @Test
  void successAtOnceDoesNotSleep() throws Exception {
    FakeTime t = new FakeTime();
    assertEquals("ok", t.retry().call("get_cluster", 10, deadline -> "ok"));
    assertTrue(t.sleeps.isEmpty());
  }
}
