package io.hagent.agent.ha;

import io.hagent.agent.postgres.LocalState;
import io.hagent.agent.postgres.Postgres;
import io.hagent.agent.postgres.SlotNames;
import io.hagent.agent.postgres.SlotSpec;
import io.hagent.agent.postgres.SlotSync;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.cluster.Member;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.SlotsConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
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
  private final BackgroundTask background;
  private final SlotRetention retention = new SlotRetention();
  private final SlotReadiness readiness = new SlotReadiness();
  private boolean readinessQueued;
  private long lastCopyMillis = Long.MIN_VALUE / 2;
  private boolean wasLeader;
  private List<String> lastErrors = List.of();

  SlotKeeper(String me, Postgres pg, LongSupplier wallMillis, BackgroundTask background) {
    this.me = me;
    this.background = background;
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
      readiness.onPromote();
      retention.restart(
          cluster == null || cluster.status() == null ? List.of() : cluster.status().retainSlots(),
          now);
    }
    Map<String, Long> positions = Map.of();
    if (dyn.useSlots() && cluster != null) {
      Map<String, SlotSpec> desired = SlotPlanner.desired(me, true, tags, cluster, config, true);
      positions = pg.syncSlots(desired, config, cluster.isPaused(), true, true).positions();
    }
    if (local.flushLsn() == null) {
      return null;
    }
    Map<String, Long> slots =
        dyn.useSlots() ? published(me, positions, config, local.flushLsn()) : Map.of();
    // The published names include our own slot: if we crash, the next leader retains it for us.
    List<String> retain =
        cluster == null || !dyn.useSlots()
            ? List.of()
            : retention.update(
                cluster,
                me,
                slots.keySet(),
                config.physical().keySet(),
                now,
                config.memberSlotsTtlSeconds());
    return new ClusterStatus(local.flushLsn(), slots, retain);
  }

  /**
   * A replica's cycle: keeps copies of permanent and member slots, advanced to the status key; a
   * permanent logical slot it lacks is copied from the primary in the background (a restart).
   */
  void replicaCycle(Cluster cluster, DynamicConfig dyn, Tags tags) {
    wasLeader = false;
    if (!dyn.useSlots() || cluster == null) {
      return;
    }
    SlotsConfig config = SlotsConfig.from(dyn.raw());
    logErrors(config);
    Map<String, SlotSpec> desired = SlotPlanner.desired(me, false, tags, cluster, config, true);
    boolean cleanInactive = !cluster.isUnlocked() && !me.equals(cluster.leader().name());
    SlotSync sync = pg.syncSlots(desired, config, cluster.isPaused(), false, cleanInactive);
    Member leader = cluster.leaderMember().filter(m -> !m.name().equals(me)).orElse(null);
    if (!readinessQueued) {
      // after our own start, the logical slots we already hold are checked anew
      readinessQueued = true;
      readiness.queue(sync.catalogXmin().keySet());
    }
    if (leader != null) {
      readiness.check(
          names -> pg.catalogXminOnPrimary(leader, names),
          SlotNames.slotName(me),
          sync.catalogXmin());
    }
    long now = wallMillis.getAsLong();
    // A copy restarts PostgreSQL: never in maintenance mode, and as a failed copy restarts it
    // for nothing, not more than once a minute.
    if (sync.toCopy().isEmpty()
        || leader == null
        || cluster.isPaused()
        || now - lastCopyMillis < 60_000) {
      return;
    }
    lastCopyMillis = now;
    List<SlotSpec> toCopy = sync.toCopy();
    Member follow = SlotPlanner.followTarget(me, tags, cluster, leader);
    String names =
        toCopy.stream().map(s -> "'" + s.name() + "'").collect(Collectors.joining(", ", "[", "]"));
    background.start(
        "copying logical slots",
        "starting",
        () -> {
          LOG.info("Copying logical slots {} from the primary", names);
          boolean ok =
              pg.copyLogicalSlots(leader, follow, toCopy, dyn, Math.max(60, dyn.loopWait() * 6));
          if (ok) {
            readiness.queue(toCopy.stream().map(SlotSpec::name).toList());
          }
          return new BackgroundTask.Result(
              ok ? "copied logical slots " + names : "failed to copy logical slots " + names, ok);
        });
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
