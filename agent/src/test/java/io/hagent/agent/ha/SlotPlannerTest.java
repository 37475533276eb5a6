package io.hagent.agent.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hagent.agent.postgres.SlotSpec;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.cluster.Leader;
import io.hagent.common.cluster.Member;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.SlotsConfig;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which slots each node wants (§6.1), one row per topology rule. */
class SlotPlannerTest {

  private static final Map<String, Object> NO_TTL = Map.of("member_slots_ttl", 0);
  private static final Map<String, Object> PERMANENT =
      Map.of(
          "member_slots_ttl",
          0,
          "slots",
          Map.of(
              "backup",
              Map.of("type", "physical"),
              "cdc",
              Map.of("type", "logical", "database", "app", "plugin", "test_decoding"),
              "node1",
              Map.of("type", "physical")));

  static Member m(String name, Map<String, Object> tags) {
    return HaDecisionTest.member(name, "replica", 1000, tags);
  }

  static Cluster cluster(ClusterStatus status, Member... members) {
    return new Cluster(
        "1",
        Map.of(),
        1,
        new Leader("node1", 5, 1),
        status,
        List.of(members),
        null,
        null,
        List.of(),
        null,
        10);
  }

  static final Cluster THREE =
      cluster(
          new ClusterStatus(5000, Map.of("backup", 4000L, "cdc", 3000L), List.of()),
          m("node1", Map.of()),
          m("node2", Map.of()),
          m("node3", Map.of("replicatefrom", "node2")),
          m("node4", Map.of("nostream", true)));

  /** "name:type:expected_active:lsn", sorted. */
  static String render(Map<String, SlotSpec> slots) {
    return new TreeMap<>(slots)
        .values().stream()
            .map(
                s ->
                    s.name()
                        + ":"
                        + s.type().charAt(0)
                        + ":"
                        + (s.expectedActive() == null ? "-" : s.expectedActive() ? "A" : "i")
                        + ":"
                        + (s.lsn() == null ? "-" : s.lsn()))
            .collect(Collectors.joining(" "));
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of(
            "leader, no retention: slots for members streaming from it, not the cascade, not"
                + " nostream",
            "node1",
            true,
            Map.of(),
            NO_TTL,
            "node2:p:A:-"),
        Arguments.of(
            "replica, no retention: a slot for the member cascading from it",
            "node2",
            false,
            Map.of(),
            NO_TTL,
            "node3:p:A:1000"),
        Arguments.of(
            "leader with retention: every member but nostream, cascade inactive",
            "node1",
            true,
            Map.of(),
            Map.of(),
            "node2:p:A:- node3:p:i:1000"),
        Arguments.of(
            "replica with retention: every member, only its cascade active",
            "node2",
            false,
            Map.of(),
            Map.of(),
            "node1:p:i:- node3:p:A:1000"),
        Arguments.of(
            "nofailover replica with retention: only its cascade",
            "node2",
            false,
            Map.of("nofailover", true),
            Map.of(),
            "node3:p:A:1000"),
        Arguments.of(
            "leader: permanent physical active, logical created, none named like itself",
            "node1",
            true,
            Map.of(),
            PERMANENT,
            "backup:p:A:4000 cdc:l:-:3000 node2:p:A:-"),
        Arguments.of(
            "replica: permanent copies inactive (advanced to the status key), node1's too",
            "node3",
            false,
            Map.of("replicatefrom", "node2"),
            PERMANENT,
            "backup:p:i:4000 cdc:l:-:3000 node1:p:i:-"),
        Arguments.of(
            "nostream replica: physical permanent slots only",
            "node4",
            false,
            Map.of("nostream", true),
            PERMANENT,
            "backup:p:i:4000 node1:p:i:-"),
        Arguments.of(
            "nofailover replica: no permanent slots",
            "node2",
            false,
            Map.of("nofailover", true),
            PERMANENT,
            "node3:p:A:1000"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void desired(
      String why,
      String me,
      boolean leader,
      Map<String, Object> tags,
      Map<String, Object> dynamic,
      String expected) {
    assertEquals(
        expected,
        render(
            SlotPlanner.desired(
                me, leader, new Tags(tags), THREE, SlotsConfig.from(dynamic), true)),
        why);
  }

  @Test
  void retainedSlotsOfVanishedMembersAreKeptOnEveryNode() {
    Cluster c =
        cluster(
            new ClusterStatus(5000, Map.of("gone", 4500L), List.of("gone", "node1")),
            m("node1", Map.of()),
            m("node2", Map.of()));
    assertEquals(
        "gone:p:-:4500 node2:p:A:-",
        render(
            SlotPlanner.desired(
                "node1", true, new Tags(Map.of()), c, SlotsConfig.from(Map.of()), true)));
    assertEquals(
        "",
        render(
            SlotPlanner.desired(
                "node1", true, new Tags(Map.of()), c, SlotsConfig.from(Map.of()), false)),
        "use_slots off: none");
  }

  @Test
  void followTargetIsTheNamedReplicaWhileItExists() {
    Member leader = THREE.member("node1").orElseThrow();
    HaInput me3 = input("node3", Map.of("replicatefrom", "node2"), THREE);
    assertEquals("node2", SlotPlanner.followTarget(me3, leader).name());
    Cluster without2 =
        cluster(
            ClusterStatus.EMPTY,
            m("node1", Map.of()),
            m("node3", Map.of("replicatefrom", "node2")));
    assertEquals(
        "node1",
        SlotPlanner.followTarget(input("node3", Map.of("replicatefrom", "node2"), without2), leader)
            .name(),
        "falls back to the leader");
    assertEquals(
        "node1",
        SlotPlanner.followTarget(input("node2", Map.of("replicatefrom", "node4"), THREE), leader)
            .name(),
        "a nostream member streams nothing it could pass on");
    assertEquals("node1", SlotPlanner.followTarget(input("node2", Map.of(), THREE), leader).name());
  }

  private static HaInput input(String me, Map<String, Object> tags, Cluster c) {
    return new HaInput(
        me,
        c,
        null,
        io.hagent.common.config.DynamicConfig.DEFAULTS,
        new Tags(tags),
        LockState.NOT_HOLDER,
        Map.of(),
        false,
        Instant.EPOCH);
  }
}
