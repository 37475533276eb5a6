package io.hagent.agent.ha;

import io.hagent.agent.postgres.LocalState;
import io.hagent.agent.postgres.Postgres;
import io.hagent.agent.postgres.SlotNames;
import io.hagent.agent.postgres.SlotSpec;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.SlotsConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-cycle slot upkeep (Patroni's {@code sync_replication_slots} step, §5.3 step 14) and the
 * leader's status key. Asks {@link SlotPlanner} for the desired slots, has {@link Postgres} make
 * them so, and on the leader builds the status value ({@code optime}, {@code slots}, {@code
 * retain_slots}) that replicas advance their copies to.
 */
final class SlotKeeper {
  private static final Logger LOG = LoggerFactory.getLogger(SlotKeeper.class);

  private final String me;
  private final Postgres pg;
  private final LongSupplier wallMillis;
  private final SlotRetention retention = new SlotRetention();
  private boolean wasLeader;
  private List<String> lastErrors = List.of();

  SlotKeeper(String me, Postgres pg, LongSupplier wallMillis) {
    this.me = me;
    this.pg = pg;
    this.wallMillis = wallMillis;
  }

  /**
   * The leader's cycle (running as primary with the lock): slots, then the status value to write.
   *
   * @return the status key value, or null when there is no optime to publish
   */
  ClusterStatus leaderCycle(LocalState local, Cluster cluster, DynamicConfig dyn, Tags tags) {
    SlotsConfig config = SlotsConfig.from(dyn.raw());
    logErrors(config);
    long now = wallMillis.getAsLong();
    if (!wasLeader) {
      wasLeader = true;
      retention.restart(
          cluster == null || cluster.status() == null ? List.of() : cluster.status().retainSlots(),
          now);
    }
    Map<String, Long> positions = Map.of();
    if (dyn.useSlots() && cluster != null) {
      Map<String, SlotSpec> desired = SlotPlanner.desired(me, true, tags, cluster, config, true);
      positions = pg.syncSlots(desired, config, cluster.isPaused(), true, true);
    }
    if (local.flushLsn() == null) {
      return null;
    }
    List<String> retain =
        cluster == null || !dyn.useSlots()
            ? List.of()
            : retention.update(
                cluster,
                me,
                positions.keySet(),
                config.physical().keySet(),
                now,
                config.memberSlotsTtlSeconds());
    return new ClusterStatus(
        local.flushLsn(),
        dyn.useSlots() ? published(me, positions, config, local.flushLsn()) : Map.of(),
        retain);
  }

  /** A replica's cycle: keeps copies of permanent and member slots, advanced to the status key. */
  void replicaCycle(Cluster cluster, DynamicConfig dyn, Tags tags) {
    wasLeader = false;
    if (!dyn.useSlots() || cluster == null) {
      return;
    }
    SlotsConfig config = SlotsConfig.from(dyn.raw());
    logErrors(config);
    Map<String, SlotSpec> desired = SlotPlanner.desired(me, false, tags, cluster, config, true);
    boolean cleanInactive = !cluster.isUnlocked() && !me.equals(cluster.leader().name());
    pg.syncSlots(desired, config, cluster.isPaused(), false, cleanInactive);
  }

  /** Not leader this cycle (stopped, demoted, busy): the next leadership starts retention anew. */
  void notLeader() {
    wasLeader = false;
  }

  /**
   * The {@code slots} of the status key: permanent slots (logical ones unless they are named like a
   * member), and with member_slots_ttl every member slot too, so that every node can advance its
   * copies; our own slot at our flush position, so that replicas' copy of it follows us.
   */
  static Map<String, Long> published(
      String me, Map<String, Long> positions, SlotsConfig config, long flush) {
    Map<String, Long> out = new LinkedHashMap<>();
    boolean retain = config.memberSlotsTtlSeconds() > 0;
    positions.forEach(
        (name, lsn) -> {
          if (retain || config.permanent().containsKey(name)) {
            out.put(name, lsn);
          }
        });
    String mine = SlotNames.slotName(me);
    if (retain || config.physical().containsKey(mine)) {
      out.put(mine, flush);
    }
    return out;
  }

  private void logErrors(SlotsConfig config) {
    if (!config.errors().equals(lastErrors)) {
      config.errors().forEach(e -> LOG.error("{}", e));
      lastErrors = config.errors();
    }
  }
}
