package io.hagent.agent.ha;

import io.hagent.agent.postgres.SlotNames;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's memory of when it last saw each member's slot in use by a member (Patroni's {@code
 * _build_retain_slots}): the {@code retain_slots} list of the status key. A member whose key
 * expired keeps its slot on every node for {@code member_slots_ttl}, so that its WAL is still there
 * when it comes back. Lives only in memory, as in Patroni: a newly promoted leader restarts the
 * clock for every name the previous leader published.
 */
final class SlotRetention {
  private static final Logger LOG = LoggerFactory.getLogger(SlotRetention.class);

  private final Map<String, Long> lastSeenMillis = new HashMap<>();

  /** Just became leader: every slot the old leader retained starts its ttl anew. */
  void restart(List<String> retainedByOldLeader, long nowMillis) {
    lastSeenMillis.clear();
    retainedByOldLeader.forEach(n -> lastSeenMillis.put(n, nowMillis));
  }

  /**
   * One leader cycle.
   *
   * @param leaderSlots the slots that exist on the leader (names)
   * @param permanentPhysical names of permanent physical slots (never "retained": always kept)
   * @return the sorted names to publish as {@code retain_slots}
   */
  List<String> update(
      Cluster cluster,
      String me,
      Set<String> leaderSlots,
      Set<String> permanentPhysical,
      long nowMillis,
      long ttlSeconds) {
    if (!leaderSlots.isEmpty()) {
      Set<String> members = new HashSet<>();
      boolean foundSelf = false;
      for (Member m : cluster.members()) {
        foundSelf |= m.name().equals(me);
        if (!m.tagView().nostream()) {
          members.add(SlotNames.slotName(m.name()));
        }
      }
      if (!foundSelf) {
        members.add(SlotNames.slotName(me));
      }
      for (String name : leaderSlots) {
        if (members.contains(name) && !permanentPhysical.contains(name)) {
          lastSeenMillis.put(name, nowMillis);
        }
      }
    }
    for (Map.Entry<String, Long> e : new ArrayList<>(lastSeenMillis.entrySet())) {
      if (e.getValue() + ttlSeconds * 1000 <= nowMillis) {
        LOG.info(
            "Replication slot '{}' for absent cluster member is expired after {} sec.",
            e.getKey(),
            ttlSeconds);
        lastSeenMillis.remove(e.getKey());
      }
    }
    return List.copyOf(new TreeSet<>(lastSeenMillis.keySet()));
  }
}
