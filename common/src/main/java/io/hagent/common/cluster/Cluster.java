package io.hagent.common.cluster;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One consistent view of the cluster's DCS keys, read in a single range request.
 *
 * @param initialize the {@code initialize} value: null if absent, "" while a bootstrap runs
 * @param config the dynamic config JSON (null if absent or not valid JSON)
 * @param configModRevision mod revision of {@code config}, for compare-and-set (0 if absent)
 * @param history the {@code history} list ([[tl, lsn, reason, ts, leader], ...]); empty if none
 * @param failsafe the {@code failsafe} map {name: api_url}, or null
 * @param revision the etcd revision the view was read at
 */
public record Cluster(
    String initialize,
    Map<String, Object> config,
    long configModRevision,
    Leader leader,
    ClusterStatus status,
    List<Member> members,
    Failover failover,
    SyncState sync,
    List<List<Object>> history,
    Map<String, Object> failsafe,
    long revision) {

  public static Cluster empty() {
    return new Cluster(
        null, null, 0, null, ClusterStatus.EMPTY, List.of(), null, null, List.of(), null, 0);
  }

  /** This view without a failover request (what it looks like once the request is cleared). */
  public Cluster withoutFailover() {
    return new Cluster(
        initialize,
        config,
        configModRevision,
        leader,
        status,
        members,
        null,
        sync,
        history,
        failsafe,
        revision);
  }

  public boolean isUnlocked() {
    return leader == null;
  }

  public Optional<Member> member(String name) {
    return members.stream().filter(m -> m.name().equals(name)).findFirst();
  }

  public Optional<Member> leaderMember() {
    return leader == null ? Optional.empty() : member(leader.name());
  }

  public boolean isPaused() {
    return config != null && Tags.truthy(config.get("pause"));
  }

  /** Timeline the cluster is on according to {@code history}: last entry's timeline + 1. */
  public int historyTimeline() {
    if (history.isEmpty()) {
      return 1;
    }
    Object tl = history.get(history.size() - 1).get(0);
    return tl instanceof Number n ? n.intValue() + 1 : 1;
  }

  /** A valid system identifier (Patroni requires at least 10 digits). */
  public boolean hasValidSysid() {
    return initialize != null && initialize.matches("\\d{10,}");
  }
}
