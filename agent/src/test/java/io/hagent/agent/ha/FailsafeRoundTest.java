package io.hagent.agent.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.config.DynamicConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The leader's round and its deadline (docs/failsafe.md), on a fake clock and a fake caller. */
class FailsafeRoundTest {
  static final long S = TimeUnit.SECONDS.toNanos(1);
  static final DynamicConfig CFG =
      DynamicConfig.from(Map.of("ttl", 20, "loop_wait", 2, "retry_timeout", 5));
  static final Map<String, Object> TOPOLOGY =
      Map.of("node1", "http://a/patroni", "node2", "http://b/patroni");

  static Stream<Arguments> rows() {
    FailsafeCheck all = new FailsafeCheck(true, Map.of("node2", true));
    FailsafeCheck refused = new FailsafeCheck(true, Map.of("node2", false));
    return Stream.of(
        // situation, seconds left on the lease before the round (null = released),
        // seconds the round takes, its answers, extended?
        Arguments.of("accepted in time", 10L, 1L, all, true),
        Arguments.of("accepted, ended inside the guard's margin", 3L, 2L, all, false),
        Arguments.of("accepted, ended after the deadline", 3L, 5L, all, false),
        Arguments.of("refused", 10L, 1L, refused, false),
        Arguments.of("not in the topology", 10L, 0L, FailsafeCheck.NOT_IN_TOPOLOGY, false),
        Arguments.of("lease already released", null, 1L, all, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void aRoundExtendsTheDeadlineOnlyWhenAcceptedByAllAndInTime(
      String situation, Long leftBefore, long takes, FailsafeCheck answers, boolean extended) {
    AtomicLong now = new AtomicLong(1000 * S);
    LeaderLease lease = new LeaderLease(20);
    if (leftBefore != null) {
      lease.renewed(now.get() - (20 - leftBefore) * S);
    }
    FailsafeState state = new FailsafeState(20, now::get);
    List<Map<String, Object>> bodies = new ArrayList<>();
    FailsafeRound round =
        new FailsafeRound(
            (me, topology, body, budget) -> {
              bodies.add(body);
              assertEquals(6750, budget.toMillis(), "the budget follows the timings");
              now.addAndGet(takes * S);
              return answers;
            },
            state,
            lease,
            now::get);
    long sent = now.get();
    FailsafeCheck result =
        round.run("node1", "postgres://a:5432/postgres", "http://a/patroni", TOPOLOGY, CFG);
    assertEquals(extended, result.allAccepted(), situation);
    assertEquals(extended, state.isActive(), situation);
    if (extended) {
      assertEquals(sent + 20 * S, lease.untilNanos(), "deadline = send time + ttl");
    } else {
      assertFalse(lease.isHeld(now.get()), "released: " + situation);
    }
    assertEquals(
        Map.of(
            "name", "node1",
            "conn_url", "postgres://a:5432/postgres",
            "api_url", "http://a/patroni",
            "slots", Map.of()),
        bodies.get(0),
        "Patroni's body");
  }

  @Test
  void aReplicaThatAcceptedReadsAMissingKeyAsTheLeaders() {
    AtomicLong now = new AtomicLong(5 * S);
    FailsafeState state = new FailsafeState(20, now::get);
    FailsafeRound round =
        new FailsafeRound((a, b, c, d) -> null, state, new LeaderLease(20), now::get);
    Cluster unlocked = HaDecisionTest.cluster(null, null, 0, HaDecisionTest.ME_REPLICA);
    assertSame(unlocked, round.view(unlocked, "node1"), "nobody called");
    state.accept("node2", "postgres://b:5432/postgres", "http://b/patroni");
    assertEquals("node2", round.view(unlocked, "node1").leader().name());
    now.addAndGet(20 * S);
    assertTrue(round.view(unlocked, "node1").isUnlocked(), "ttl after acceptance: forgotten");
  }
}
