package io.hagent.agent.ha;

import static io.hagent.agent.ha.HaDecisionTest.N2_PRIMARY;
import static io.hagent.agent.ha.HaDecisionTest.cluster;
import static io.hagent.agent.ha.HaDecisionTest.paused;
import static io.hagent.agent.ha.HaDecisionTest.replica;
import static io.hagent.agent.ha.HaDecisionTest.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.ha.Plan.Kind;
import io.hagent.agent.postgres.Postgres.StopMode;
import io.hagent.common.cluster.Cluster;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A running standby whose timeline forked off the leader's (#12: the old primary back as a standby
 * after a partition): the decision stops it and rewinds, or removes the data directory, or keeps it
 * running and says why, from the divergence check the loop gathered.
 */
class DivergedStandbyDecisionTest {

  record Case(
      String situation,
      Cluster cluster,
      HaInput.RewindCheck check,
      HaInput.LocalSettings local,
      Kind kind,
      String message,
      List<Class<? extends Effect>> effects) {
    HaInput input() {
      return row(situation, cluster, replica(100), LockState.NOT_HOLDER, kind, message)
          .input()
          .withRewind(check)
          .withLocal(local);
    }

    @Override
    public String toString() {
      return situation;
    }
  }

  static final Cluster LED_BY_NODE2 = cluster("node2", null, 0, N2_PRIMARY);
  static final HaInput.LocalSettings KEEP = new HaInput.LocalSettings(60, false, false);
  static final HaInput.LocalSettings REMOVE_ON_DIVERGED =
      new HaInput.LocalSettings(60, false, true);
  static final String FOLLOWING =
      "no action. I am (node1), a secondary, and following a leader (node2)";

  static Stream<Arguments> cases() {
    return Stream.of(
            new Case(
                "standby on the leader's timeline follows it",
                LED_BY_NODE2,
                HaInput.RewindCheck.NOT_NEEDED,
                KEEP,
                Kind.FOLLOW,
                FOLLOWING,
                List.of(Effect.Follow.class)),
            new Case(
                "diverged standby, pg_rewind possible: stop, rewind, start following",
                LED_BY_NODE2,
                new HaInput.RewindCheck(true, true),
                KEEP,
                Kind.REWIND,
                "running pg_rewind from node2",
                List.of(
                    Effect.Log.class,
                    Effect.Stop.class,
                    Effect.Rewind.class,
                    Effect.Log.class,
                    Effect.Start.class,
                    Effect.Callback.class)),
            new Case(
                "diverged standby, no pg_rewind, remove_data_directory_on_diverged_timelines",
                LED_BY_NODE2,
                new HaInput.RewindCheck(true, false),
                REMOVE_ON_DIVERGED,
                Kind.REMOVE_DATA_DIRECTORY,
                "reinitializing due to diverged timelines",
                List.of(Effect.Log.class, Effect.Stop.class, Effect.RemoveDataDirectory.class)),
            new Case(
                "diverged standby, neither pg_rewind nor removal: keeps running, says why",
                LED_BY_NODE2,
                new HaInput.RewindCheck(true, false),
                KEEP,
                Kind.FOLLOW,
                "local timeline diverged from leader node2 and neither pg_rewind nor"
                    + " remove_data_directory_on_diverged_timelines can be used; PostgreSQL keeps"
                    + " running but cannot replicate",
                List.of(Effect.Follow.class)),
            new Case(
                "diverged standby in pause: left alone",
                paused(LED_BY_NODE2),
                new HaInput.RewindCheck(true, true),
                KEEP,
                Kind.FOLLOW,
                FOLLOWING,
                List.of()))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decides(Case c) {
    Plan p = HaDecision.decide(c.input());
    assertEquals(c.kind(), p.kind(), "kind");
    assertEquals(c.message(), p.message(), "message");
    assertEquals(c.effects(), p.effects().stream().map(Object::getClass).toList(), "effects");
  }

  @Test
  void theStopIsFastAndAFailedStopLeavesTheDataDirectoryAlone() {
    Plan p = HaDecision.decide(cases().map(a -> (Case) a.get()[0]).toList().get(1).input());
    Plan.Step stop = p.steps().get(1);
    assertEquals(StopMode.FAST, ((Effect.Stop) stop.effect()).mode());
    assertEquals(Kind.NONE, stop.onFailure().kind());
    assertTrue(stop.onFailure().effects().isEmpty(), "no rewind after a failed stop");
    assertEquals(
        new Effect.Start(false, N2_PRIMARY, 60),
        p.effects().stream()
            .filter(e -> e instanceof Effect.Start)
            .reduce((a, b) -> b)
            .orElse(null),
        "comes back as a standby of the leader (then on_start reports it)");
  }
}
