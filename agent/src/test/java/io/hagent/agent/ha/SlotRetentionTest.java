package io.hagent.agent.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** member_slots_ttl: a vanished member's slot stays listed for the ttl, then goes. */
class SlotRetentionTest {

  @Test
  void vanishedMemberIsRetainedForTheTtlThenExpires() {
    SlotRetention r = new SlotRetention();
    Cluster both =
        SlotPlannerTest.cluster(
            ClusterStatus.EMPTY,
            SlotPlannerTest.m("node1", Map.of()),
            SlotPlannerTest.m("node2", Map.of()));
    Cluster alone =
        SlotPlannerTest.cluster(ClusterStatus.EMPTY, SlotPlannerTest.m("node1", Map.of()));
    Set<String> onLeader = Set.of("node2", "backup");
    assertEquals(List.of("node2"), r.update(both, "node1", onLeader, Set.of("backup"), 0, 10));
    assertEquals(List.of("node2"), r.update(alone, "node1", onLeader, Set.of(), 9_999, 10));
    assertEquals(List.of(), r.update(alone, "node1", onLeader, Set.of(), 10_000, 10));
  }

  @Test
  void newLeaderRestartsTheClockForWhatTheOldOneRetained() {
    SlotRetention r = new SlotRetention();
    r.restart(List.of("gone"), 50_000);
    Cluster alone =
        SlotPlannerTest.cluster(ClusterStatus.EMPTY, SlotPlannerTest.m("node1", Map.of()));
    assertEquals(List.of("gone"), r.update(alone, "node1", Set.of("gone"), Set.of(), 59_000, 10));
    assertEquals(List.of(), r.update(alone, "node1", Set.of("gone"), Set.of(), 60_000, 10));
  }

  @Test
  void nostreamMembersAndPermanentSlotsAreNeverRetained() {
    SlotRetention r = new SlotRetention();
    Cluster c =
        SlotPlannerTest.cluster(
            ClusterStatus.EMPTY,
            SlotPlannerTest.m("node1", Map.of()),
            SlotPlannerTest.m("node4", Map.of("nostream", true)),
            SlotPlannerTest.m("backup", Map.of()));
    assertEquals(
        List.of(), r.update(c, "node1", Set.of("node4", "backup"), Set.of("backup"), 0, 10));
  }
}
