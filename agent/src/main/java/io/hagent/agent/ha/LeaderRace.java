package io.hagent.agent.ha;

import io.hagent.agent.ha.Plan.Kind;
import io.hagent.agent.ha.Plans.DemoteMode;
import io.hagent.agent.postgres.LocalState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Failover;
import java.util.ArrayList;
import java.util.List;

/** The leaderless cluster (§5.6): who races for the key, and what the others do. */
final class LeaderRace {
  private LeaderRace() {}

  static Plan unlockedCluster(HaInput in, Cluster cluster, LocalState pg, boolean paused) {
    List<String> notes = new ArrayList<>();
    if (paused) {
      return pausedUnlocked(in, cluster, pg, notes);
    }
    Plan backoff = RaceBackoff.decide(in, cluster, pg);
    if (backoff != null) {
      return backoff;
    }
    if (isHealthiest(in, cluster, pg, notes)) {
      return HaDecision.acquire(in, Kind.ACQUIRE_LOCK, notes);
    }
    boolean notAllowed = in.tags().nofailover();
    if (pg.isPrimary()) {
      return Plans.demote(
              in,
              DemoteMode.IMMEDIATE_NOLOCK,
              notAllowed
                  ? "demoting self because I am not allowed to become primary"
                  : "demoting self because i am not the healthiest node")
          .withNotes(notes);
    }
    return Plan.of(
            Kind.FOLLOW,
            notAllowed
                ? "following a different leader because I am not allowed to promote"
                : "following a different leader because i am not the healthiest node")
        .withNotes(notes);
  }

  /**
   * Pause: a running primary takes the key, and so does the named candidate of a manual
   * switchover/failover (Patroni allows those in pause), which then promotes; while a request names
   * another member, nobody else races. A request whose candidate has no member key any more is
   * removed by a running primary, which then takes the key.
   */
  private static Plan pausedUnlocked(
      HaInput in, Cluster cluster, LocalState pg, List<String> notes) {
    Failover f = cluster.failover();
    boolean request = f != null && !f.isEmpty() && f.scheduledAt() == null && f.member() != null;
    if (request && !in.tags().nofailover()) {
      if (in.me().equals(f.member())) {
        return HaDecision.acquire(in, Kind.ACQUIRE_LOCK, notes);
      }
      if (!pg.isPrimary() || cluster.member(f.member()).isPresent()) {
        return Plan.none(HaDecision.noActionSecondary(in.me(), null));
      }
      String kind = f.leader() == null ? "manual failover" : "switchover";
      List<String> why =
          List.of(kind + ": removing failover key because failover candidate is not running");
      Cluster withoutRequest = cluster.withoutFailover();
      Plan take = HaDecision.acquire(in.withCluster(withoutRequest), Kind.ACQUIRE_LOCK, why);
      return new Plan(take.kind(), List.of(), take.message(), take.role(), why)
          .then(new Effect.ClearFailover(f.modRevision()))
          .thenAll(take);
    }
    if (pg.isPrimary()) {
      return HaDecision.acquire(in, Kind.ACQUIRE_LOCK, notes);
    }
    return Plan.none(HaDecision.noActionSecondary(in.me(), null));
  }

  /** §5.6 is_healthiest_node(); appends the reason to {@code notes} when the answer is no. */
  static boolean isHealthiest(HaInput in, Cluster cluster, LocalState pg, List<String> notes) {
    if (in.local().prePromoteBackoff()) {
      notes.add(
          "backoff: skip leader race after pre_promote script failure and releasing the lock"
              + " voluntarily");
      return false;
    }
    if (pg.isPrimary()) {
      Integer tl = pg.timeline();
      int clusterTl = cluster.historyTimeline();
      if (in.config().checkTimeline() && tl != null && tl < clusterTl) {
        notes.add("My timeline " + tl + " is behind last known cluster timeline " + clusterTl);
        return false;
      }
      return true;
    }
    if (in.tags().nofailover()) {
      return false;
    }
    if (FailsafeDecision.excludedFromRace(in, cluster)) {
      notes.add("not racing for the leader key: this node is not in the failsafe key");
      return false;
    }
    if (!in.watchdog().usable()) {
      notes.add("Watchdog device is not usable");
      return false;
    }
    String formerLeader = null;
    Failover failover = cluster.failover();
    if (failover != null && !failover.isEmpty()) {
      String kind = failover.leader() == null ? "manual failover" : "switchover";
      if (failover.member() != null) {
        if (failover.member().equals(in.me())) {
          // a switchover (not a manual failover) goes only to a synchronous standby
          return failover.leader() == null || SyncGate.maySwitchOverTo(in, in.me());
        }
        PeerStatus candidate = in.peers().get(failover.member());
        if (candidate != null && candidate.reachable() && !candidate.nofailover()) {
          notes.add(kind + ": to " + failover.member() + ", i am " + in.me());
          return false;
        }
      }
      formerLeader = failover.leader();
      // The node being switched away from takes the lock back only if nobody else can.
      if (in.me().equals(formerLeader)
          && in.peers().values().stream().anyMatch(p -> p.reachable() && !p.nofailover())) {
        notes.add(kind + ": I am the former leader, leaving the race to the other members");
        return false;
      }
    }
    if (!SyncGate.mayRace(in)) {
      return false; // synchronous mode: the sync key does not list us
    }
    String syncFormerLeader = SyncGate.formerLeader(in);
    long myWal = pg.walPosition();
    long optime = cluster.status().optime();
    if (optime - myWal > in.config().maximumLagOnFailover()) {
      notes.add("My wal position exceeds maximum replication lag");
      return false;
    }
    if (in.config().checkTimeline()) {
      Integer tl = pg.timeline();
      if (tl == null || tl < cluster.historyTimeline()) {
        notes.add(
            "My timeline "
                + tl
                + " is behind last known cluster timeline "
                + cluster.historyTimeline());
        return false;
      }
    }
    int myPriority = in.tags().failoverPriority();
    int votersSeen = 0;
    for (PeerStatus peer : in.peers().values()) {
      if (!peer.reachable() || peer.name().equals(formerLeader) || peer.watchdogFailed()) {
        continue;
      }
      if ("primary".equals(peer.role())) {
        notes.add("Primary (" + peer.name() + ") is still alive");
        return false;
      }
      boolean voter = SyncGate.isVoter(in, peer.name());
      if ((peer.nofailover() && !voter) || !SyncGate.counts(in, peer.name())) {
        continue;
      }
      if (peer.walPosition() > myWal) {
        if (peer.name().equals(syncFormerLeader)) {
          notes.add("Ignoring the former leader being ahead of us");
          continue;
        }
        notes.add("Wal position of " + peer.name() + " is ahead of my wal position");
        return false;
      }
      if (voter) {
        votersSeen++;
      }
      if (peer.nofailover()) {
        continue;
      }
      if (peer.walPosition() == myWal && peer.failoverPriority() > myPriority) {
        notes.add(
            peer.name()
                + " has equally tolerable WAL position and priority "
                + peer.failoverPriority()
                + ", while this node has priority "
                + myPriority);
        return false;
      }
    }
    return SyncGate.quorumAllows(in, votersSeen, notes);
  }
}
