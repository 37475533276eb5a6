package io.hagent.agent.ha;

import io.hagent.agent.postgres.SlotNames;
import io.hagent.agent.postgres.SlotSpec;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.SlotsConfig;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which replication slots a node should have and whom a replica streams from (§6.1, Patroni's
 * {@code Cluster.get_replication_slots} and {@code _get_node_to_follow}). Pure: the same cluster
 * view gives the same answer; {@link SlotKeeper} carries it out each cycle. Assumes PostgreSQL 11+
 * (pg_replication_slot_advance exists), which hagent requires anyway.
 */
final class SlotPlanner {
  private static final Logger LOG = LoggerFactory.getLogger(SlotPlanner.class);

  private SlotPlanner() {}

  /**
   * The slots this node should have.
   *
   * @param me our member name
   * @param leader we run as the primary holding the leader key (else as a replica)
   * @param tags our own tags (nofailover, nostream)
   */
  static Map<String, SlotSpec> desired(
      String me, boolean leader, Tags tags, Cluster cluster, SlotsConfig config, boolean useSlots) {
    if (!useSlots || cluster == null) {
      return Map.of();
    }
    Map<String, SlotSpec> slots = memberSlots(me, leader, tags.nofailover(), cluster, config);
    mergePermanent(slots, me, leader, tags, cluster, config);
    return slots;
  }

  /** Slots for other members (Patroni's {@code _get_members_slots}). */
  static Map<String, SlotSpec> memberSlots(
      String me, boolean leader, boolean nofailover, Cluster cluster, SlotsConfig config) {
    Set<String> names = new TreeSet<>();
    cluster.members().forEach(m -> names.add(m.name()));
    String leaderName = cluster.leader() == null ? null : cluster.leader().name();
    boolean retain = config.memberSlotsTtlSeconds() > 0;
    Map<String, Long> published = status(cluster).slots();
    Map<String, SlotSpec> out = new LinkedHashMap<>();
    Map<String, List<String>> owners = new HashMap<>();
    int counted = 0;
    for (Member m : cluster.members()) {
      if (m.name().equals(me) || m.tagView().nostream()) {
        continue;
      }
      String from = m.tagView().replicatefrom();
      boolean expectedActive =
          leader
              ? from == null || from.equals(me) || !names.contains(from)
              : me.equals(from) && !m.name().equals(leaderName);
      // With retention every node keeps a slot for every member (so that whoever is promoted
      // has them); a nofailover node only keeps those of members cascading from it.
      boolean keep = retain ? !nofailover || me.equals(from) : expectedActive;
      if (!keep) {
        continue;
      }
      counted++;
      String slot = SlotNames.slotName(m.name());
      owners.computeIfAbsent(slot, k -> new java.util.ArrayList<>()).add(m.name());
      long lsn = published.getOrDefault(slot, 0L);
      if (from != null && m.xlogLocation() != null) {
        // That member streams from another node, so the leader's copy of its slot does not
        // move: its own reported position is the feedback.
        lsn = Math.max(lsn, m.xlogLocation());
      }
      out.put(slot, SlotSpec.physical(slot, lsn == 0 ? null : lsn, expectedActive));
    }
    String mine = SlotNames.slotName(me);
    if (!nofailover) {
      for (String slot : status(cluster).retainSlots()) {
        if (!out.containsKey(slot) && !slot.equals(mine)) {
          out.put(slot, new SlotSpec(slot, "physical", null, null, published.get(slot), null));
        }
      }
    }
    if (owners.size() < counted) {
      StringBuilder sb = new StringBuilder();
      owners.forEach(
          (slot, who) -> {
            if (who.size() > 1) {
              sb.append(sb.length() == 0 ? "" : "; ")
                  .append(String.join(", ", who))
                  .append(" map to ")
                  .append(slot);
            }
          });
      LOG.error("Following cluster members share a replication slot name: {}", sb);
    }
    return out;
  }

  /**
   * Permanent slots (Patroni's {@code _get_permanent_slots} and {@code _merge_permanent_slots}).
   */
  private static void mergePermanent(
      Map<String, SlotSpec> slots,
      String me,
      boolean leader,
      Tags tags,
      Cluster cluster,
      SlotsConfig config) {
    if (tags.nofailover()) {
      return;
    }
    // A node that does not stream (and cascades from it) gives no feedback to the primary, so a
    // logical slot copy on it would not be safe: physical ones only.
    boolean physicalOnly = tags.nostream();
    String mine = SlotNames.slotName(me);
    Map<String, String> topology = new HashMap<>();
    for (Member m : cluster.members()) {
      String from = m.tagView().replicatefrom();
      if (from != null) {
        topology.put(SlotNames.slotName(m.name()), SlotNames.slotName(from));
      }
    }
    Map<String, Long> published = status(cluster).slots();
    config
        .permanent()
        .forEach(
            (name, p) -> {
              if (p.physical()) {
                if ("standby".equals(p.clusterType())) {
                  return;
                }
                if (!slots.containsKey(name) && !name.equals(mine)) {
                  // On the leader a permanent slot is consumed by its client, except the slot
                  // of a member that cascades from a replica.
                  boolean expectedActive = leader && !topology.containsKey(name);
                  slots.put(name, SlotSpec.physical(name, published.get(name), expectedActive));
                }
              } else if (!physicalOnly && !"standby".equals(p.clusterType())) {
                if (slots.containsKey(name)) {
                  LOG.error(
                      "Permanent logical replication slot {'{}': {}} is conflicting with physical"
                          + " replication slot for cluster member",
                      name,
                      p);
                } else {
                  slots.put(
                      name, SlotSpec.logical(name, p.database(), p.plugin(), published.get(name)));
                }
              }
            });
  }

  /**
   * The member a replica streams from: its {@code replicatefrom} member while that one exists and
   * streams itself, else the leader (Patroni's {@code _get_node_to_follow}).
   */
  static Member followTarget(HaInput in, Member leader) {
    return followTarget(in.me(), in.tags(), in.cluster(), leader);
  }

  static Member followTarget(String me, Tags tags, Cluster cluster, Member leader) {
    String from = tags == null ? null : tags.replicatefrom();
    if (leader == null || from == null || from.equals(me) || cluster == null) {
      return leader;
    }
    return cluster
        .member(from)
        .filter(m -> !m.tagView().nostream() && m.connUrl() != null)
        .orElse(leader);
  }

  private static io.hagent.common.cluster.ClusterStatus status(Cluster cluster) {
    return cluster.status() == null
        ? io.hagent.common.cluster.ClusterStatus.EMPTY
        : cluster.status();
  }
}
