package io.hagent.agent.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.ha.CrashEvidence.Probe;
import io.hagent.agent.postgres.WalStream;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.cluster.HostPort;
import io.hagent.common.cluster.Leader;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The detector's sequence: stream seen, stream closed, probes, compare-and-delete, wake. */
class LeaderCrashDetectorTest {

  private static final HostPort API = new HostPort("10.0.0.1", 8008);
  private static final HostPort PG = new HostPort("10.0.0.1", 5432);
  private static final Leader LEADER = new Leader("node1", 77, 9);

  private final FakePostgres pg = new FakePostgres();
  private final RecordingDcs dcs = new RecordingDcs();
  private final AtomicLong clock = new AtomicLong();
  private final AtomicInteger wakes = new AtomicInteger();
  private final List<String> probes = new CopyOnWriteArrayList<>();
  private volatile Probe apiAnswer = Probe.REFUSED;
  private volatile Probe pgAnswer = Probe.REFUSED;
  private volatile Cluster cluster = cluster(LEADER);
  private volatile DynamicConfig dynamic = DynamicConfig.from(Map.of());

  private final LeaderCrashDetector detector =
      new LeaderCrashDetector(
          "node2",
          () -> cluster,
          () -> dynamic,
          pg,
          dcs,
          (address, timeout) -> {
            probes.add(address.equals(API) ? "api" : address.equals(PG) ? "pg" : "?" + address);
            return address.equals(API) ? apiAnswer : pgAnswer;
          },
          wakes::incrementAndGet,
          clock::get);

  private static Cluster cluster(Leader leader) {
    Member node1 =
        new Member(
            "node1",
            Map.of(
                "conn_url", "postgres://10.0.0.1:5432/postgres",
                "api_url", "http://10.0.0.1:8008/patroni",
                "role", "primary"),
            1);
    return new Cluster(
        "1",
        Map.of(),
        1,
        leader,
        ClusterStatus.EMPTY,
        List.of(node1),
        null,
        null,
        List.of(),
        null,
        10);
  }

  /** Ticks {@code n} times, 400 ms apart. */
  private void ticks(int n) {
    for (int i = 0; i < n; i++) {
      detector.tick();
      clock.addAndGet(400_000_000L);
    }
  }

  private long deletes() {
    return dcs.calls.stream().filter(c -> c.startsWith("deleteLeaderIfUnchanged")).count();
  }

  @Test
  void removesTheKeyOfALeaderWhosePortsRefuseAfterItsStreamClosed() {
    pg.walStream = new WalStream("streaming", "10.0.0.1", 5432);
    ticks(2);
    assertTrue(probes.isEmpty(), "no probe while the stream is up");
    pg.walStream = WalStream.NONE;
    ticks(3);
    assertEquals(0, deletes(), "3 rounds within 0.8 s are not enough");
    ticks(1);
    assertEquals(List.of("deleteLeaderIfUnchanged node1 77"), dcs.calls);
    assertEquals(1, wakes.get());
    assertEquals(List.of("api", "pg", "api", "pg", "api", "pg", "api", "pg"), probes);
    ticks(5);
    assertEquals(1, deletes(), "one removal per observed key");
  }

  @Test
  void aFrozenLeaderIsNeverRemovedAndItsPostgresNeverProbed() {
    pg.walStream = new WalStream("streaming", "10.0.0.1", 5432);
    ticks(1);
    pg.walStream = WalStream.NONE;
    apiAnswer = Probe.CONNECTED;
    ticks(20);
    assertEquals(0, deletes());
    assertTrue(probes.stream().allMatch("api"::equals), "PostgreSQL probed: " + probes);
    assertTrue(probes.size() <= 5, "backs off after an answer: " + probes.size() + " probes");
  }

  @Test
  void aPartitionedLeaderIsNeverRemoved() {
    pg.walStream = new WalStream("streaming", "10.0.0.1", 5432);
    ticks(1);
    pg.walStream = WalStream.NONE;
    apiAnswer = Probe.TIMEOUT;
    ticks(20);
    assertEquals(0, deletes());
  }

  @Test
  void aLeaderWhosePostgresStillListensIsNotRemoved() {
    pg.walStream = new WalStream("streaming", "10.0.0.1", 5432);
    ticks(1);
    pg.walStream = WalStream.NONE;
    pgAnswer = Probe.CONNECTED;
    ticks(20);
    assertEquals(0, deletes());
  }

  @Test
  void noTriggerWithoutAStreamSeenFromThisLeaderKey() {
    pg.walStream = WalStream.NONE; // e.g. started after the crash: the lease decides
    ticks(10);
    assertTrue(probes.isEmpty());
    // streamed from a cascading source, not from the leader
    pg.walStream = new WalStream("streaming", "10.0.0.3", 5432);
    ticks(1);
    pg.walStream = WalStream.NONE;
    ticks(10);
    assertTrue(probes.isEmpty());
    // streamed from node1 under an older key revision (it re-took the key since)
    pg.walStream = new WalStream("streaming", "10.0.0.1", 5432);
    cluster = cluster(new Leader("node1", 70, 9));
    ticks(1);
    cluster = cluster(LEADER);
    pg.walStream = WalStream.NONE;
    ticks(10);
    assertTrue(probes.isEmpty());
  }

  @Test
  void switchedOffOrLeaderOrUnreadableDoesNothing() {
    pg.walStream = new WalStream("streaming", "10.0.0.1", 5432);
    ticks(1);
    dynamic = DynamicConfig.from(Map.of("fast_failover", false));
    pg.walStream = WalStream.NONE;
    ticks(10);
    assertTrue(probes.isEmpty(), "fast_failover: false");

    dynamic = DynamicConfig.from(Map.of());
    pg.walStream = new WalStream("streaming", "10.0.0.1", 5432);
    ticks(1);
    pg.walStream = null; // our own PostgreSQL cannot be asked
    ticks(10);
    assertTrue(probes.isEmpty(), "stream unknown");
    assertEquals(0, deletes());
  }
}
