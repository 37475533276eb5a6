package io.hagent.agent.ha;

import static io.hagent.agent.ha.HaDecisionTest.ME_REPLICA;
import static io.hagent.agent.ha.HaDecisionTest.N2_REPLICA;
import static io.hagent.agent.ha.HaDecisionTest.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.ha.Plan.Kind;
import io.hagent.agent.postgres.LocalState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Failover;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.DynamicConfig;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** primary_race_backoff (§5.3 step 1): the decision rows and the state kept between cycles. */
class RaceBackoffTest {
  /** primary_race_backoff 10 with loop_wait 2: the replica backs off for the first 8 s. */
  static final DynamicConfig BACKOFF_10 =
      DynamicConfig.from(Map.of("primary_race_backoff", 10, "loop_wait", 2));

  static final Cluster UNLOCKED = HaDecisionTest.cluster(null, null, 100, ME_REPLICA, N2_REPLICA);

  static HaInput input(DynamicConfig cfg, Cluster c, LocalState pg, RaceBackoff.Status s) {
    return new HaInput(
            "node1", c, pg, cfg, new Tags(Map.of()), LockState.NOT_HOLDER, Map.of(), true, NOW)
        .withRaceBackoff(s);
  }

  static Stream<Arguments> rows() {
    LocalState replica = HaDecisionTest.replica(100);
    Cluster candidateIsN2 =
        HaDecisionTest.cluster(null, new Failover(null, "node2", null, 3), 100, ME_REPLICA);
    return Stream.of(
        // situation, config, cluster, status, waits (message) or null
        Arguments.of(
            "WAL moved, 2.5 s into a 10 s backoff",
            BACKOFF_10,
            UNLOCKED,
            new RaceBackoff.Status(true, 2500),
            "My (node1) wal position moved since last heart beat loop, 6 seconds until leader"
                + " race"),
        Arguments.of(
            "WAL moved, 7.5 s in: the last cycle that backs off",
            BACKOFF_10,
            UNLOCKED,
            new RaceBackoff.Status(true, 7500),
            "My (node1) wal position moved since last heart beat loop, 1 seconds until leader"
                + " race"),
        Arguments.of(
            "WAL moved, backoff - loop_wait passed: race (the cycle is loop_wait long)",
            BACKOFF_10,
            UNLOCKED,
            new RaceBackoff.Status(true, 8000),
            null),
        Arguments.of(
            "backoff not longer than loop_wait: no wait",
            DynamicConfig.from(Map.of("primary_race_backoff", 2, "loop_wait", 2)),
            UNLOCKED,
            new RaceBackoff.Status(true, 0),
            null),
        Arguments.of(
            "WAL moved, backoff over: race anyway",
            BACKOFF_10,
            UNLOCKED,
            new RaceBackoff.Status(true, 10_000),
            null),
        Arguments.of(
            "WAL stands still: race at once",
            BACKOFF_10,
            UNLOCKED,
            new RaceBackoff.Status(false, 2500),
            null),
        Arguments.of(
            "setting off (0)",
            DynamicConfig.DEFAULTS,
            UNLOCKED,
            new RaceBackoff.Status(true, 0),
            null),
        Arguments.of(
            "manual failover to a candidate",
            BACKOFF_10,
            candidateIsN2,
            new RaceBackoff.Status(true, 0),
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decide(String situation, DynamicConfig cfg, Cluster c, RaceBackoff.Status s, String waits) {
    LocalState replica = HaDecisionTest.replica(100);
    Plan p = RaceBackoff.decide(input(cfg, c, replica, s), c, replica);
    if (waits == null) {
      assertNull(p, situation);
    } else {
      assertEquals(waits, p.message(), situation);
      Plan whole = HaDecision.decide(input(cfg, c, replica, s));
      assertEquals(Kind.NONE, whole.kind(), "no race while backing off");
      assertEquals(waits, whole.message());
    }
  }

  /** A replica replaying WAL from restore_command, its WAL receiver not streaming. */
  static LocalState fromArchive(long position) {
    LocalState r = HaDecisionTest.replica(position);
    return new LocalState(
        r.dataDir(),
        r.running(),
        r.state(),
        r.inRecovery(),
        r.timeline(),
        r.flushLsn(),
        r.receiveLsn(),
        r.replayLsn(),
        r.latestEndLsn(),
        "in archive recovery",
        r.sysid(),
        r.controlState(),
        r.serverVersion(),
        r.postmasterStartTime(),
        r.replayPaused(),
        r.replayedTimestamp(),
        r.replication(),
        r.pendingRestart(),
        r.pendingRestartReason());
  }

  /** WAL restored from the archive moves without a primary: only a streaming receiver counts. */
  @Test
  void walFromTheArchiveIsNoSignOfALivePrimary() {
    AtomicLong now = new AtomicLong(1);
    RaceBackoff b = new RaceBackoff(now::get);
    LocalState fromArchive1 = fromArchive(100);
    LocalState fromArchive2 = fromArchive(200);
    b.observe(UNLOCKED, fromArchive1);
    now.addAndGet(TimeUnit.SECONDS.toNanos(2));
    RaceBackoff.Status s = b.observe(UNLOCKED, fromArchive2);
    assertFalse(s.walMoved());
    assertEquals(0, s.elapsedMillis());
    assertNull(
        RaceBackoff.decide(input(BACKOFF_10, UNLOCKED, fromArchive2, s), UNLOCKED, fromArchive2));
    // the same positions through a streaming receiver start the backoff
    now.addAndGet(TimeUnit.SECONDS.toNanos(2));
    assertTrue(b.observe(UNLOCKED, HaDecisionTest.replica(300)).walMoved());
  }

  @Test
  void aPrimaryNeverBacksOff() {
    LocalState primary = HaDecisionTest.primary(100);
    assertNull(
        RaceBackoff.decide(
            input(BACKOFF_10, UNLOCKED, primary, new RaceBackoff.Status(true, 0)),
            UNLOCKED,
            primary));
  }

  @Test
  void theBackoffStartsWhenTheWalMovesWithoutALeaderAndEndsWithOne() {
    AtomicLong now = new AtomicLong(1);
    RaceBackoff b = new RaceBackoff(now::get);
    Cluster locked = HaDecisionTest.cluster("node2", null, 100, ME_REPLICA, N2_REPLICA);
    assertFalse(b.observe(locked, HaDecisionTest.replica(100)).walMoved());
    // the leader key goes, WAL still arrives
    now.addAndGet(TimeUnit.SECONDS.toNanos(2));
    RaceBackoff.Status first = b.observe(UNLOCKED, HaDecisionTest.replica(200));
    assertTrue(first.walMoved());
    assertEquals(0, first.elapsedMillis());
    now.addAndGet(TimeUnit.SECONDS.toNanos(3));
    RaceBackoff.Status later = b.observe(UNLOCKED, HaDecisionTest.replica(300));
    assertEquals(3000, later.elapsedMillis());
    // WAL stops: no longer moved, the clock keeps running
    now.addAndGet(TimeUnit.SECONDS.toNanos(2));
    RaceBackoff.Status still = b.observe(UNLOCKED, HaDecisionTest.replica(300));
    assertFalse(still.walMoved());
    // a leader again: reset
    assertEquals(RaceBackoff.Status.NONE, b.observe(locked, HaDecisionTest.replica(400)));
    now.addAndGet(TimeUnit.SECONDS.toNanos(1));
    assertEquals(0, b.observe(UNLOCKED, HaDecisionTest.replica(500)).elapsedMillis());
  }
}
