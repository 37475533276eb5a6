package io.hagent.agent.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.ha.HaInput.WatchdogView;
import io.hagent.agent.node.Role;
import io.hagent.agent.postgres.LocalState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.DynamicConfig;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Where the watchdog enters the HA decision (§3.2, Patroni's enforce_primary_role and
 * is_healthiest_node) and the monotonic deadline checks in the executor and {@link LeaseFence}.
 */
class WatchdogDecisionTest {
  static final Cluster UNLOCKED =
      HaDecisionTest.cluster(null, null, 0, HaDecisionTest.ME_REPLICA, HaDecisionTest.N2_REPLICA);
  static final Cluster MINE = HaDecisionTest.cluster("node1", null, 0, HaDecisionTest.ME_PRIMARY);

  static HaInput input(Cluster c, LocalState pg, LockState lock, WatchdogView w) {
    return new HaInput(
            "node1",
            c,
            pg,
            DynamicConfig.DEFAULTS,
            new Tags(Map.of()),
            lock,
            Map.of(),
            true,
            HaDecisionTest.NOW)
        .withWatchdog(w);
  }

  @Test
  void withoutAUsableRequiredWatchdogAReplicaDoesNotRace() {
    Plan p =
        HaDecision.decide(
            input(
                UNLOCKED,
                HaDecisionTest.replica(100),
                LockState.NOT_HOLDER,
                new WatchdogView(false, false)));
    assertEquals(Plan.Kind.FOLLOW, p.kind());
    assertTrue(p.notes().contains("Watchdog device is not usable"), p.notes().toString());
    assertFalse(p.effects().stream().anyMatch(e -> e instanceof Effect.AcquireLeader));
  }

  @Test
  void theWinnerActivatesTheWatchdogBeforePromotingAndReleasesTheKeyIfItCannot() {
    Plan p =
        HaDecision.decide(
            input(
                UNLOCKED,
                HaDecisionTest.replica(100),
                LockState.NOT_HOLDER,
                new WatchdogView(true, false)));
    List<Effect> effects = p.effects();
    int acquire = indexOf(effects, Effect.AcquireLeader.class);
    int activate = indexOf(effects, Effect.ActivateWatchdog.class);
    int promote = indexOf(effects, Effect.Promote.class);
    assertTrue(acquire < activate && activate < promote, effects.toString());
    Plan onFailure = p.steps().get(activate).onFailure();
    assertEquals("Not promoting self because watchdog could not be activated", onFailure.message());
    assertEquals(List.of(new Effect.DeleteLeader()), onFailure.effects());
  }

  @Test
  void aLeaderWithoutItsWatchdogActivatesItOrDemotes() {
    Plan p =
        HaDecision.decide(
            input(
                MINE, HaDecisionTest.primary(100), LockState.HELD, new WatchdogView(true, false)));
    assertEquals("no action. I am (node1), the leader with the lock", p.message());
    assertEquals(List.of(new Effect.ActivateWatchdog()), p.effects());
    Plan onFailure = p.steps().get(0).onFailure();
    assertEquals("Demoting self because watchdog could not be activated", onFailure.message());
    assertEquals(Role.DEMOTED, onFailure.role());
    assertTrue(onFailure.effects().contains(new Effect.DisableWatchdog()));
  }

  @Test
  void inPauseTheLeaderDoesNotActivateItsWatchdog() {
    Plan p =
        HaDecision.decide(
            input(
                HaDecisionTest.paused(MINE),
                HaDecisionTest.primary(100),
                LockState.HELD,
                new WatchdogView(true, false)));
    assertTrue(p.effects().isEmpty(), p.effects().toString());
  }

  @Test
  void aLeaderWithItsWatchdogActiveDoesNothing() {
    Plan p =
        HaDecision.decide(
            input(MINE, HaDecisionTest.primary(100), LockState.HELD, WatchdogView.READY));
    assertTrue(p.effects().isEmpty());
  }

  @Test
  void everyDemotionClosesTheWatchdogAfterStopping() {
    for (Plans.DemoteMode mode : Plans.DemoteMode.values()) {
      List<Effect> e =
          Plans.demote(
                  input(MINE, HaDecisionTest.primary(100), LockState.HELD, WatchdogView.READY),
                  mode,
                  "x")
              .effects();
      int stop = indexOf(e, Effect.Stop.class);
      int disable = indexOf(e, Effect.DisableWatchdog.class);
      assertTrue(stop >= 0 && stop < disable, mode + ": " + e);
    }
    List<Effect> shutdown = Plans.shutdown(true, 60).effects();
    assertTrue(
        indexOf(shutdown, Effect.Stop.class) < indexOf(shutdown, Effect.DisableWatchdog.class));
  }

  // ---- executor: watchdog effects and the lease deadline

  final FakePostgres pg = new FakePostgres();
  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final LeaderLease lease = new LeaderLease(30);
  final AtomicBoolean activated = new AtomicBoolean();
  final AtomicBoolean disabled = new AtomicBoolean();
  final PlanExecutor executor =
      new PlanExecutor(
          "node1",
          new RecordingDcs(),
          pg,
          lease,
          now::get,
          new PlanExecutor.Node() {
            @Override
            public void publishRole(Role role) {}

            @Override
            public void publishMember(LocalState state) {}

            @Override
            public void wake() {}

            @Override
            public boolean activateWatchdog() {
              activated.set(true);
              return false;
            }

            @Override
            public void disableWatchdog() {
              disabled.set(true);
            }
          },
          new BackgroundTask(() -> {}));

  @Test
  void aPromotionDecidedBeforeAStallDoesNotRunAfterTheLeaseRanOut() {
    lease.renewed(now.get());
    now.addAndGet(31_000_000_000L); // frozen past the deadline between decision and promotion
    assertFalse(executor.run(new Effect.Promote(10), DynamicConfig.DEFAULTS));
    assertFalse(pg.calls.contains("promote"));
    lease.renewed(now.get());
    assertTrue(executor.run(new Effect.Promote(10), DynamicConfig.DEFAULTS));
  }

  @Test
  void theWatchdogIsClosedOnlyOncePostgresNoLongerRunsAsPrimary() {
    pg.state = HaDecisionTest.primary(100);
    assertFalse(executor.run(new Effect.DisableWatchdog(), DynamicConfig.DEFAULTS));
    assertFalse(disabled.get());
    pg.state = HaDecisionTest.stopped("shut down");
    assertTrue(executor.run(new Effect.DisableWatchdog(), DynamicConfig.DEFAULTS));
    assertTrue(disabled.get());
  }

  @Test
  void aFailedRequiredActivationFailsTheEffect() {
    assertFalse(executor.run(new Effect.ActivateWatchdog(), DynamicConfig.DEFAULTS));
    assertTrue(activated.get());
  }

  @Test
  void fenceStopsAPrimaryWokenPastItsDeadlineAndForgetsTheLease() {
    LeaseFence fence = new LeaseFence(lease, pg, now::get);
    pg.state = HaDecisionTest.primary(100);
    lease.renewed(now.get());
    now.addAndGet(29_000_000_000L);
    assertFalse(fence.fenceIfExpired(false, "x"), "still within the lease");
    assertFalse(pg.calls.contains("stop IMMEDIATE"));
    now.addAndGet(2_000_000_000L);
    assertTrue(fence.fenceIfExpired(false, "x"));
    assertTrue(pg.calls.contains("stop IMMEDIATE"));
    assertFalse(lease.isHeld(now.get()));
  }

  @Test
  void fenceLeavesPostgresAloneInPause() {
    LeaseFence fence = new LeaseFence(lease, pg, now::get);
    pg.state = HaDecisionTest.primary(100);
    lease.renewed(now.get());
    now.addAndGet(31_000_000_000L);
    assertTrue(fence.fenceIfExpired(true, "x"));
    assertFalse(pg.calls.contains("stop IMMEDIATE"));
  }

  private static int indexOf(List<Effect> effects, Class<?> type) {
    for (int i = 0; i < effects.size(); i++) {
      if (type.isInstance(effects.get(i))) {
        return i;
      }
    }
    return -1;
  }
}
