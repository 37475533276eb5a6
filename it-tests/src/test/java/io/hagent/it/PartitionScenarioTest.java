package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #12's partition proof: the leader's agent and PostgreSQL are cut off from etcd and from the
 * replicas (through {@link TcpProxy}s, see {@link ClusterFixture#startPartitionable}) while a
 * client keeps writing straight to the leader's PostgreSQL port, as an application with a stale
 * address would. A replica promotes once the leader key expires; the old primary must not have
 * acknowledged a single commit after that promotion (measured by {@link PromotionWatcher}, whose
 * earlier bound is used, so the check errs on the strict side). Then the partition heals and the
 * old leader must rejoin as a streaming replica: a second test on the same cluster, so the two
 * properties fail separately. The third and fourth cut the leader off from its replicas only (etcd
 * still reachable by all), with failsafe mode off and on: nothing may change hands.
 */
@Tag("scenario")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PartitionScenarioTest {
  private static final int TTL = 20;
  private static final Duration FAILOVER = Duration.ofSeconds(TTL + 40);
  private static final Duration HEAL = Duration.ofSeconds(120);

  private static ClusterFixture c;

  /** Set by the first test: the node that was cut off and the one promoted instead. */
  private static AgentNode partitioned;

  private static AgentNode promoted;

  @RegisterExtension
  static final LogTailsOnFailure LOGS_ON_FAILURE = new LogTailsOnFailure(() -> c);

  @BeforeAll
  static void startCluster() {
    c =
        ClusterFixture.startPartitionable(
            new ClusterSpec(3, false, TTL, 2, 5, false, RestApiSecurity.none()));
  }

  @AfterAll
  static void stopCluster() {
    if (c != null) {
      c.close();
    }
  }

  @Test
  @Order(1)
  void aPartitionedLeaderAcknowledgesNothingAfterAnotherNodeIsPromoted() throws Exception {
    AgentNode old = c.waitForHealthyCluster(Duration.ofSeconds(90));
    long cutAt;
    PromotionWatcher.Promotion p;
    List<CommitRecorder.Ack> late;
    CommitRecorder.Ack lastAck;
    int maxPrimaries;
    StringBuilder oldSays = new StringBuilder();
    try (PromotionWatcher watcher = new PromotionWatcher(c.nodes());
        PrimaryCounter counter = new PrimaryCounter(c.nodes());
        DirectWriteProbe probe =
            new DirectWriteProbe(old, c.connectionProperties(), "fenced_writes", 100).start()) {
      probe.recorder().awaitMoreAcks(50, Duration.ofSeconds(30));
      cutAt = System.nanoTime();
      c.partition(old);
      partitioned = old;
      p = watcher.awaitPromotion(old.name(), cutAt, FAILOVER);
      // a late acknowledgement would come now, if the old primary were still writable; what the
      // old node's REST API says meanwhile is a data point (HAProxy routes by it), not checked
      for (int i = 0; i < 5; i++) {
        oldSays
            .append(' ')
            .append(old.healthCode("/primary"))
            .append('/')
            .append(
                old.status()
                    .map(st -> st.path("role").asText() + "," + st.path("state").asText())
                    .orElse("no answer"));
        Wait.sleep(Duration.ofSeconds(1));
      }
      late = probe.acksAfter(p.lastInRecoveryNanos());
      lastAck = probe.lastAck().orElseThrow();
      maxPrimaries = counter.maxSimultaneousPrimaries();
    }
    System.out.printf(
        "partition: %s cut off; its last acknowledged direct commit %d ms after the cut; %s"
            + " writable %d ms after the cut (window %d ms); the old primary stopped %d ms before"
            + " the promotion; most nodes whose /patroni said primary at once: %d; after the"
            + " promotion %s answered GET /primary and role,state:%s%n",
        old.name(),
        (lastAck.ackNanos() - cutAt) / 1_000_000,
        p.node(),
        (p.firstWritableNanos() - cutAt) / 1_000_000,
        p.uncertainty().toMillis(),
        (p.lastInRecoveryNanos() - lastAck.ackNanos()) / 1_000_000,
        maxPrimaries,
        old.name(),
        oldSays);
    assertEquals(
        List.of(),
        late.stream().map(CommitRecorder.Ack::id).toList(),
        "the partitioned old primary acknowledged commits after " + p.node() + " was promoted");
    AgentNode next = c.waitForLeader(FAILOVER);
    assertEquals(p.node(), next.name());
    assertNotEquals(old, next);
    promoted = next;
  }

  @Test
  @Order(2)
  void theOldLeaderRejoinsAsAReplicaWhenThePartitionHeals() {
    assertNotNull(promoted, "the partition test before this one did not get to a new leader");
    c.heal(partitioned);
    AgentNode leader;
    try {
      leader = c.waitForHealthyCluster(HEAL);
    } catch (AssertionError e) {
      throw new AssertionError(
          "after the partition healed, "
              + partitioned.name()
              + " did not rejoin as a streaming replica"
              + divergence(partitioned.config().dir().resolve("data.log")),
          e);
    }
    System.out.printf(
        "rejoin: %s's agent on its timeline:%s%n", partitioned.name(), rewindLines(partitioned));
    assertEquals(promoted, leader, "the leader changed again after the partition healed");
    assertTrue(
        partitioned.reportsRole("replica"), partitioned.name() + " did not rejoin as a replica");
  }

  @Test
  @Order(3)
  void aLeaderCutOffFromItsReplicasButNotFromEtcdStaysLeader() throws Exception {
    leaderCutFromReplicasOnly("replica_cut_writes", false);
  }

  @Test
  @Order(4)
  void withFailsafeModeOnALeaderCutOffFromItsReplicasButNotFromEtcdStaysLeader() throws Exception {
    setFailsafeMode(true);
    try {
      leaderCutFromReplicasOnly("replica_cut_writes_fs", true);
    } finally {
      setFailsafeMode(false);
    }
  }

  /**
   * Issue #12: "a leader partitioned from its replicas but not from etcd stays leader". The
   * leader's PostgreSQL and REST API are cut off from the other members for more than 2 x ttl
   * (their WAL streams break), its agent and every other agent still reach etcd. The leader keeps
   * renewing its key, so no replica may promote, and the leader keeps acknowledging direct writes
   * the whole time; the replicas see none of them until the partition heals, then stream again and
   * catch up.
   */
  private void leaderCutFromReplicasOnly(String table, boolean failsafe) throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    List<AgentNode> replicas = c.nodes().stream().filter(n -> n != leader).toList();
    Duration cutFor = Duration.ofSeconds(2L * TTL + 5);
    long cutAt;
    long replicaRowsAtCut;
    long replicaRowsAtHeal;
    int acksDuringCut;
    long gapMs;
    int maxPrimaries;
    java.util.Set<String> leadersSeen = new java.util.TreeSet<>();
    java.util.Set<String> replicaStates = new java.util.TreeSet<>();
    CommitRecorder.Ack lastAck;
    try (PrimaryCounter counter = new PrimaryCounter(c.nodes());
        DirectWriteProbe probe =
            new DirectWriteProbe(leader, c.connectionProperties(), table, 20).start()) {
      probe.recorder().awaitMoreAcks(20, Duration.ofSeconds(30));
      // let the replicas replay what is there, so their row count at the cut is a fair baseline
      Wait.sleep(Duration.ofSeconds(2));
      cutAt = System.nanoTime();
      c.cutFromMembers(leader);
      try {
        // what the replica had received before the cut is replayed within this second
        Wait.sleep(Duration.ofSeconds(1));
        replicaRowsAtCut = rows(replicas.get(0), table);
        long end = cutAt + cutFor.toNanos();
        while (System.nanoTime() < end) {
          leadersSeen.add(c.leaderName().orElse("none"));
          for (AgentNode r : replicas) {
            replicaStates.add(
                r.name()
                    + ":"
                    + r.status()
                        .map(
                            st ->
                                st.path("role").asText()
                                    + "/"
                                    + st.path("replication_state").asText("-"))
                        .orElse("no answer"));
          }
          Wait.sleep(Duration.ofSeconds(1));
        }
        replicaRowsAtHeal = rows(replicas.get(0), table);
        acksDuringCut = probe.acksAfter(cutAt).size();
        gapMs = probe.recorder().longestGapMillisAfter(cutAt);
        lastAck = probe.lastAck().orElseThrow();
      } finally {
        c.heal(leader);
      }
      maxPrimaries = counter.maxSimultaneousPrimaries();
    }
    System.out.printf(
        "leader cut from its replicas only (failsafe %s): %s acknowledged %d direct commits in"
            + " %d s, longest gap %d ms; leader key holders seen: %s; most primaries at once: %d;"
            + " %s's rows %d at the cut, %d at the heal; replicas' role/replication_state: %s%n",
        failsafe,
        leader.name(),
        acksDuringCut,
        cutFor.toSeconds(),
        gapMs,
        leadersSeen,
        maxPrimaries,
        replicas.get(0).name(),
        replicaRowsAtCut,
        replicaRowsAtHeal,
        replicaStates);
    assertEquals(
        java.util.Set.of(leader.name()), leadersSeen, "the leader key changed hands meanwhile");
    assertEquals(1, maxPrimaries, "a replica promoted while the leader was only cut off from it");
    assertTrue(
        acksDuringCut >= cutFor.toSeconds() * 10,
        "the leader acknowledged only "
            + acksDuringCut
            + " commits in "
            + cutFor.toSeconds()
            + " s");
    assertTrue(gapMs < 2000, "the leader's writes stalled for " + gapMs + " ms");
    assertEquals(
        replicaRowsAtCut,
        replicaRowsAtHeal,
        "the replica kept receiving WAL: the cut did not separate it from the leader");
    assertTrue(
        replicaStates.stream().noneMatch(st -> st.contains(":primary")),
        "a replica reported role primary: " + replicaStates);
    // healed: the same leader, the replicas stream again and have every acknowledged commit
    assertEquals(leader, c.waitForHealthyCluster(HEAL), "the leader changed after the heal");
    for (AgentNode r : replicas) {
      Wait.until(
          r.name() + " to replay the leader's last acknowledged commit",
          HEAL,
          () -> {
            try (var conn = r.connect();
                var st = conn.createStatement();
                var rs =
                    st.executeQuery(
                        "SELECT count(*) FROM " + table + " WHERE id = " + lastAck.id())) {
              return rs.next() && rs.getLong(1) == 1;
            } catch (java.sql.SQLException e) {
              return false;
            }
          });
    }
  }

  private static long rows(AgentNode node, String table) throws java.sql.SQLException {
    try (var conn = node.connect();
        var st = conn.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * PATCH /config failsafe_mode through the leader, then a few cycles for every agent to see it.
   */
  private static void setFailsafeMode(boolean on) throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    java.net.http.HttpResponse<String> r =
        AgentNode.httpClient(null)
            .send(
                java.net.http.HttpRequest.newBuilder(leader.restUri("/config"))
                    .timeout(Duration.ofSeconds(30))
                    .method(
                        "PATCH",
                        java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"failsafe_mode\": " + on + "}"))
                    .header("Content-Type", "application/json")
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    if (on) {
      Wait.until(
          "the failsafe key to list every member",
          Duration.ofSeconds(30),
          () -> {
            String fs = c.kv().get(c.dcsPrefix() + "failsafe").orElse("");
            return c.nodes().stream().allMatch(n -> fs.contains("\"" + n.name() + "\""));
          });
    } else {
      // the leader removes the key once failsafe_mode is off (FailsafeDecision.keyChange)
      Wait.until(
          "the leader to remove the failsafe key",
          Duration.ofSeconds(30),
          () -> c.kv().get(c.dcsPrefix() + "failsafe").isEmpty());
      Wait.until(
          "GET /failsafe to answer 502 with failsafe_mode off",
          Duration.ofSeconds(10),
          () -> c.nodes().stream().allMatch(n -> n.healthCode("/failsafe") == 502));
    }
    Wait.sleep(Duration.ofSeconds(5));
  }

  /** What the agent logged about the divergence check and pg_rewind (a data point). */
  private static String rewindLines(AgentNode node) {
    try (var lines = java.nio.file.Files.lines(node.log())) {
      return lines
          .filter(l -> l.contains("timeline") || l.contains("pg_rewind"))
          .map(l -> "\n  " + l.strip())
          .collect(java.util.stream.Collectors.joining());
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      return " (log unreadable: " + e.getMessage() + ")";
    }
  }

  /**
   * PostgreSQL's own words when a standby's WAL went past the point where the new leader's timeline
   * forked off, i.e. it needed pg_rewind and did not get it; empty if not in the log.
   */
  private static String divergence(java.nio.file.Path pgLog) {
    try (var lines = java.nio.file.Files.lines(pgLog)) {
      return lines
          .filter(l -> l.contains("forked off current database system timeline"))
          .findFirst()
          .map(
              l ->
                  ": its PostgreSQL is a standby whose WAL diverged from the new leader's timeline"
                      + " and was not rewound (\""
                      + l.strip()
                      + "\")")
          .orElse("");
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      return "";
    }
  }
}
