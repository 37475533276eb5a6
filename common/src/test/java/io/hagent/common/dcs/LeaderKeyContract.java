package io.hagent.common.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.cluster.Leader;
import java.util.concurrent.TimeUnit;

/**
 * What every store must do with the leader key, checked the same way against real etcd and real
 * ZooKeeper (their *IT classes call in with two clients of their own).
 */
final class LeaderKeyContract {
  private LeaderKeyContract() {}

  /** The crash detector's compare-and-delete removes the key only as it was observed. */
  static void compareAndDeleteRemovesOnlyTheObservedLeaderKey(Dcs a, Dcs b) throws Exception {
    // run alone, a fresh JVM's first calls may outlast the short retry deadline (or find the
    // session still connecting): wait until both clients answer before the calls that matter
    awaitAnswering(a);
    awaitAnswering(b);
    assertTrue(a.attemptToAcquireLeader());
    Leader observed = b.readCluster().leader();
    assertEquals("a", observed.name());

    // the holder gave its key up and took it again: the old observation must lose
    assertTrue(a.deleteLeader());
    assertTrue(a.attemptToAcquireLeader());
    assertFalse(b.deleteLeaderIfUnchanged(observed), "a re-put key must survive");
    assertEquals("a", b.readCluster().leader().name());

    Leader fresh = b.readCluster().leader();
    assertTrue(fresh.modRevision() != observed.modRevision());
    assertTrue(b.deleteLeaderIfUnchanged(fresh), "the key as observed is deleted");
    assertNull(b.readCluster().leader());
    assertFalse(b.deleteLeaderIfUnchanged(fresh), "nothing left to delete");

    // deleted and taken again by the same holder in between: a new revision, kept
    assertTrue(a.attemptToAcquireLeader());
    assertFalse(b.deleteLeaderIfUnchanged(fresh));
    assertEquals("a", b.readCluster().leader().name());
    assertTrue(a.updateLeader(), "the holder still holds its key");
  }

  static void awaitAnswering(Dcs dcs) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        dcs.readCluster();
        return;
      } catch (DcsException e) {
        if (System.nanoTime() > end) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }
}
