package io.hagent.agent.ha;

import io.hagent.agent.postgres.LocalState;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.DynamicConfig;
import java.time.Instant;
import java.util.Map;

/**
 * Everything one HA decision is made from: gathered once per cycle by the loop.
 *
 * @param cluster the DCS view; null when the DCS could not be read this cycle
 * @param lock our relation to the leader key (after the holder's refresh attempt)
 * @param peers other members' /patroni answers, probed only when the cluster is unlocked
 * @param canBootstrap the config has a bootstrap section and this node may become primary
 * @param now wall clock, for scheduled switchovers
 */
public record HaInput(
    String me,
    Cluster cluster,
    LocalState pg,
    DynamicConfig config,
    Tags tags,
    LockState lock,
    Map<String, PeerStatus> peers,
    boolean canBootstrap,
    Instant now) {}
