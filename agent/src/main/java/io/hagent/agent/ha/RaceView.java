package io.hagent.agent.ha;

import io.hagent.agent.postgres.LocalState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The peers' answers for a leader race (§5.6). After a clean shutdown the old leader published its
 * final WAL position (status optime: the start of its shutdown checkpoint record); a peer that
 * reports no more than that while we have more may simply not have published since it received the
 * last WAL, so it is asked again, for at most min(loop_wait, 2 s): otherwise the race between equal
 * replicas would go to whoever asks first, not to the higher failover_priority.
 */
final class RaceView {
  private final PeerProbe peers;
  private final LongSupplier nanoTime;
  private final BooleanSupplier stopping;

  RaceView(PeerProbe peers, LongSupplier nanoTime, BooleanSupplier stopping) {
    this.peers = peers;
    this.nanoTime = nanoTime;
    this.stopping = stopping;
  }

  Map<String, PeerStatus> ask(
      Cluster cluster, LocalState local, List<Member> others, DynamicConfig dyn) {
    Map<String, PeerStatus> seen = new java.util.LinkedHashMap<>(peers.probe(others));
    long optime = cluster.status().optime();
    if (optime <= 0 || local.walPosition() <= optime) {
      return seen;
    }
    long deadline =
        nanoTime.getAsLong()
            + TimeUnit.MILLISECONDS.toNanos(Math.min(2000, 1000L * dyn.loopWait()));
    while (!stopping.getAsBoolean()) {
      List<Member> stale =
          others.stream()
              .filter(
                  m -> {
                    PeerStatus p = seen.get(m.name());
                    return p != null
                        && p.reachable()
                        && !"primary".equals(p.role())
                        && !p.nofailover()
                        && p.walPosition() <= optime;
                  })
              .toList();
      if (stale.isEmpty() || nanoTime.getAsLong() - deadline >= 0) {
        break;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      seen.putAll(peers.probe(stale));
    }
    return seen;
  }
}
