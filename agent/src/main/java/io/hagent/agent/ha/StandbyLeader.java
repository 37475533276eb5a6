package io.hagent.agent.ha;

import io.hagent.agent.callbacks.CallbackAction;
import io.hagent.agent.ha.Effect.Callback;
import io.hagent.agent.ha.Effect.ClaimInitialize;
import io.hagent.agent.ha.Effect.Clone;
import io.hagent.agent.ha.Effect.DisableWatchdog;
import io.hagent.agent.ha.Effect.FinishBootstrap;
import io.hagent.agent.ha.Effect.Follow;
import io.hagent.agent.ha.Effect.Log;
import io.hagent.agent.ha.Effect.PublishRole;
import io.hagent.agent.ha.Effect.RemoveDataDirectory;
import io.hagent.agent.ha.Effect.Rewind;
import io.hagent.agent.ha.Effect.Start;
import io.hagent.agent.ha.Effect.Stop;
import io.hagent.agent.ha.Plan.Kind;
import io.hagent.agent.node.Role;
import io.hagent.agent.postgres.Postgres.StopMode;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.StandbyCluster;
import java.util.List;

/**
 * The decisions of a standby cluster (§3.6 {@code standby_cluster}, §5.6-§5.8): its leader is a
 * standby leader that replicates from the remote side and never promotes; the other members follow
 * it as they follow any leader. {@link HaDecision} asks {@link #remote} first and hands the
 * leader's cases over here; everything else (replicas, the race itself) is the same as in a normal
 * cluster.
 */
final class StandbyLeader {
  private StandbyLeader() {}

  /** The remote side to follow when the dynamic config makes this a standby cluster, else null. */
  static Member remote(HaInput in) {
    StandbyCluster sc = StandbyCluster.of(in.config());
    return sc == null ? null : sc.remoteMember();
  }

  /**
   * Empty data directory, no leader, no initialize key: the winner of the initialize race clones
   * from the remote side (the standby_cluster's create_replica_methods) and becomes standby leader.
   */
  static Plan bootstrap(HaInput in, Member remote) {
    return Plan.of(Kind.BOOTSTRAP, "trying to bootstrap a new standby leader")
        .withRole(Role.STANDBY_LEADER)
        .then(new ClaimInitialize(), Plan.none("failed to acquire initialize lock"))
        .then(
            new Clone(remote, remote),
            Plan.of(Kind.CLONE, "failed to bootstrap from the remote side")
                .withRole(Role.UNINITIALIZED)
                .then(new Effect.CancelInitialize())
                .then(new RemoveDataDirectory()))
        .then(
            new Start(false, remote, in.local().pgCtlTimeout()),
            Plan.of(Kind.START_REPLICA, "failed to start postgres")
                .withRole(Role.UNINITIALIZED)
                .then(new Effect.CancelInitialize()))
        .then(new FinishBootstrap())
        .then(new Callback(CallbackAction.ON_START, Role.STANDBY_LEADER))
        .then(new Log("bootstrapped a new standby leader from the remote side"));
  }

  /** We hold the key and PostgreSQL is down: start it following the remote side. */
  static Plan start(HaInput in, Member remote) {
    CallbackAction started =
        HaDecision.stoppedAsPrimary(in.pg())
            ? CallbackAction.ON_ROLE_CHANGE
            : CallbackAction.ON_START;
    return Plan.of(
            Kind.START_REPLICA, "starting as a standby leader because i had the session lock")
        .withRole(Role.STANDBY_LEADER)
        .then(
            new Start(false, remote, in.local().pgCtlTimeout()),
            Plan.of(Kind.START_REPLICA, "failed to start postgres"))
        .then(new Callback(started, Role.STANDBY_LEADER));
  }

  /**
   * We hold the key and PostgreSQL runs: a standby keeps (or starts) following the remote side; a
   * primary (the cluster was just demoted, {@code hactl demote-cluster}) stops, is rewound against
   * the remote side where it diverged, and comes back as its standby.
   */
  static Plan leader(HaInput in, Member remote) {
    if (in.pg().isPrimary()) {
      return demoteCluster(in, remote);
    }
    // our member key tells whether we already were the standby leader (a transition calls
    // on_role_change once)
    boolean wasStandbyLeader =
        in.cluster().member(in.me()).map(m -> "standby_leader".equals(m.role())).orElse(false);
    String message =
        wasStandbyLeader
            ? "no action. I am (" + in.me() + "), the standby leader with the lock"
            : "promoted self to a standby leader because i had the session lock";
    Plan p =
        Plan.of(wasStandbyLeader ? Kind.NONE : Kind.PROMOTE, message).withRole(Role.STANDBY_LEADER);
    if (in.cluster().isPaused()) {
      return p;
    }
    p = p.then(new Follow(remote));
    return wasStandbyLeader
        ? p
        : p.then(new Callback(CallbackAction.ON_ROLE_CHANGE, Role.STANDBY_LEADER));
  }

  /** The winner of the leader race in a standby cluster: follow the remote side, never promote. */
  static Plan won(HaInput in, Member remote, Kind kind) {
    if (in.pg().isPrimary()) {
      // demoted on the next cycle, as the holder of the key
      return Plan.of(kind, "acquired session lock as a leader");
    }
    return Plan.of(kind, "promoted self to a standby leader by acquiring session lock")
        .withRole(Role.STANDBY_LEADER)
        .then(new Follow(remote))
        .then(new PublishRole(Role.STANDBY_LEADER))
        .then(new Callback(CallbackAction.ON_ROLE_CHANGE, Role.STANDBY_LEADER));
  }

  /**
   * The leader runs as primary but the config now says standby cluster (§5.5 demote-cluster): a
   * fast stop keeping the key, pg_rewind from the remote side (it does nothing when the histories
   * did not diverge), start as its standby. A failed rewind leaves PostgreSQL stopped, the key
   * kept: the next cycle tries to start it as standby leader.
   */
  static Plan demoteCluster(HaInput in, Member remote) {
    return new Plan(
            Kind.DEMOTE,
            List.of(),
            "demoted self to a standby leader following the remote side",
            Role.STANDBY_LEADER,
            List.of())
        .then(new Log("Demoting self (demote-cluster)"))
        .then(new Stop(StopMode.FAST, true, 60), Plan.none("demote-cluster: failed to stop"))
        .then(new DisableWatchdog())
        .then(Plans.STOPPED_PRIMARY)
        .then(new PublishRole(Role.DEMOTED))
        .then(
            new Rewind(remote),
            Plan.none("demote-cluster: pg_rewind from the remote side failed")
                .withRole(Role.DEMOTED))
        .then(
            new Start(false, remote, in.local().pgCtlTimeout()),
            Plan.of(Kind.START_REPLICA, "failed to start postgres").withRole(Role.DEMOTED))
        .then(new PublishRole(Role.STANDBY_LEADER))
        .then(new Callback(CallbackAction.ON_ROLE_CHANGE, Role.STANDBY_LEADER));
  }
}
