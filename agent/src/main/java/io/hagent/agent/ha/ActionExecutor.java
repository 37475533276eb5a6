package io.hagent.agent.ha;

import io.hagent.agent.ha.HaLoop.FatalError;
import io.hagent.agent.postgres.LocalState;
import io.hagent.agent.postgres.Postgres;
import io.hagent.agent.postgres.Postgres.StopMode;
import io.hagent.agent.postgres.SlotNames;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
import io.hagent.common.dcs.Dcs;
import io.hagent.common.dcs.DcsException;
import io.hagent.common.json.Json;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out one {@link Decision}: the DCS writes and PostgreSQL operations it stands for. Returns
 * the sentence to log, which may differ from the decision's when the outcome does (e.g. a lost
 * race).
 */
final class ActionExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(ActionExecutor.class);
  private static final DateTimeFormatter HISTORY_TS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx");

  private HagentConfig config; // replaced on reload, read and written on the HA loop thread only
  private final Dcs dcs;
  private final Postgres pg;
  private final LeaderLease lease;
  private final LongSupplier nanoTime;
  private String pendingRole;
  private final java.util.function.Consumer<LocalState> memberPublisher;
  private final java.util.function.Consumer<String> roleChanged;

  ActionExecutor(
      HagentConfig config,
      Dcs dcs,
      Postgres pg,
      LeaderLease lease,
      LongSupplier nanoTime,
      java.util.function.Consumer<LocalState> memberPublisher,
      java.util.function.Consumer<String> roleChanged) {
    this.memberPublisher = memberPublisher;
    this.roleChanged = roleChanged;
    this.config = config;
    this.dcs = dcs;
    this.pg = pg;
    this.lease = lease;
    this.nanoTime = nanoTime;
  }

  /** A reload's configuration (pg_ctl_timeout, remove_data_directory_on_* and the like). */
  void useConfig(HagentConfig reloaded) {
    this.config = reloaded;
  }

  String execute(Decision d, HaInput in) {
    pendingRole = null;
    DynamicConfig dyn = in.config();
    try {
      return switch (d.action()) {
        case NONE -> d.message();
        case BOOTSTRAP -> bootstrap(dyn);
        case CLONE -> clone(d.target(), in.cluster(), dyn);
        case RELEASE_LOCK -> {
          dcs.deleteLeader();
          lease.release();
          yield d.message();
        }
        case ADOPT_SYSID -> {
          dcs.initialize(true, in.pg().sysid());
          yield d.message();
        }
        case EXIT_FATAL -> throw new FatalError(d.message());
        case START_PRIMARY -> startPrimary(d, dyn);
        case START_REPLICA -> startReplica(d, dyn);
        case ACQUIRE_LOCK -> acquire(in, dyn);
        case PROMOTE -> promote(d.message(), in, dyn);
        case FOLLOW -> {
          if (d.target() != null) {
            pg.follow(d.target(), dyn);
          }
          yield d.message();
        }
        case DEMOTE -> demote(d, dyn);
        case SWITCHOVER -> switchover(d, in, dyn);
        case CLEAR_FAILOVER -> {
          dcs.setFailover("{}", in.cluster().failover().modRevision());
          LOG.info(d.message());
          yield "no action. I am (" + config.name() + "), the leader with the lock";
        }
      };
    } catch (DcsException e) {
      LOG.error("Error communicating with DCS: {}", e.getMessage());
      return d.message();
    }
  }

  /** The role to publish after the action (demoted right after a demotion). */
  String roleAfter(Decision d, String observed) {
    return pendingRole != null ? pendingRole : observed;
  }

  private String bootstrap(DynamicConfig dyn) throws DcsException {
    if (!dcs.initialize(true, "")) {
      return "failed to acquire initialize lock";
    }
    LOG.info("trying to bootstrap a new cluster");
    if (!pg.bootstrap(dyn)) {
      dcs.cancelInitialization();
      pg.stop(StopMode.IMMEDIATE, false, 30);
      pg.removeDataDirectory();
      throw new FatalError("Failed to bootstrap cluster");
    }
    LocalState state = pg.probe();
    dcs.initialize(false, state.sysid());
    // Members key first: replicas woken by the new leader key find our conn_url at once.
    memberPublisher.accept(state);
    dcs.setConfig(Json.write(dyn.raw()), 0L);
    long sent = nanoTime.getAsLong();
    dcs.takeLeader();
    lease.renewed(sent);
    writeHistoryIfMissing();
    return "initialized a new cluster";
  }

  private void writeHistoryIfMissing() throws DcsException {
    dcs.setHistory("[]");
  }

  private String clone(Member source, Cluster cluster, DynamicConfig dyn) {
    Member leader = cluster.leaderMember().orElse(source);
    String kind = source.name().equals(leader.name()) ? "leader" : "replica";
    LOG.info("trying to bootstrap from {} '{}'", kind, source.name());
    pendingRole = "replica";
    if (!pg.cloneFrom(source, leader, dyn)) {
      pg.removeDataDirectory();
      return "failed to bootstrap from " + kind + " '" + source.name() + "'";
    }
    if (!pg.start(false, leader, dyn, config.postgresql().pgCtlTimeout())) {
      return "failed to start postgres";
    }
    return "bootstrapped from " + kind + " '" + source.name() + "'";
  }

  private String startPrimary(Decision d, DynamicConfig dyn) throws DcsException {
    if (!pg.start(true, null, dyn, Math.max(dyn.primaryStartTimeout(), 1))) {
      dcs.deleteLeader();
      lease.release();
      pendingRole = "demoted";
      return "removed leader key after trying and failing to start postgres";
    }
    return d.message();
  }

  private String startReplica(Decision d, DynamicConfig dyn) {
    Member leader = d.target();
    if (leader != null && pg.needsRewind(leader)) {
      if (pg.canRewind(dyn)) {
        if (!pg.rewind(leader, dyn)) {
          if (config.postgresql().removeDataDirectoryOnRewindFailure()) {
            pg.removeDataDirectory();
            return "removed data directory after a failed pg_rewind; it will be cloned again";
          }
          return "pg_rewind from " + leader.name() + " failed; not starting PostgreSQL";
        }
      } else if (config.postgresql().removeDataDirectoryOnDivergedTimelines()) {
        pg.removeDataDirectory();
        return "reinitializing due to diverged timelines";
      } else {
        return "local timeline diverged from leader "
            + leader.name()
            + " and pg_rewind is not possible (use_pg_rewind off or neither wal_log_hints nor"
            + " data checksums); not starting PostgreSQL";
      }
    }
    pendingRole = "replica";
    if (!pg.start(false, leader, dyn, config.postgresql().pgCtlTimeout())) {
      return "failed to start postgres";
    }
    return d.message();
  }

  private String acquire(HaInput in, DynamicConfig dyn) throws DcsException {
    long sent = nanoTime.getAsLong();
    if (!dcs.attemptToAcquireLeader()) {
      Cluster now = dcs.readCluster();
      Member leader = now.leaderMember().orElse(null);
      if (in.pg().isPrimary() && !dyn.pause()) {
        pg.stop(StopMode.IMMEDIATE, false, 30);
        pendingRole = "demoted";
        return "demoted self after trying and failing to obtain lock";
      }
      if (leader != null && !leader.name().equals(config.name())) {
        pg.follow(leader, dyn);
      }
      return "following new leader after trying and failing to obtain lock";
    }
    lease.renewed(sent);
    if (dyn.useSlots()) {
      // Before promoting, so that replicas re-pointed at us find their slot on first connect.
      pg.syncReplicationSlots(memberSlots(in.cluster()));
    }
    if (in.cluster().failover() != null && !in.cluster().failover().isEmpty()) {
      dcs.setFailover("{}", null);
    }
    if (in.pg().isPrimary()) {
      return "acquired session lock as a leader";
    }
    return promote("promoted self to leader by acquiring session lock", in, dyn);
  }

  private String promote(String message, HaInput in, DynamicConfig dyn) throws DcsException {
    long switchLsn = in.pg().walPosition();
    if (!pg.promote(Math.max(dyn.loopWait(), 10))) {
      return "failed to promote; will retry";
    }
    pendingRole = "primary";
    roleChanged.accept("primary");
    // The timeline we left is the one before the new primary's: a replica that lost its WAL
    // receiver reports the (stale) checkpoint timeline, which would overwrite history rows.
    Integer newTimeline = pg.probe().timeline();
    recordHistory(in.cluster(), newTimeline == null ? null : newTimeline - 1, switchLsn);
    return message;
  }

  /** Appends the timeline switch to the history key, as the new primary does in Patroni. */
  private void recordHistory(Cluster cluster, Integer oldTimeline, long switchLsn)
      throws DcsException {
    if (oldTimeline == null) {
      return;
    }
    List<List<Object>> history = new ArrayList<>(cluster == null ? List.of() : cluster.history());
    history.removeIf(
        e -> !e.isEmpty() && e.get(0) instanceof Number n && n.intValue() >= oldTimeline);
    history.add(
        List.of(
            oldTimeline,
            switchLsn,
            "no recovery target specified",
            OffsetDateTime.now(ZoneOffset.UTC).format(HISTORY_TS),
            config.name()));
    dcs.setHistory(Json.write(history));
  }

  private String demote(Decision d, DynamicConfig dyn) throws DcsException {
    LOG.info("Demoting self ({})", d.demote().name().toLowerCase().replace('_', '-'));
    pendingRole = "demoted";
    switch (d.demote()) {
      case OFFLINE -> {
        pg.stop(StopMode.FAST, false, 60);
        lease.release();
        pg.start(false, null, dyn, config.postgresql().pgCtlTimeout());
        pendingRole = "replica";
      }
      case IMMEDIATE_NOLOCK -> {
        lease.release();
        pg.stop(StopMode.IMMEDIATE, false, 30);
        stoppedBeingPrimary();
      }
      case IMMEDIATE -> {
        pg.stop(StopMode.IMMEDIATE, false, 30);
        stoppedBeingPrimary();
        releaseKey();
      }
      case GRACEFUL -> {
        pg.stop(StopMode.FAST, true, 60);
        stoppedBeingPrimary();
        releaseKey();
      }
    }
    return d.message();
  }

  /**
   * Graceful switchover (§5.5 graceful, §5.9): CHECKPOINT while still serving so the shutdown
   * checkpoint is short, stop, publish the final LSN, release the key, and come back as a replica
   * of the candidate.
   */
  private String switchover(Decision d, HaInput in, DynamicConfig dyn) throws DcsException {
    LOG.info("{}", d.message());
    LOG.info("Demoting self (graceful)");
    pendingRole = "demoted";
    pg.checkpoint();
    if (!pg.stop(StopMode.FAST, false, 60)) {
      return "switchover: failed to stop PostgreSQL, staying leader";
    }
    stoppedBeingPrimary();
    releaseKey();
    if (pg.start(false, d.target(), dyn, config.postgresql().pgCtlTimeout())) {
      pendingRole = "replica";
    }
    return "switchover: demoted myself, following " + d.target().name();
  }

  /**
   * Tells the REST API at once that we are no longer primary: peers racing for the key ask us, and
   * a stale "primary" answer would make them stand back ("Primary (X) is still alive").
   */
  private void stoppedBeingPrimary() {
    lease.release();
    pendingRole = "demoted";
    roleChanged.accept("demoted");
  }

  /** Publishes the shutdown checkpoint LSN as the final optime, then deletes our leader key. */
  private void releaseKey() throws DcsException {
    Long lsn = pg.latestCheckpointLsn();
    if (lsn != null) {
      dcs.setStatus(Json.write(new ClusterStatus(lsn, Map.of(), List.of()).toJson()));
    }
    dcs.deleteLeader();
    lease.release();
  }

  /** Per-cycle work of a leader that runs as primary: status optime and replication slots. */
  void leaderDuties(LocalState local, Cluster cluster, DynamicConfig dyn) throws DcsException {
    if (local.flushLsn() != null) {
      dcs.setStatus(Json.write(new ClusterStatus(local.flushLsn(), Map.of(), List.of()).toJson()));
    }
    if (dyn.useSlots() && cluster != null) {
      pg.syncReplicationSlots(memberSlots(cluster));
    }
  }

  /** §6.1: a physical slot for each member that streams from us. */
  private Set<String> memberSlots(Cluster cluster) {
    Set<String> names = new LinkedHashSet<>();
    Set<String> memberNames = new LinkedHashSet<>();
    cluster.members().forEach(m -> memberNames.add(m.name()));
    for (Member m : cluster.members()) {
      if (m.name().equals(config.name()) || m.tagView().nostream()) {
        continue;
      }
      String from = m.tagView().replicatefrom();
      if (from == null || from.equals(config.name()) || !memberNames.contains(from)) {
        names.add(SlotNames.slotName(m.name()));
      }
    }
    return names;
  }

  /** SIGTERM: stop PostgreSQL fast, then release the key so a replica takes over at once. */
  void shutdown(DynamicConfig dyn) {
    boolean leader = lease.isHeld(nanoTime.getAsLong());
    if (!pg.stop(StopMode.FAST, false, Math.max(60, config.postgresql().pgCtlTimeout()))) {
      if (leader) {
        LOG.error("PostgreSQL shutdown failed, leader key not removed.");
      }
      return;
    }
    if (leader) {
      try {
        releaseKey();
        LOG.info("Leader key released");
      } catch (DcsException e) {
        LOG.error("could not release the leader key: {}", e.getMessage());
      }
    }
  }
}
