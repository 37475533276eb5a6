package io.hagent.agent.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.ha.HaLoop.FatalError;
import io.hagent.agent.node.Role;
import io.hagent.agent.postgres.LocalState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Failover;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.DynamicConfig;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The executor carries plans out in order with a fake PostgreSQL and DCS (no processes): fallbacks
 * replace the rest of a plan, DCS errors count as failures, long steps go to the background while
 * the caller goes on, and a background task can be cancelled.
 */
class PlanExecutorTest {
  final RecordingDcs dcs = new RecordingDcs();
  final FakePostgres pg = new FakePostgres();
  final LeaderLease lease = new LeaderLease(30);
  final List<Role> published = new CopyOnWriteArrayList<>();
  final AtomicInteger wakes = new AtomicInteger();
  final List<Integer> stoppingAt = new CopyOnWriteArrayList<>();
  final BackgroundTask background = new BackgroundTask(wakes::incrementAndGet);
  final PlanExecutor executor =
      new PlanExecutor(
          "node1",
          dcs,
          pg,
          lease,
          System::nanoTime,
          new PlanExecutor.Node() {
            @Override
            public void publishRole(Role role) {
              published.add(role);
            }

            @Override
            public void publishMember(LocalState state) {}

            @Override
            public void wake() {
              wakes.incrementAndGet();
            }

            @Override
            public void stopping() {
              // where in PostgreSQL's calls the "stopping" state was published
              stoppingAt.add(pg.calls.size());
            }
          },
          background);

  static HaInput input(Cluster cluster, LocalState local) {
    return new HaInput(
        "node1",
        cluster,
        local,
        DynamicConfig.DEFAULTS,
        new Tags(Map.of()),
        LockState.NOT_HOLDER,
        Map.of(),
        true,
        HaDecisionTest.NOW);
  }

  static final Cluster UNLOCKED =
      HaDecisionTest.cluster(null, null, 0, HaDecisionTest.ME_REPLICA, HaDecisionTest.N2_REPLICA);

  @Test
  void wonRacePromotesPublishesPrimaryAndWritesHistory() {
    Plan plan =
        HaDecision.acquire(
            input(UNLOCKED, HaDecisionTest.replica(100)), Plan.Kind.ACQUIRE_LOCK, List.of());
    PlanExecutor.Outcome o = executor.execute(plan, DynamicConfig.DEFAULTS);
    assertEquals("promoted self to leader by acquiring session lock", o.message());
    assertEquals(Role.PRIMARY, o.role());
    assertTrue(o.ok());
    assertEquals(List.of("syncSlots [node2]", "promote", "probe"), pg.calls);
    assertEquals(List.of(Role.PRIMARY), published);
    assertTrue(lease.isHeld(System.nanoTime()), "a won race holds the lease");
    assertTrue(
        dcs.calls.get(dcs.calls.size() - 1).startsWith("setHistory [[0,100,"),
        dcs.calls.toString());
  }

  @Test
  void strictSynchronousModeOwnsTheSyncKeyBeforePromoting() {
    DynamicConfig strict =
        DynamicConfig.from(Map.of("synchronous_mode", true, "synchronous_mode_strict", true));
    HaInput in = input(UNLOCKED, HaDecisionTest.replica(100));
    in =
        new HaInput(
            in.me(),
            in.cluster(),
            in.pg(),
            strict,
            in.tags(),
            in.lock(),
            in.peers(),
            true,
            in.now());
    PlanExecutor.Outcome o =
        executor.execute(HaDecision.acquire(in, Plan.Kind.ACQUIRE_LOCK, List.of()), strict);
    assertTrue(o.ok());
    assertTrue(
        dcs.calls.contains("setSync {\"leader\":\"node1\",\"quorum\":0,\"sync_standby\":null} @0"),
        dcs.calls.toString());
    assertEquals(
        List.of(
            "syncSlots [node2]",
            "ssn FIRST 1 (\"__hagent_strict_no_sync_standby__\")",
            "promote",
            "probe"),
        pg.calls);
  }

  @Test
  void aLostSyncKeyWriteLeavesSynchronousStandbyNamesAlone() {
    dcs.syncCasSucceeds = false;
    DynamicConfig on = DynamicConfig.from(Map.of("synchronous_mode", true));
    Cluster c =
        HaDecisionTest.cluster(
            "node1", null, 100, HaDecisionTest.ME_PRIMARY, HaDecisionTest.N2_REPLICA);
    c =
        new Cluster(
            c.initialize(),
            c.config(),
            c.configModRevision(),
            c.leader(),
            c.status(),
            c.members(),
            c.failover(),
            new io.hagent.common.cluster.SyncState("node1", List.of("node2"), 0, 9),
            c.history(),
            c.failsafe(),
            c.revision());
    // node2 stopped streaming: the key must shrink before the setting may change
    HaInput in =
        new HaInput(
                "node1",
                c,
                HaDecisionTest.primary(100),
                on,
                new Tags(Map.of()),
                LockState.HELD,
                Map.of(),
                true,
                HaDecisionTest.NOW)
            .withSync(
                new io.hagent.agent.postgres.SyncStatus(
                    "FIRST 1 (\"node2\")", "on", 100, 0, List.of(), true));
    PlanExecutor.Outcome o = executor.execute(HaDecision.decide(in), on);
    assertFalse(o.ok());
    assertTrue(
        dcs.calls.contains("setSync {\"leader\":\"node1\",\"quorum\":0,\"sync_standby\":null} @9"),
        dcs.calls.toString());
    assertEquals(List.of(), pg.calls, "synchronous_standby_names untouched");
  }

  @Test
  void aLostSyncKeyWritePostponesThePromotion() {
    dcs.syncCasSucceeds = false;
    DynamicConfig on = DynamicConfig.from(Map.of("synchronous_mode", true));
    HaInput in = input(UNLOCKED, HaDecisionTest.replica(100));
    in =
        new HaInput(
            in.me(), in.cluster(), in.pg(), on, in.tags(), in.lock(), in.peers(), true, in.now());
    PlanExecutor.Outcome o =
        executor.execute(HaDecision.acquire(in, Plan.Kind.ACQUIRE_LOCK, List.of()), on);
    assertEquals(
        "Postponing promotion because synchronous replication state was updated by somebody else",
        o.message());
    assertFalse(pg.calls.contains("promote"), pg.calls.toString());
  }

  @Test
  void lostRaceAsReplicaFollowsOnTheNextCycleWithoutPromoting() {
    dcs.winRaces = false;
    Plan plan =
        HaDecision.acquire(
            input(UNLOCKED, HaDecisionTest.replica(100)), Plan.Kind.ACQUIRE_LOCK, List.of());
    PlanExecutor.Outcome o = executor.execute(plan, DynamicConfig.DEFAULTS);
    assertEquals("following new leader after trying and failing to obtain lock", o.message());
    assertFalse(o.ok());
    assertEquals(List.of(), pg.calls, "nothing touched PostgreSQL");
    assertEquals(1, wakes.get(), "the next cycle is asked for at once");
    assertFalse(lease.isHeld(System.nanoTime()));
  }

  @Test
  void lostRaceAsPrimaryStopsImmediatelyAndPublishesDemoted() {
    dcs.winRaces = false;
    Plan plan =
        HaDecision.acquire(
            input(UNLOCKED, HaDecisionTest.primary(100)), Plan.Kind.ACQUIRE_LOCK, List.of());
    PlanExecutor.Outcome o = executor.execute(plan, DynamicConfig.DEFAULTS);
    assertEquals("demoted self after trying and failing to obtain lock", o.message());
    assertEquals(Role.DEMOTED, o.role());
    assertEquals(List.of("stop IMMEDIATE"), pg.calls);
  }

  @Test
  void aDcsErrorIsAFailedEffect() {
    dcs.failWrites = true;
    Plan plan =
        HaDecision.acquire(
            input(UNLOCKED, HaDecisionTest.replica(100)), Plan.Kind.ACQUIRE_LOCK, List.of());
    PlanExecutor.Outcome o = executor.execute(plan, DynamicConfig.DEFAULTS);
    assertEquals("following new leader after trying and failing to obtain lock", o.message());
    assertFalse(pg.calls.contains("promote"));
  }

  @Test
  void switchoverThatCannotStopPostgresKeepsTheKey() {
    pg.stopOk = false;
    Cluster c =
        HaDecisionTest.cluster(
            "node1",
            new Failover("node1", "node2", null, 7),
            0,
            HaDecisionTest.ME_PRIMARY,
            HaDecisionTest.N2_REPLICA);
    HaInput in =
        new HaInput(
            "node1",
            c,
            HaDecisionTest.primary(100),
            DynamicConfig.DEFAULTS,
            new Tags(Map.of()),
            LockState.HELD,
            Map.of(),
            true,
            HaDecisionTest.NOW);
    Plan plan = HaDecision.decide(in);
    assertEquals(Plan.Kind.SWITCHOVER, plan.kind());
    PlanExecutor.Outcome o = executor.execute(plan, DynamicConfig.DEFAULTS);
    assertEquals("switchover: failed to stop PostgreSQL, staying leader", o.message());
    assertEquals(List.of("checkpoint", "stop FAST"), pg.calls);
    assertFalse(dcs.calls.contains("deleteLeader"), dcs.calls.toString());
    assertTrue(published.isEmpty(), "still primary");
  }

  @Test
  void longStepsRunInTheBackgroundWhileTheCallerGoesOn() throws Exception {
    pg.holdStart = new CountDownLatch(1);
    Plan plan =
        Plans.startReplica(
            input(
                HaDecisionTest.cluster("node2", null, 0, HaDecisionTest.N2_PRIMARY),
                HaDecisionTest.stopped("shut down in recovery")),
            "starting as a secondary",
            HaDecisionTest.N2_PRIMARY);
    PlanExecutor.Outcome o = executor.execute(plan, DynamicConfig.DEFAULTS);
    assertTrue(o.inBackground());
    assertEquals("starting as a secondary", o.message());
    assertNull(o.role(), "the role is published when the task ends");
    assertEquals("starting", background.busyWith());
    assertEquals("starting", background.state());
    // meanwhile the loop is free: another plan would be refused by name, not block
    PlanExecutor.Outcome second = executor.execute(plan, DynamicConfig.DEFAULTS);
    assertEquals("starting already in progress", second.message());

    pg.holdStart.countDown();
    waitIdle();
    assertEquals(List.of(Role.REPLICA), published);
    assertEquals(1, wakes.get(), "the loop is woken when the task ends");
    assertNull(background.state());
  }

  @Test
  void aFailedCloneRemovesTheDataDirectoryAndDoesNotStart() throws Exception {
    pg.cloneOk = false;
    HaInput in =
        input(
            HaDecisionTest.cluster("node2", null, 0, HaDecisionTest.N2_PRIMARY),
            HaDecisionTest.emptyDir());
    Plan plan = HaDecision.decide(in);
    assertEquals(Plan.Kind.CLONE, plan.kind());
    executor.execute(plan, DynamicConfig.DEFAULTS);
    waitIdle();
    assertEquals(List.of("clone node2", "removeDataDirectory"), pg.calls);
    assertEquals(List.of(Role.UNINITIALIZED), published);
  }

  @Test
  void cancelInterruptsTheTaskInProgress() throws Exception {
    pg.holdStart = new CountDownLatch(1);
    CompletableFuture<BackgroundTask.Result> done =
        executor.startInBackground(
            Plans.restart(true, null, 60), DynamicConfig.DEFAULTS, "restart", "restarting");
    assertEquals("restarting", background.state());
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!pg.calls.contains("start primary") && System.nanoTime() < until) {
      Thread.sleep(5);
    }
    PlanExecutor.Outcome o =
        executor.execute(Plan.none("x").then(new Effect.CancelTask()), DynamicConfig.DEFAULTS);
    assertTrue(o.ok());
    assertNull(background.busyWith());
    assertFalse(done.get(5, TimeUnit.SECONDS).ok(), "a cancelled restart did not succeed");
    assertTrue(pg.calls.contains("start interrupted"), pg.calls.toString());
  }

  @Test
  void aFatalErrorInTheBackgroundReachesTheLoop() throws Exception {
    Plan plan =
        Plan.of(Plan.Kind.BOOTSTRAP, "trying to bootstrap a new cluster")
            .then(
                new Effect.InitDb(),
                Plan.none("x").then(new Effect.ExitFatal("Failed to bootstrap cluster")))
            .then(new Effect.ExitFatal("Failed to bootstrap cluster"));
    executor.execute(plan, DynamicConfig.DEFAULTS);
    waitIdle();
    FatalError e = assertThrows(FatalError.class, background::rethrowFatal);
    assertEquals("Failed to bootstrap cluster", e.getMessage());
  }

  @Test
  void shutdownReleasesTheKeyOnlyOncePostgresStopped() {
    PlanExecutor.Outcome ok = executor.execute(Plans.shutdown(true, 60), DynamicConfig.DEFAULTS);
    assertEquals("Leader key released", ok.message());
    assertTrue(ok.ok());
    assertEquals(List.of("setStatus {\"optime\":4242}", "deleteLeader"), dcs.calls.subList(0, 2));

    dcs.calls.clear();
    pg.stopOk = false;
    PlanExecutor.Outcome refused =
        executor.execute(Plans.shutdown(true, 60), DynamicConfig.DEFAULTS);
    assertFalse(refused.ok());
    assertEquals("PostgreSQL shutdown failed, leader key not removed.", refused.message());
    assertEquals(List.of(), dcs.calls, "the key stays while PostgreSQL may still accept writes");
  }

  @Test
  void divergedStandbyIsPublishedStoppingThenStoppedRewoundAndStartedInTheBackground()
      throws Exception {
    Cluster led = HaDecisionTest.cluster("node2", null, 0, HaDecisionTest.N2_PRIMARY);
    Plan plan =
        HaDecision.decide(
            input(led, HaDecisionTest.replica(100))
                .withRewind(new HaInput.RewindCheck(true, true)));
    PlanExecutor.Outcome o = executor.execute(plan, DynamicConfig.DEFAULTS);
    assertTrue(o.inBackground(), "pg_rewind runs in the background");
    waitIdle();
    assertEquals(List.of("stop FAST", "rewind node2", "start replica of node2"), pg.calls);
    assertEquals(List.of(0), stoppingAt, "'stopping' is published before the stop, once");
    assertEquals(List.of(Role.REPLICA), published);

    pg.calls.clear();
    pg.stopOk = false;
    PlanExecutor.Outcome refused = executor.execute(plan, DynamicConfig.DEFAULTS);
    assertFalse(refused.ok());
    assertEquals(List.of("stop FAST"), pg.calls, "no pg_rewind on a running PostgreSQL");
  }

  private void waitIdle() throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (background.busyWith() != null && System.nanoTime() < until) {
      Thread.sleep(5);
    }
    assertNull(background.busyWith(), "the task ended");
  }
}
