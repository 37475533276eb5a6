package io.hagent.agent.ha;

import static io.hagent.agent.ha.HaDecisionTest.N2_REPLICA;
import static io.hagent.agent.ha.HaDecisionTest.N3_REPLICA;
import static io.hagent.agent.ha.HaDecisionTest.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.ha.Plan.Kind;
import io.hagent.agent.postgres.LocalState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.DynamicConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Failsafe mode's decisions (§5.8, docs/failsafe.md), one row per situation. */
class FailsafeDecisionTest {

  static final DynamicConfig ON = DynamicConfig.from(Map.of("failsafe_mode", true));
  static final DynamicConfig OFF = DynamicConfig.DEFAULTS;
  static final DynamicConfig ON_PAUSED =
      DynamicConfig.from(Map.of("failsafe_mode", true, "pause", true));

  static final FailsafeCheck ALL = new FailsafeCheck(true, Map.of("node2", true, "node3", true));
  static final FailsafeCheck ONE_MISSING =
      new FailsafeCheck(true, Map.of("node2", true, "node3", false));
  static final FailsafeCheck SINGLE_NODE = new FailsafeCheck(true, Map.of());

  /** The DCS could not be read (cluster null) or the lock not renewed (lock LOST). */
  static HaInput dcsDown(DynamicConfig cfg, LocalState pg, LockState lock, FailsafeCheck check) {
    return new HaInput("node1", null, pg, cfg, new Tags(Map.of()), lock, Map.of(), true, NOW)
        .withFailsafe(check);
  }

  static Stream<Arguments> dcsUnreachableRows() {
    LocalState primary = HaDecisionTest.primary(100);
    LocalState replica = HaDecisionTest.replica(100);
    String cont = FailsafeDecision.CONTINUE;
    String demoted = FailsafeDecision.DEMOTED;
    return Stream.of(
        Arguments.of("on, every member accepted", ON, primary, ALL, Kind.NONE, cont, null),
        Arguments.of("on, single-node topology", ON, primary, SINGLE_NODE, Kind.NONE, cont, null),
        Arguments.of(
            "on, one member did not accept",
            ON,
            primary,
            ONE_MISSING,
            Kind.DEMOTE,
            demoted,
            "offline"),
        Arguments.of(
            "on, not in the failsafe key",
            ON,
            primary,
            FailsafeCheck.NOT_IN_TOPOLOGY,
            Kind.DEMOTE,
            demoted,
            "offline"),
        Arguments.of(
            "on, no round made (busy)", ON, primary, null, Kind.DEMOTE, demoted, "offline"),
        Arguments.of(
            "off, all accepted is ignored", OFF, primary, ALL, Kind.DEMOTE, demoted, "offline"),
        Arguments.of(
            "on, paused primary",
            ON_PAUSED,
            primary,
            null,
            Kind.NONE,
            "DCS is not accessible",
            null),
        Arguments.of(
            "on, replica keeps running",
            ON,
            replica,
            null,
            Kind.NONE,
            "DCS is not accessible",
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dcsUnreachableRows")
  void primaryWhoseDcsIsUnreachable(
      String situation,
      DynamicConfig cfg,
      LocalState pg,
      FailsafeCheck check,
      Kind kind,
      String message,
      String demoteMode) {
    for (LockState lock : List.of(LockState.NOT_HOLDER, LockState.LOST)) {
      Plan p = HaDecision.decide(dcsDown(cfg, pg, lock, check));
      assertEquals(kind, p.kind(), situation + " / " + lock);
      assertEquals(message, p.message(), situation + " / " + lock);
      assertEquals(demoteMode, HaDecisionTest.demoteMode(p), situation + " / " + lock);
      if (kind == Kind.NONE) {
        assertTrue(p.steps().isEmpty(), "staying primary touches nothing: " + p.steps());
      }
    }
  }

  static Stream<Arguments> busyRows() {
    LocalState primary = HaDecisionTest.primary(100);
    LocalState stopped = HaDecisionTest.stopped("in production");
    String cont = FailsafeDecision.CONTINUE;
    return Stream.of(
        Arguments.of("on, every member accepted", ON, primary, ALL, Kind.NONE, cont),
        Arguments.of("on, single-node topology", ON, primary, SINGLE_NODE, Kind.NONE, cont),
        Arguments.of(
            "on, one member did not accept",
            ON,
            primary,
            ONE_MISSING,
            Kind.DEMOTE,
            "lost leader lock during restart"),
        Arguments.of(
            "off, all accepted is ignored",
            OFF,
            primary,
            ALL,
            Kind.DEMOTE,
            "lost leader lock during restart"),
        Arguments.of(
            "on, PostgreSQL not running (no round is made)",
            ON,
            stopped,
            null,
            Kind.DEMOTE,
            "lost leader lock during restart"),
        Arguments.of("on, paused", ON_PAUSED, primary, null, Kind.NONE, "restart in progress"));
  }

  /**
   * Issue #12: a primary busy with a background task (a restart waiting on a long checkpoint) whose
   * DCS becomes unreachable. Patroni's _handle_dcs_error does not look at its async executor, so
   * failsafe keeps it primary while every member accepts; without that it demotes as before.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("busyRows")
  void primaryBusyWithATaskWhoseDcsIsUnreachable(
      String situation,
      DynamicConfig cfg,
      LocalState pg,
      FailsafeCheck check,
      Kind kind,
      String message) {
    Plan p = HaDecision.decide(dcsDown(cfg, pg, LockState.LOST, check).busyWith("restart"));
    assertEquals(kind, p.kind(), situation);
    assertEquals(message, p.message(), situation);
    if (kind == Kind.NONE) {
      assertTrue(p.steps().isEmpty(), "the task goes on untouched: " + p.steps());
    }
  }

  /** The key's lifecycle: written while on and changed, deleted once off, left alone otherwise. */
  @Test
  void theLeaderWritesTheKeyWhileOnAndDeletesItOnceOff() {
    Map<String, String> two = Map.of("node1", "http://a/patroni", "node2", "http://b/patroni");
    Map<String, Object> twoRead = Map.of("node1", "http://a/patroni", "node2", "http://b/patroni");
    Map<String, Object> threeRead =
        Map.of(
            "node1", "http://a/patroni", "node2", "http://b/patroni", "node3", "http://c/patroni");
    assertEquals(FailsafeDecision.KeyChange.WRITE, FailsafeDecision.keyChange(two, null));
    assertEquals(FailsafeDecision.KeyChange.NONE, FailsafeDecision.keyChange(two, twoRead));
    // node3's member key expired (it left): the next write drops it
    assertEquals(FailsafeDecision.KeyChange.WRITE, FailsafeDecision.keyChange(two, threeRead));
    // failsafe_mode switched off at runtime: the stale key goes, once
    assertEquals(FailsafeDecision.KeyChange.DELETE, FailsafeDecision.keyChange(null, threeRead));
    assertEquals(FailsafeDecision.KeyChange.DELETE, FailsafeDecision.keyChange(null, Map.of()));
    assertEquals(FailsafeDecision.KeyChange.NONE, FailsafeDecision.keyChange(null, null));
  }

  @Test
  void topologyHasEveryMemberWithAnApiUrlAndTheLeader() {
    Map<String, Object> noApi = new LinkedHashMap<>(N3_REPLICA.data());
    noApi.remove("api_url");
    Map<String, String> t =
        FailsafeDecision.topology(
            "node1",
            "http://10.0.0.1:8008/patroni",
            List.of(N2_REPLICA, new Member("node3", noApi, 1)));
    assertEquals(
        Map.of("node2", "http://127.0.0.1:8008/patroni", "node1", "http://10.0.0.1:8008/patroni"),
        t);
  }

  @Test
  void aLeaderlessViewReadsAsLedByTheAcceptedLeader() {
    Cluster unlocked = HaDecisionTest.cluster(null, null, 100, HaDecisionTest.ME_REPLICA);
    FailsafeState.AcceptedLeader n2 =
        new FailsafeState.AcceptedLeader(
            "node2", "postgres://10.0.0.2:5432/postgres", "http://10.0.0.2:8008/patroni", 1);
    Cluster seen = FailsafeDecision.withAcceptedLeader(unlocked, n2, "node1");
    assertEquals("node2", seen.leader().name());
    Member leader = seen.leaderMember().orElseThrow();
    assertEquals("postgres://10.0.0.2:5432/postgres", leader.connUrl(), "expired member rebuilt");
    assertEquals("primary", leader.role());

    // and then the replica follows it instead of racing
    HaInput in =
        new HaInput(
            "node1",
            seen,
            HaDecisionTest.replica(100),
            ON,
            new Tags(Map.of()),
            LockState.NOT_HOLDER,
            Map.of(),
            true,
            NOW);
    Plan p = HaDecision.decide(in);
    assertEquals(Kind.FOLLOW, p.kind());
    assertEquals(
        "no action. I am (node1), a secondary, and following a leader (node2)", p.message());

    // a held key, or a leader that is ourselves, is left alone
    Cluster locked = HaDecisionTest.cluster("node3", null, 100, N3_REPLICA);
    assertSame(locked, FailsafeDecision.withAcceptedLeader(locked, n2, "node1"));
    assertSame(unlocked, FailsafeDecision.withAcceptedLeader(unlocked, n2, "node2"));
  }

  @Test
  void aMemberMissingFromTheFailsafeKeyDoesNotRace() {
    Cluster base = HaDecisionTest.cluster(null, null, 100, HaDecisionTest.ME_REPLICA, N2_REPLICA);
    Cluster withKey =
        new Cluster(
            base.initialize(),
            base.config(),
            base.configModRevision(),
            null,
            base.status(),
            base.members(),
            null,
            null,
            List.of(),
            Map.of("node2", "http://127.0.0.1:8008/patroni"),
            base.revision());
    HaInput in =
        new HaInput(
            "node1",
            withKey,
            HaDecisionTest.replica(100),
            ON,
            new Tags(Map.of()),
            LockState.NOT_HOLDER,
            Map.of(),
            true,
            NOW);
    assertTrue(FailsafeDecision.excludedFromRace(in, withKey));
    Plan p = HaDecision.decide(in);
    assertEquals(Kind.FOLLOW, p.kind(), p.message());
    assertTrue(p.notes().toString().contains("not in the failsafe key"), p.notes().toString());

    // failsafe mode off, or an empty key: the ordinary race
    assertFalse(
        FailsafeDecision.excludedFromRace(
            new HaInput(
                "node1",
                withKey,
                HaDecisionTest.replica(100),
                OFF,
                new Tags(Map.of()),
                LockState.NOT_HOLDER,
                Map.of(),
                true,
                NOW),
            withKey));
    assertEquals(Kind.ACQUIRE_LOCK, HaDecision.decide(in.withCluster(base)).kind());
  }

  static Stream<Arguments> timeoutRows() {
    return Stream.of(
        // ttl, loop_wait, retry_timeout -> round budget
        Arguments.of(30, 10, 10, 9250), // Patroni's defaults: (30 - 10 - 1.5) / 2
        Arguments.of(20, 2, 5, 6750), // the scenario tests' timings
        Arguments.of(20, 10, 5, 6750),
        Arguments.of(60, 10, 10, 24250),
        Arguments.of(20, 1, 9, 4750)); // the tightest valid timings still leave more than 2 s
  }

  @ParameterizedTest(name = "ttl {0}, loop_wait {1}, retry_timeout {2}")
  @MethodSource("timeoutRows")
  void theRoundTimeoutFollowsTheTimings(int ttl, int loopWait, int retry, long millis) {
    DynamicConfig cfg =
        DynamicConfig.from(Map.of("ttl", ttl, "loop_wait", loopWait, "retry_timeout", retry));
    assertEquals(Duration.ofMillis(millis), FailsafeDecision.roundTimeout(cfg));
  }

  static Stream<Arguments> lateRoundRows() {
    long ms = 1_000_000L;
    return Stream.of(
        Arguments.of("well before the deadline", 10_000 * ms, true),
        Arguments.of("just outside the guard's margin", 1_501 * ms, true),
        Arguments.of("inside the guard's margin", 1_500 * ms, false),
        Arguments.of("after the deadline", -1 * ms, false),
        Arguments.of("lease released", Long.MAX_VALUE, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lateRoundRows")
  void aLateRoundNeverExtendsTheDeadline(String situation, long remainingNanos, boolean counts) {
    assertEquals(counts, FailsafeDecision.endedInTime(remainingNanos), situation);
  }

  @Test
  void aReplicaRemembersTheLeaderForTtlFromAcceptance() {
    AtomicLong now = new AtomicLong(1_000);
    FailsafeState s = new FailsafeState(20, now::get);
    assertFalse(s.isActive());
    s.accept("node2", "postgres://x/postgres", "http://x:8008/patroni");
    assertEquals("node2", s.acceptedLeader().orElseThrow().name());
    now.addAndGet(TimeUnit.SECONDS.toNanos(20) - 1);
    assertTrue(s.isActive());
    now.addAndGet(1);
    assertTrue(s.acceptedLeader().isEmpty(), "expired exactly ttl after acceptance");
    assertFalse(s.isActive());
  }

  @Test
  void theLeaderIsActiveForTtlFromTheRoundItSent() {
    AtomicLong now = new AtomicLong(5);
    FailsafeState s = new FailsafeState(20, now::get);
    s.leaderRoundSucceeded(now.get());
    now.addAndGet(TimeUnit.SECONDS.toNanos(19));
    assertTrue(s.isActive());
    s.leaderInactive();
    assertFalse(s.isActive());
    assertTrue(s.acceptedLeader().isEmpty(), "the leader never accepts itself");
  }

  @Test
  void theCallGoesToTheApiHostWithPathFailsafe() {
    assertEquals(
        "https://10.0.0.2:8009/failsafe", FailsafeCaller.endpoint("https://10.0.0.2:8009/patroni"));
    assertEquals(
        "http://[::1]:8008/failsafe", FailsafeCaller.endpoint("http://[::1]:8008/patroni"));
    assertEquals(null, FailsafeCaller.endpoint("not a url"));
    assertEquals(null, FailsafeCaller.endpoint(null));
  }

  @Test
  void aRoundWithoutTheFailsafeKeyIsNotAttempted() {
    FailsafeCaller caller = new FailsafeCaller(null, null, System::nanoTime);
    assertSame(
        FailsafeCheck.NOT_IN_TOPOLOGY, caller.call("node1", null, Map.of(), Duration.ofSeconds(1)));
    assertSame(
        FailsafeCheck.NOT_IN_TOPOLOGY,
        caller.call(
            "node1", Map.of("node2", "http://x:8008/patroni"), Map.of(), Duration.ofSeconds(1)));
    FailsafeCheck alone =
        caller.call(
            "node1", Map.of("node1", "http://x:8008/patroni"), Map.of(), Duration.ofSeconds(1));
    assertTrue(alone.allAccepted(), "a single-node topology needs nobody's answer");
  }
}
