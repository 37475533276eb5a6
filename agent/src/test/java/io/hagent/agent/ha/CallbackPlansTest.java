package io.hagent.agent.ha;

import static io.hagent.agent.ha.HaDecisionTest.N2_PRIMARY;
import static io.hagent.agent.ha.HaDecisionTest.N2_REPLICA;
import static io.hagent.agent.ha.HaDecisionTest.cluster;
import static io.hagent.agent.ha.HaDecisionTest.row;
import static io.hagent.agent.ha.HaDecisionTest.stopped;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.ha.Effect.Callback;
import io.hagent.agent.ha.Plan.Kind;
import io.hagent.agent.node.Role;
import io.hagent.common.config.DynamicConfig;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Where the callbacks of §3.5 sit in the plans (Patroni's call_nowait places) and what a failing
 * pre_promote does: the decision names them, the executor only starts them.
 */
class CallbackPlansTest {

  static final HaInput.LocalSettings WITH_PRE_PROMOTE =
      new HaInput.LocalSettings(60, false, false, true, false, false);

  /** The callbacks of a plan, in order, as "action role". */
  static List<String> callbacks(Plan p) {
    return p.effects().stream()
        .filter(e -> e instanceof Callback)
        .map(e -> ((Callback) e).action() + " " + ((Callback) e).role())
        .toList();
  }

  /** Index of the first effect of {@code type}. */
  static int indexOf(Plan p, Class<?> type) {
    List<Effect> effects = p.effects();
    for (int i = 0; i < effects.size(); i++) {
      if (type.isInstance(effects.get(i))) {
        return i;
      }
    }
    return -1;
  }

  static HaInput stoppedWith(String controlState) {
    return row(
            "x",
            cluster("node2", null, 0, N2_PRIMARY),
            stopped(controlState),
            LockState.NOT_HOLDER,
            Kind.START_REPLICA,
            "")
        .input();
  }

  @Test
  void aStoppedReplicaStartsWithOnStartAfterTheStart() {
    Plan p = HaDecision.decide(stoppedWith("shut down in recovery"));
    assertEquals(Kind.START_REPLICA, p.kind());
    assertEquals(List.of("on_start replica"), callbacks(p));
    assertEquals(indexOf(p, Effect.Start.class) + 1, indexOf(p, Callback.class));
  }

  @Test
  void aFormerPrimaryComingBackAsReplicaCallsOnRoleChange() {
    Plan p = HaDecision.decide(stoppedWith("shut down"));
    assertEquals(List.of("on_role_change replica"), callbacks(p));
  }

  @Test
  void restartCallsOnlyOnRestartWithTheRole() {
    assertEquals(List.of("on_restart primary"), callbacks(Plans.restart(true, null, 60)));
    assertEquals(List.of("on_restart replica"), callbacks(Plans.restart(false, N2_PRIMARY, 60)));
  }

  @Test
  void switchoverStopsAsPrimaryAndComesBackAsReplica() {
    HaInput in = stoppedWith("in production");
    Plan p = Plans.switchover(in, "switchover", N2_REPLICA);
    assertEquals(List.of("on_stop primary", "on_role_change replica"), callbacks(p));
    // the watchdog is closed right after the stop, then on_stop reports it
    assertEquals(indexOf(p, Effect.Stop.class) + 1, indexOf(p, Effect.DisableWatchdog.class));
    assertEquals(indexOf(p, Effect.Stop.class) + 2, indexOf(p, Callback.class));
    assertEquals(Role.REPLICA, ((Callback) p.effects().get(p.effects().size() - 1)).role());
  }

  @Test
  void promotionCallsOnRoleChangePrimaryAfterThePromotion() {
    Plan p = Plans.promote(stoppedWith("in archive recovery"), Kind.PROMOTE, "promoted");
    assertEquals(List.of("on_role_change primary"), callbacks(p));
    assertTrue(indexOf(p, Callback.class) > indexOf(p, Effect.Promote.class));
    assertEquals(-1, indexOf(p, Effect.PrePromote.class), "no pre_promote configured");
  }

  @Test
  void prePromoteRunsFirstAndItsFailureGivesTheKeyUp() {
    HaInput in = stoppedWith("in archive recovery").withLocal(WITH_PRE_PROMOTE);
    Plan p = Plans.promote(in, Kind.PROMOTE, "promoted");
    // the watchdog is activated first (Patroni's enforce_primary_role), then pre_promote runs
    assertEquals(0, indexOf(p, Effect.ActivateWatchdog.class));
    assertEquals(1, indexOf(p, Effect.PrePromote.class));
    assertTrue(p.steps().get(1).effect().isLong(), "runs in the background, the key is renewed");
    assertEquals("promote", PlanExecutor.actionName(new Effect.PrePromote()));
    Plan onFailure = p.steps().get(1).onFailure();
    assertEquals("Promotion cancelled because the pre-promote script failed", onFailure.message());
    assertEquals(Kind.RELEASE_LOCK, onFailure.kind());
    assertTrue(onFailure.effects().contains(new Effect.DeleteLeader()));
    assertEquals(List.of(), callbacks(onFailure));
  }

  @Test
  void afterAFailedPrePromoteTheNodeStaysOutOfTheRace() {
    HaInput in =
        row(
                "x",
                cluster(null, null, 0, HaDecisionTest.ME_REPLICA, N2_REPLICA),
                HaDecisionTest.replica(100),
                LockState.NOT_HOLDER,
                Kind.FOLLOW,
                "")
            .input();
    assertEquals(Kind.ACQUIRE_LOCK, HaDecision.decide(in).kind(), "healthy otherwise");
    Plan p =
        HaDecision.decide(
            in.withLocal(new HaInput.LocalSettings(60, false, false, true, true, false)));
    assertEquals(Kind.FOLLOW, p.kind());
    assertEquals("following a different leader because i am not the healthiest node", p.message());
    assertTrue(p.notes().get(0).startsWith("backoff: skip leader race after pre_promote"));
  }

  @Test
  void demotionAndShutdownCallOnStopAsPrimary() {
    HaInput in = stoppedWith("in production");
    for (Plans.DemoteMode mode : Plans.DemoteMode.values()) {
      Plan p = Plans.demote(in, mode, "demoted");
      assertEquals("on_stop primary", callbacks(p).get(0), mode.name());
    }
    assertEquals(
        List.of("on_stop primary", "on_role_change replica"),
        callbacks(Plans.demote(in, Plans.DemoteMode.OFFLINE, "offline")));
    assertEquals(List.of("on_stop primary"), callbacks(Plans.shutdown(true, 60)));
    assertEquals(List.of("on_stop replica"), callbacks(Plans.shutdown(false, 60)));
  }

  @Test
  void aFailedStartCallsNothing() throws Exception {
    FakePostgres pg = new FakePostgres();
    pg.startOk = false;
    PlanExecutorTest t = new PlanExecutorTest();
    PlanExecutor executor = executorFor(t, pg);
    executor
        .startInBackground(Plans.restart(false, N2_PRIMARY, 5), DynamicConfig.DEFAULTS, null, null)
        .get(10, TimeUnit.SECONDS);
    assertEquals(List.of(), pg.scripts);
  }

  @Test
  void theExecutorStartsCallbacksAndAFailedPrePromoteReleasesTheKey() throws Exception {
    FakePostgres pg = new FakePostgres();
    pg.prePromoteOk = false;
    PlanExecutorTest t = new PlanExecutorTest();
    PlanExecutor executor = executorFor(t, pg);
    HaInput in =
        PlanExecutorTest.input(PlanExecutorTest.UNLOCKED, HaDecisionTest.replica(100))
            .withLocal(WITH_PRE_PROMOTE);
    Plan plan = HaDecision.acquire(in, Kind.ACQUIRE_LOCK, List.of());
    PlanExecutor.Outcome o = executor.execute(plan, DynamicConfig.DEFAULTS);
    assertTrue(o.inBackground(), "pre_promote runs in the background");
    awaitIdle(t.background);
    assertEquals(List.of("pre_promote"), pg.scripts);
    assertFalse(pg.calls.contains("promote"), pg.calls.toString());
    assertTrue(t.dcs.calls.contains("deleteLeader"), t.dcs.calls.toString());

    pg.prePromoteOk = true;
    pg.scripts.clear();
    t.lease.renewed(System.nanoTime()); // the lock won again: a promotion needs a held lease

    BackgroundTask.Result r =
        executor
            .startInBackground(
                Plans.promote(in, Kind.PROMOTE, "promoted"), DynamicConfig.DEFAULTS, null, null)
            .get(10, TimeUnit.SECONDS);
    assertTrue(r.ok());
    assertEquals(List.of("pre_promote", "on_role_change primary"), pg.scripts);
    assertTrue(pg.calls.contains("promote"));
  }

  private static void awaitIdle(BackgroundTask background) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (background.busyWith() != null && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(null, background.busyWith());
  }

  private static PlanExecutor executorFor(PlanExecutorTest t, FakePostgres pg) {
    return new PlanExecutor(
        "node1",
        t.dcs,
        pg,
        t.lease,
        System::nanoTime,
        new PlanExecutor.Node() {
          @Override
          public void publishRole(Role role) {}

          @Override
          public void publishMember(io.hagent.agent.postgres.LocalState state) {}

          @Override
          public void wake() {}
        },
        t.background);
  }
}
