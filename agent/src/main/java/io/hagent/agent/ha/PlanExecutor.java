package io.hagent.agent.ha;

import io.hagent.agent.ha.HaLoop.FatalError;
import io.hagent.agent.node.Role;
import io.hagent.agent.postgres.LocalState;
import io.hagent.agent.postgres.Postgres;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.dcs.Dcs;
import io.hagent.common.dcs.DcsException;
import io.hagent.common.json.Json;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a {@link Plan}: each {@link Effect} becomes the DCS write or PostgreSQL operation it
 * stands for, in order. It decides nothing: when an effect fails it runs the fallback plan the
 * decision wrote for it. From the first long effect on, the rest of the plan runs as the {@link
 * BackgroundTask}, so the loop keeps cycling.
 */
final class PlanExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(PlanExecutor.class);
  private static final DateTimeFormatter HISTORY_TS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx");

  /** What the executor may ask of the node around it. */
  interface Node {
    /** Makes {@code role} the role the node publishes, at once (REST API; member key next). */
    void publishRole(Role role);

    /** Writes our member key now (bootstrap: before the leader key, so replicas find us). */
    void publishMember(LocalState state);

    /** Asks for another cycle at once. */
    void wake();

    /** Activates the leader's watchdog; false when a required one could not be (§3.2). */
    default boolean activateWatchdog() {
      return true;
    }

    /** Closes the watchdog cleanly (magic close). */
    default void disableWatchdog() {}

    /** PostgreSQL is being stopped now (published as state "stopping" until the plan ends). */
    default void stopping() {}
  }

  /**
   * How a plan ended.
   *
   * @param message the sentence to log for this cycle (a fallback's replaces the plan's)
   * @param role the role to publish now (null: keep the current one, or still in progress)
   * @param inBackground the rest of the plan runs as a background task
   * @param ok every step that had a fallback succeeded (no fallback ran)
   */
  record Outcome(String message, Role role, boolean inBackground, boolean ok) {}

  private final Dcs dcs;
  private final Postgres pg;
  private final LeaderLease lease;
  private final LongSupplier nanoTime;
  private final Node node;
  private final BackgroundTask background;
  private final String name;

  PlanExecutor(
      String name,
      Dcs dcs,
      Postgres pg,
      LeaderLease lease,
      LongSupplier nanoTime,
      Node node,
      BackgroundTask background) {
    this.name = name;
    this.dcs = dcs;
    this.pg = pg;
    this.lease = lease;
    this.nanoTime = nanoTime;
    this.node = node;
    this.background = background;
  }

  /**
   * Carries {@code plan} out on the calling (loop) thread, handing long steps to the background.
   */
  Outcome execute(Plan plan, DynamicConfig dyn) {
    List<Plan.Step> steps = plan.steps();
    for (int i = 0; i < steps.size(); i++) {
      Plan.Step step = steps.get(i);
      if (step.effect().isLong()) {
        Plan rest =
            new Plan(
                plan.kind(),
                steps.subList(i, steps.size()),
                plan.message(),
                plan.role(),
                List.of());
        if (startInBackground(rest, dyn, null, null) != null) {
          return new Outcome(plan.message(), null, true, true);
        }
        return new Outcome(background.busyWith() + " already in progress", null, false, false);
      }
      if (!run(step.effect(), dyn) && step.onFailure() != null) {
        Outcome o = execute(step.onFailure(), dyn);
        return new Outcome(o.message(), o.role(), o.inBackground(), false);
      }
    }
    return new Outcome(plan.message(), plan.role(), false, true);
  }

  /**
   * Starts {@code plan} as the background task, named {@code action} (null: after its first long
   * effect), publishing {@code state} while it runs (null: as each long effect says).
   *
   * @return the task's end, or null when another task runs
   */
  java.util.concurrent.CompletableFuture<BackgroundTask.Result> startInBackground(
      Plan plan, DynamicConfig dyn, String action, String state) {
    Effect first =
        plan.steps().stream()
            .map(Plan.Step::effect)
            .filter(Effect::isLong)
            .findFirst()
            .orElse(null);
    String name = action != null ? action : first == null ? "task" : actionName(first);
    boolean fixedState = state != null;
    return background.start(
        name,
        fixedState ? state : first == null ? null : stateDuring(first),
        () -> {
          Outcome o = runToEnd(plan, dyn, action == null, fixedState);
          if (o.role() != null) {
            node.publishRole(o.role());
          }
          return new BackgroundTask.Result(o.message(), o.ok());
        });
  }

  /** Runs every step on this thread (the background task's), fallbacks included. */
  private Outcome runToEnd(
      Plan plan, DynamicConfig dyn, boolean alreadyLogged, boolean fixedState) {
    for (Plan.Step step : plan.steps()) {
      if (Thread.currentThread().isInterrupted()) {
        LOG.info("{} cancelled", background.busyWith());
        return new Outcome(background.busyWith() + " cancelled", null, false, false);
      }
      String s = fixedState ? null : stateDuring(step.effect());
      if (s != null) {
        background.setState(s);
      }
      if (!run(step.effect(), dyn) && step.onFailure() != null) {
        Outcome o = runToEnd(step.onFailure(), dyn, false, fixedState);
        return new Outcome(o.message(), o.role(), false, false);
      }
    }
    if (!alreadyLogged) {
      LOG.info("{}", plan.message());
    }
    return new Outcome(plan.message(), plan.role(), false, true);
  }

  /** Patroni's action names, as "... in progress" shows them. */
  static String actionName(Effect e) {
    if (e instanceof Effect.InitDb) {
      return "bootstrap";
    }
    if (e instanceof Effect.Clone c) {
      if (c.source() == null) {
        return "bootstrap (without leader)";
      }
      return "bootstrap from "
          + (c.source().name().equals(c.leader().name()) ? "leader" : "replica")
          + " '"
          + c.source().name()
          + "'";
    }
    if (e instanceof Effect.Rewind r) {
      return "running pg_rewind from " + r.leader().name();
    }
    if (e instanceof Effect.Start) {
      return "starting";
    }
    if (e instanceof Effect.PrePromote) {
      return "promote";
    }
    return e.getClass().getSimpleName().toLowerCase();
  }

  /** The PostgreSQL state published while a long effect runs (Patroni's state strings). */
  static String stateDuring(Effect e) {
    if (e instanceof Effect.InitDb) {
      return "initializing new cluster";
    }
    if (e instanceof Effect.Clone) {
      return "creating replica";
    }
    if (e instanceof Effect.Start) {
      return "starting";
    }
    if (e instanceof Effect.Stop) {
      return "stopping";
    }
    return null;
  }

  /** Carries out one effect; false if it failed (a DCS error counts as failure). */
  boolean run(Effect effect, DynamicConfig dyn) {
    try {
      return apply(effect, dyn);
    } catch (DcsException e) {
      LOG.error("Error communicating with DCS: {}", e.getMessage());
      return false;
    }
  }

  private boolean apply(Effect effect, DynamicConfig dyn) throws DcsException {
    if (effect instanceof Effect.Log l) {
      LOG.info("{}", l.message());
      return true;
    }
    if (effect instanceof Effect.ClaimInitialize) {
      return dcs.initialize(true, "");
    }
    if (effect instanceof Effect.CancelInitialize) {
      dcs.cancelInitialization();
      return true;
    }
    if (effect instanceof Effect.InitDb) {
      return pg.bootstrap(dyn);
    }
    if (effect instanceof Effect.FinishBootstrap) {
      finishBootstrap(dyn);
      return true;
    }
    if (effect instanceof Effect.WriteInitialize w) {
      return dcs.initialize(true, w.sysid());
    }
    if (effect instanceof Effect.Clone c) {
      return pg.cloneFrom(c.source(), c.leader(), dyn);
    }
    if (effect instanceof Effect.Rewind r) {
      return pg.rewind(r.leader(), dyn);
    }
    if (effect instanceof Effect.Start s) {
      return pg.start(s.asPrimary(), s.follow(), dyn, s.timeoutSeconds());
    }
    if (effect instanceof Effect.Stop s) {
      node.stopping();
      return pg.stop(s.mode(), s.checkpointFirst(), s.timeoutSeconds());
    }
    if (effect instanceof Effect.Checkpoint) {
      pg.checkpoint();
      return true;
    }
    if (effect instanceof Effect.Callback c) {
      pg.callback(c.action(), c.role().patroniName());
      return true;
    }
    if (effect instanceof Effect.PrePromote) {
      return pg.prePromote();
    }
    if (effect instanceof Effect.Promote p) {
      // A plan made before a stall (the lock just won, then SIGSTOP) must not promote after the
      // lease ran out: another node may hold the key by now (docs/fencing.md).
      if (!lease.isHeld(nanoTime.getAsLong())) {
        LOG.error("not promoting: the leader lease ran out before the promotion could start");
        return false;
      }
      return pg.promote(p.timeoutSeconds());
    }
    if (effect instanceof Effect.ActivateWatchdog) {
      return node.activateWatchdog();
    }
    if (effect instanceof Effect.DisableWatchdog) {
      // The watchdog guards a primary: it is closed only once PostgreSQL no longer runs as one.
      if (pg.probe().isPrimary()) {
        LOG.warn("PostgreSQL still runs as primary: the watchdog stays active");
        return false;
      }
      node.disableWatchdog();
      return true;
    }
    if (effect instanceof Effect.Follow f) {
      pg.follow(f.leader(), dyn);
      return true;
    }
    if (effect instanceof Effect.RemoveDataDirectory) {
      return pg.removeDataDirectory();
    }
    if (effect instanceof Effect.AcquireLeader) {
      long sent = nanoTime.getAsLong();
      if (!dcs.attemptToAcquireLeader()) {
        return false;
      }
      lease.renewed(sent);
      return true;
    }
    if (effect instanceof Effect.DeleteLeader) {
      dcs.deleteLeader();
      lease.release();
      return true;
    }
    if (effect instanceof Effect.ForgetLease) {
      lease.release();
      return true;
    }
    if (effect instanceof Effect.ReleaseKeyAfterShutdown) {
      releaseKeyAfterShutdown();
      return true;
    }
    if (effect instanceof Effect.ClearFailover c) {
      dcs.setFailover("{}", c.modRevision());
      return true;
    }
    if (effect instanceof Effect.SetFailover s) {
      dcs.setFailover(s.json(), s.modRevision());
      return true;
    }
    if (effect instanceof Effect.WriteSync w) {
      return dcs.setSync(
          Json.write(
              new io.hagent.common.cluster.SyncState(w.leader(), w.standbys(), w.quorum(), 0)
                  .toJson()),
          w.modRevision());
    }
    if (effect instanceof Effect.DeleteSync) {
      dcs.deleteSync();
      return true;
    }
    if (effect instanceof Effect.SetStandbyNames n) {
      return pg.setSynchronousStandbyNames(n.value(), dyn);
    }
    if (effect instanceof Effect.SyncSlots s) {
      pg.syncReplicationSlots(s.names());
      return true;
    }
    if (effect instanceof Effect.RecordHistory h) {
      recordHistory(h.history(), h.switchLsn());
      return true;
    }
    if (effect instanceof Effect.PublishRole p) {
      node.publishRole(p.role());
      return true;
    }
    if (effect instanceof Effect.WakeLoop) {
      node.wake();
      return true;
    }
    if (effect instanceof Effect.CancelTask) {
      return background.isTaskThread() || background.cancel(60);
    }
    if (effect instanceof Effect.ExitFatal x) {
      throw new FatalError(x.message());
    }
    throw new IllegalArgumentException("unknown effect " + effect);
  }

  private void finishBootstrap(DynamicConfig dyn) throws DcsException {
    LocalState state = pg.probe();
    dcs.initialize(false, state.sysid());
    // Members key first: replicas woken by the new leader key find our conn_url at once.
    node.publishMember(state);
    dcs.setConfig(Json.write(dyn.raw()), 0L);
    long sent = nanoTime.getAsLong();
    dcs.takeLeader();
    lease.renewed(sent);
    dcs.setHistory("[]");
  }

  /** Appends the timeline we left to the history key, as the new primary does in Patroni. */
  private void recordHistory(List<List<Object>> known, long switchLsn) throws DcsException {
    // The timeline we left is the one before the new primary's: a replica that lost its WAL
    // receiver reports the (stale) checkpoint timeline, which would overwrite history rows.
    Integer newTimeline = pg.probe().timeline();
    if (newTimeline == null) {
      return;
    }
    int oldTimeline = newTimeline - 1;
    List<List<Object>> history = new ArrayList<>(known);
    history.removeIf(
        e -> !e.isEmpty() && e.get(0) instanceof Number n && n.intValue() >= oldTimeline);
    history.add(
        List.of(
            oldTimeline,
            switchLsn,
            "no recovery target specified",
            OffsetDateTime.now(ZoneOffset.UTC).format(HISTORY_TS),
            name));
    dcs.setHistory(Json.write(history));
  }

  /** Publishes the shutdown checkpoint LSN as the final optime, then deletes our leader key. */
  private void releaseKeyAfterShutdown() throws DcsException {
    Long lsn = pg.latestCheckpointLsn();
    if (lsn != null) {
      dcs.setStatus(Json.write(new ClusterStatus(lsn, Map.of(), List.of()).toJson()));
    }
    dcs.deleteLeader();
    lease.release();
  }
}
