package io.hagent.agent.ha;

import io.hagent.agent.ha.Effect.SetStandbyNames;
import io.hagent.agent.ha.Effect.WriteSync;
import io.hagent.agent.postgres.StandbyNames;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.SyncState;
import java.util.ArrayList;
import java.util.List;

/**
 * What synchronous replication allows in a leader race (§5.6 (g), (j), rule 7) and what a node does
 * just before it promotes (§6.2 "a newly promoted node rewrites /sync before promoting"). Only the
 * {@code sync} key decides: a replica not listed there may lack acknowledged commits.
 */
final class SyncGate {
  private SyncGate() {}

  /** The key written by a primary in synchronous mode (it names a leader). */
  private static SyncState activeKey(HaInput in) {
    Cluster c = in.cluster();
    if (c == null || !in.config().synchronous() || c.sync() == null || c.sync().leader() == null) {
      return null;
    }
    return c.sync();
  }

  private static boolean quorumMode(HaInput in) {
    return "quorum".equals(in.config().synchronousMode());
  }

  /** {@code synchronous_mode: on} with an active key: only its leader and standbys may race. */
  static boolean mayRace(HaInput in) {
    SyncState key = activeKey(in);
    return key == null || quorumMode(in) || key.matches(in.me());
  }

  /**
   * Whether a switchover may hand over to {@code name}: a member the key lists, in both modes (a
   * manual failover may target an asynchronous node).
   */
  static boolean maySwitchOverTo(HaInput in, String name) {
    SyncState key = activeKey(in);
    return key == null || key.matches(name);
  }

  /**
   * Whose positions count in the race: in {@code on} mode only the key's members (an asynchronous
   * replica may be ahead of the synchronous one without holding more acknowledged commits).
   */
  static boolean counts(HaInput in, String peer) {
    SyncState key = activeKey(in);
    return key == null || quorumMode(in) || key.matches(peer);
  }

  /** The leader the key names, whose being ahead of us is ignored (it is gone). */
  static String formerLeader(HaInput in) {
    SyncState key = activeKey(in);
    return key == null ? null : key.leader();
  }

  /** A quorum voter (it votes even when tagged nofailover). */
  static boolean isVoter(HaInput in, String name) {
    SyncState key = activeKey(in);
    return key != null
        && quorumMode(in)
        && key.syncStandbys().stream().anyMatch(n -> n.equalsIgnoreCase(name));
  }

  /**
   * Quorum mode: enough voters (none of them ahead of us, checked before) answered. A voter needs
   * {@code quorum} others, a non-voter one more; the former leader wins if nobody is ahead. With no
   * voters in the key (replication had fallen back to asynchronous) there is nothing to respect.
   */
  static boolean quorumAllows(HaInput in, int votersSeen, List<String> notes) {
    SyncState key = activeKey(in);
    if (key == null || !quorumMode(in) || key.syncStandbys().isEmpty()) {
      return true;
    }
    if (in.me().equals(key.leader())) {
      return true;
    }
    boolean voter = key.syncStandbys().stream().anyMatch(n -> n.equalsIgnoreCase(in.me()));
    int votes = votersSeen + (voter ? 0 : -1);
    if (votes < key.quorum()) {
      notes.add(
          "Not enough synchronous quorum votes: " + Math.max(votes, 0) + " of " + key.quorum());
      return false;
    }
    return true;
  }

  /**
   * Before promoting in synchronous mode: {@code on} makes us the key's leader with no standby
   * (nobody may take over from us until a standby is confirmed) and waits for nobody unless strict;
   * {@code quorum} keeps the voters and asks for enough of them that the key stays true. A failed
   * key write postpones the promotion.
   */
  static Plan beforePromote(HaInput in, Plan p) {
    if (!in.config().synchronous() || in.cluster() == null) {
      return p;
    }
    boolean strict = in.config().synchronousModeStrict();
    SyncState key = in.cluster().sync();
    if (quorumMode(in) && key != null && key.leader() != null) {
      List<String> voters = new ArrayList<>(key.syncStandbys());
      boolean iVote = voters.removeIf(n -> n.equalsIgnoreCase(in.me()));
      int numsync = key.syncStandbys().size() - key.quorum() - 1 + (iVote ? 0 : 1);
      StandbyNames names =
          numsync > 0 && !voters.isEmpty()
              ? StandbyNames.any(Math.min(numsync, voters.size()), voters)
              : strict ? StandbyNames.placeholder(true) : StandbyNames.NONE;
      return p.then(new SetStandbyNames(names.value()));
    }
    long rev = key == null ? 0 : key.modRevision();
    StandbyNames names = strict ? StandbyNames.placeholder(quorumMode(in)) : StandbyNames.NONE;
    return p.then(
            new WriteSync(in.me(), List.of(), 0, rev),
            Plan.none(
                "Postponing promotion because synchronous replication state was updated by"
                    + " somebody else"))
        .then(new SetStandbyNames(names.value()));
  }
}
