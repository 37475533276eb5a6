package io.hagent.agent.node;

import io.hagent.agent.postgres.LocalState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.config.DynamicConfig;
import java.util.Map;

/**
 * What the agent knows at the end of an HA cycle, published as one immutable value. The REST API
 * answers from the latest snapshot only, so a health check never waits on SQL or the DCS and never
 * sees half an update.
 *
 * @param role the role the loop publishes, derived by {@link Role#published}
 * @param cluster last DCS view, or null when the DCS has been unreachable for longer than ttl
 * @param leaderUntilNanos System.nanoTime() until which we hold the leader key (last successful
 *     write + ttl), or 0 when we do not hold it
 * @param dcsLastSeenEpoch epoch seconds of the last successful DCS read
 * @param nextRunNanos System.nanoTime() at which the HA loop is due to run next (for /liveness)
 * @param scheduledRestart the pending scheduled restart as Patroni publishes it ({@code schedule}
 *     as an ISO timestamp plus its filters), or null when none is scheduled
 * @param watchdogFailed the watchdog was required but could not be activated or kept alive
 */
public record NodeSnapshot(
    String scope,
    String name,
    String version,
    LocalState pg,
    Role role,
    Cluster cluster,
    long leaderUntilNanos,
    DynamicConfig config,
    Map<String, Object> tags,
    long dcsLastSeenEpoch,
    long nextRunNanos,
    boolean failsafeActive,
    Map<String, Object> scheduledRestart,
    boolean watchdogFailed) {

  /** We hold the leader key right now (an in-memory expiry, §7.2). */
  public boolean isLeader(long nowNanos) {
    return leaderUntilNanos != 0 && nowNanos - leaderUntilNanos < 0;
  }

  public boolean paused() {
    return config != null && config.pause();
  }

  /** This snapshot with another time for the next HA cycle (for /liveness). */
  public NodeSnapshot withNextRun(long next) {
    return new NodeSnapshot(
        scope,
        name,
        version,
        pg,
        role,
        cluster,
        leaderUntilNanos,
        config,
        tags,
        dcsLastSeenEpoch,
        next,
        failsafeActive,
        scheduledRestart,
        watchdogFailed);
  }
}
