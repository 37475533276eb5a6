package io.hagent.agent.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.postgres.Postgres;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The guard's rule with explicit time: fence a primary whose lease deadline is about to pass. */
class LeaseGuardTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final List<String> pgCalls = java.util.Collections.synchronizedList(new ArrayList<>());
  private final Postgres pg =
      (Postgres)
          Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {Postgres.class},
              (proxy, method, args) -> {
                pgCalls.add(method.getName() + (args == null ? "" : " " + args[0]));
                return method.getReturnType() == boolean.class ? true : null;
              });

  private LeaseGuard guard(LeaderLease lease, boolean primary, boolean paused) {
    return new LeaseGuard(lease, pg, now::get, () -> primary, () -> paused);
  }

  @Test
  void runningGuardFencesWhenTheDeadlineComes() throws Exception {
    LeaderLease lease = new LeaderLease(30);
    lease.renewed(now.get());
    now.addAndGet(TimeUnit.SECONDS.toNanos(29)); // inside the margin already
    try (LeaseGuard g = guard(lease, true, false)) {
      g.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (pgCalls.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
    }
    assertEquals(List.of("stop IMMEDIATE"), pgCalls);
  }

  /**
   * Issue #18: a DCS call of the loop may now block for up to retry_timeout while it retries. The
   * guard runs on its own timer and does not wait for the loop: it fences on time.
   */
  @Test
  void fencesOnTimeWhileTheLoopIsBlockedInARetriedDcsCall() throws Exception {
    LeaderLease lease = new LeaderLease(2);
    lease.renewed(System.nanoTime());
    java.util.concurrent.CountDownLatch etcdBack = new java.util.concurrent.CountDownLatch(1);
    // the loop's next renewal, retried while etcd is down
    Thread loop =
        new Thread(
            () -> {
              try {
                etcdBack.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "ha-loop");
    long start = System.nanoTime();
    loop.start();
    try (LeaseGuard g = new LeaseGuard(lease, pg, System::nanoTime, () -> true, () -> false)) {
      g.start();
      long deadline = start + TimeUnit.SECONDS.toNanos(5);
      while (pgCalls.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      long took = System.nanoTime() - start;
      assertEquals(List.of("stop IMMEDIATE"), pgCalls);
      assertTrue(loop.isAlive(), "the loop is still inside its DCS call");
      assertTrue(took < TimeUnit.SECONDS.toNanos(2), "fenced after the lease ended: " + took);
    } finally {
      etcdBack.countDown();
      loop.join();
    }
  }

  @Test
  void leavesAFreshLeaseAlone() {
    LeaderLease lease = new LeaderLease(30);
    lease.renewed(now.get());
    now.addAndGet(TimeUnit.SECONDS.toNanos(20));
    assertFalse(guard(lease, true, false).check());
    assertTrue(pgCalls.isEmpty());
  }

  @Test
  void fencesThePrimaryJustBeforeTheDeadline() {
    LeaderLease lease = new LeaderLease(30);
    lease.renewed(now.get());
    now.addAndGet(TimeUnit.SECONDS.toNanos(29));
    assertTrue(guard(lease, true, false).check());
    assertEquals(List.of("stop IMMEDIATE"), pgCalls);
    assertFalse(lease.isHeld(now.get()), "the lease is given up once fenced");
  }

  @Test
  void fencesOnlyOnce() {
    LeaderLease lease = new LeaderLease(30);
    lease.renewed(now.get());
    now.addAndGet(TimeUnit.SECONDS.toNanos(31));
    LeaseGuard g = guard(lease, true, false);
    assertTrue(g.check());
    assertFalse(g.check());
    assertEquals(1, pgCalls.size());
  }

  @Test
  void doesNotTouchAReplicaOrAPausedCluster() {
    LeaderLease lease = new LeaderLease(30);
    lease.renewed(now.get());
    now.addAndGet(TimeUnit.SECONDS.toNanos(31));
    assertFalse(guard(lease, false, false).check());
    assertFalse(guard(lease, true, true).check());
    assertTrue(pgCalls.isEmpty());
  }

  @Test
  void withoutTheLockThereIsNothingToGuard() {
    LeaderLease lease = new LeaderLease(30);
    assertFalse(guard(lease, true, false).check());
    assertTrue(pgCalls.isEmpty());
  }

  @Test
  void deadlineCountsFromWhenTheRenewalWasSent() {
    LeaderLease lease = new LeaderLease(30);
    long sent = now.get();
    now.addAndGet(TimeUnit.SECONDS.toNanos(5)); // the answer arrived 5 s later
    lease.renewed(sent);
    assertEquals(TimeUnit.SECONDS.toNanos(25), lease.remaining(now.get()));
  }
}
