package io.hagent.agent.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.SyncState;
import io.hagent.common.dcs.DcsException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A synchronous standby stopping asks to be released first (§6.2), and only then goes on. */
class SyncReleaseTest {

  static Cluster withSync(SyncState sync, Map<String, Object> config) {
    Cluster c =
        HaDecisionTest.cluster(
            "node2", null, 100, HaDecisionTest.ME_REPLICA, HaDecisionTest.N2_PRIMARY);
    return new Cluster(
        c.initialize(),
        config,
        c.configModRevision(),
        c.leader(),
        c.status(),
        c.members(),
        c.failover(),
        sync,
        c.history(),
        c.failsafe(),
        c.revision());
  }

  static final Map<String, Object> ON = Map.of("synchronous_mode", true, "loop_wait", 2);

  /** Reads clusters from a queue (the last one repeats); records member writes. */
  static final class ScriptedDcs extends RecordingDcs {
    final Deque<Cluster> views = new ArrayDeque<>();
    Map<String, Object> lastMember;

    @Override
    public Cluster readCluster() throws DcsException {
      return views.size() > 1 ? views.poll() : views.peek();
    }

    @Override
    public void touchMember(Map<String, Object> data) throws DcsException {
      lastMember = data;
      super.touchMember(data);
    }
  }

  @Test
  void asksWithNosyncAndWaitsUntilTheKeyDropsIt() {
    ScriptedDcs dcs = new ScriptedDcs();
    dcs.views.add(withSync(new SyncState("node2", List.of("node1"), 0, 5), ON));
    dcs.views.add(withSync(new SyncState("node2", List.of(), 0, 6), ON));
    AtomicLong clock = new AtomicLong();
    Cluster now = withSync(new SyncState("node2", List.of("node1"), 0, 5), ON);
    boolean asked =
        SyncRelease.beforeStop(
            "node1",
            now,
            Map.of("role", "replica", "tags", Map.of("clonefrom", true)),
            dcs,
            () -> clock.addAndGet(100_000_000L));
    assertTrue(asked);
    assertEquals(
        Map.of("clonefrom", true, "nosync", true, "sync_priority", 0), dcs.lastMember.get("tags"));
  }

  @Test
  void notListedOrSyncModeOffStopsAtOnce() {
    ScriptedDcs dcs = new ScriptedDcs();
    Map<String, Object> member = Map.of("role", "replica");
    assertFalse(
        SyncRelease.beforeStop(
            "node1",
            withSync(new SyncState("node2", List.of("node3"), 0, 5), ON),
            member,
            dcs,
            System::nanoTime));
    assertFalse(
        SyncRelease.beforeStop(
            "node1",
            withSync(new SyncState("node2", List.of("node1"), 0, 5), Map.of()),
            member,
            dcs,
            System::nanoTime));
    assertEquals(null, dcs.lastMember, "nothing published");
  }

  @Test
  void givesUpAfterTwoLoopWaits() {
    ScriptedDcs dcs = new ScriptedDcs();
    Cluster stillListed = withSync(new SyncState("node2", List.of("node1"), 0, 5), ON);
    dcs.views.add(stillListed);
    AtomicLong clock = new AtomicLong();
    long start = System.nanoTime();
    assertTrue(
        SyncRelease.beforeStop(
            "node1", stillListed, Map.of(), dcs, () -> clock.addAndGet(1_000_000_000L)));
    assertTrue(System.nanoTime() - start < 10_000_000_000L, "bounded by 2*loop_wait");
  }
}
