package io.hagent.agent.ha;

import static io.hagent.agent.ha.HaDecisionTest.cluster;
import static io.hagent.agent.ha.HaDecisionTest.emptyDir;
import static io.hagent.agent.ha.HaDecisionTest.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.ha.Plan.Kind;
import io.hagent.agent.node.Role;
import io.hagent.common.cluster.Cluster;
import org.junit.jupiter.api.Test;

/**
 * An empty node in a cluster without leader creates its replica from a backup when a replica method
 * is marked no_leader (Patroni's "bootstrap (without leader)"), and waits otherwise.
 */
class ReplicaWithoutLeaderPlanTest {
  static final HaInput.LocalSettings NO_LEADER_METHOD =
      new HaInput.LocalSettings(60, false, false, false, false, true);

  static HaInput emptyNode(Cluster c) {
    return row("x", c, emptyDir(), LockState.NOT_HOLDER, Kind.NONE, "").input();
  }

  @Test
  void aNoLeaderMethodCreatesTheReplicaAndStartsItFollowingNobody() {
    Plan p = HaDecision.decide(emptyNode(cluster(null, null, 0)).withLocal(NO_LEADER_METHOD));
    assertEquals(Kind.CLONE, p.kind());
    assertEquals("trying to bootstrap (without leader)", p.message());
    assertEquals(Role.REPLICA, p.role());
    Effect.Clone clone = (Effect.Clone) p.effects().get(0);
    assertNull(clone.source());
    assertEquals("bootstrap (without leader)", PlanExecutor.actionName(clone));
    assertEquals("failed to bootstrap (without leader)", p.steps().get(0).onFailure().message());
    assertTrue(p.effects().contains(new Effect.Start(false, null, 60)));
    assertEquals(
        new Effect.Log("bootstrapped (without leader)"), p.effects().get(p.effects().size() - 1));
  }

  @Test
  void withoutSuchAMethodOrWhileAnotherNodeBootstrapsItWaits() {
    assertEquals(
        "waiting for leader to bootstrap",
        HaDecision.decide(emptyNode(cluster(null, null, 0))).message());
    Cluster bootstrapping =
        new Cluster(
            "",
            java.util.Map.of(),
            1,
            null,
            new io.hagent.common.cluster.ClusterStatus(0, java.util.Map.of(), java.util.List.of()),
            java.util.List.of(),
            null,
            null,
            java.util.List.of(),
            null,
            10);
    assertEquals(
        "waiting for leader to bootstrap",
        HaDecision.decide(emptyNode(bootstrapping).withLocal(NO_LEADER_METHOD)).message());
  }
}
