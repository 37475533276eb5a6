package io.hagent.agent.ha;

import io.hagent.agent.logging.HeartbeatLog;
import io.hagent.agent.node.ActionOutcome;
import io.hagent.agent.node.NodeSnapshot;
import io.hagent.agent.node.PublishedState;
import io.hagent.agent.node.RestartRequest;
import io.hagent.agent.node.Role;
import io.hagent.agent.postgres.DivergenceCheck;
import io.hagent.agent.postgres.LocalState;
import io.hagent.agent.postgres.Postgres;
import io.hagent.agent.watchdog.Watchdog;
import io.hagent.common.Version;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
import io.hagent.common.config.WatchdogConfig;
import io.hagent.common.dcs.Dcs;
import io.hagent.common.dcs.DcsException;
import io.hagent.common.json.Json;
import io.hagent.common.rest.RestClient;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Why this file is longer than ~500 lines: it is the orchestrator of a cycle and owns the mutable
 * state every step shares (the configuration and dynamic configuration, the last cluster view and
 * probe, the published snapshot, the intended role); the steps themselves live in their own classes
 * (HaDecision, PlanExecutor, BackgroundTask, RaceView, ScheduledRestart, ReloadPlan).
 *
 * <p>The HA loop (§5.1): every {@code loop_wait} seconds, or at once when the DCS watch reports a
 * leader or config change, it gathers one snapshot (DCS view, local PostgreSQL, peers when
 * leaderless), asks {@link HaDecision} what to do, has {@link PlanExecutor} carry the plan out,
 * logs the outcome in Patroni's words and publishes a {@link NodeSnapshot} for the REST API.
 */
public final class HaLoop {
  private static final Logger LOG = LoggerFactory.getLogger(HaLoop.class);

  private volatile HagentConfig config;
  private final LoopTasks tasks = new LoopTasks();
  private final ScheduledRestart scheduledRestart = new ScheduledRestart();
  private volatile boolean reloadRequested;
  private final java.util.Queue<CompletableFuture<Void>> reloadWaiters =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private java.util.concurrent.Callable<HagentConfig> reloader;
  private String reloadSource = "the environment";
  private final Dcs dcs;
  private final Postgres pg;
  private final PeerProbe peers;
  private final FailsafeState failsafe;
  private final FailsafeRound failsafeRound;
  private final RaceBackoff raceBackoff;
  private final RaceView raceView;
  private final LongSupplier nanoTime;
  private final Clock clock;
  private final LeaderLease lease;
  private final LeaseFence fence;
  private volatile Watchdog watchdog = Watchdog.of(new WatchdogConfig("off", "", 0));
  private final PlanExecutor executor;
  private final BackgroundTask background;
  private final SlotKeeper slotKeeper;
  private final HeartbeatLog lockOwnerLog;
  private final HeartbeatLog outcomeLog;
  private final AtomicReference<NodeSnapshot> snapshot = new AtomicReference<>();
  private final Object wakeLock = new Object();
  private boolean wakeRequested;
  private volatile boolean stopping;

  /** Volatile: the crash detector's thread reads it too. */
  private volatile DynamicConfig dynamic;

  private volatile Cluster lastCluster;
  private volatile LocalState lastLocal;
  private long lastClusterNanos;

  /** When the last successful leader-key renewal was sent (the watchdog's timing). */
  private long renewalSentNanos;

  private long dcsLastSeenEpoch;

  /** See {@link #rewindCheck}: a running standby must be checked against the leader's timeline. */
  private boolean divergenceSuspected;

  /** The leader seen last cycle: a replica that follows a new one may hold WAL past its fork. */
  private String lastLeaderName;

  /**
   * The role the loop intends to publish; what PostgreSQL reports overrides it (Role.published).
   */
  private volatile Role intended = Role.UNINITIALIZED;

  /** Builds the loop with its peer prober (REST client with the node's own credentials). */
  public static HaLoop create(
      HagentConfig config,
      Dcs dcs,
      Postgres pg,
      LeaderLease lease,
      LongSupplier nanoTime,
      Clock clock) {
    RestClient client =
        new RestClient(
            config.restapi().username(),
            config.restapi().password(),
            config.restapi().cafile(),
            config.restapi().certfile(),
            config.restapi().keyfile(),
            config.restapi().keyfilePassword(),
            true);
    ExecutorService peerPool =
        Executors.newFixedThreadPool(
            3,
            r -> {
              Thread t = new Thread(r, "peer-probe");
              t.setDaemon(true);
              return t;
            });
    HaLoop loop =
        new HaLoop(
            config,
            dcs,
            pg,
            new PeerProbe(client, peerPool),
            // one thread per member, as every member of the failsafe key is called at once
            new FailsafeCaller(
                client,
                Executors.newCachedThreadPool(
                    r -> {
                      Thread t = new Thread(r, "failsafe-call");
                      t.setDaemon(true);
                      return t;
                    }),
                nanoTime),
            nanoTime,
            clock,
            lease);
    loop.useWatchdog(
        Watchdog.of(config.watchdog(), java.nio.file.Path.of(config.postgresql().dataDir())));
    return loop;
  }

  /** The watchdog the leader keeps (§3.2); off unless set. */
  void useWatchdog(Watchdog w) {
    this.watchdog = w;
  }

  HaLoop(
      HagentConfig config,
      Dcs dcs,
      Postgres pg,
      PeerProbe peers,
      FailsafeCaller failsafeCaller,
      LongSupplier nanoTime,
      Clock clock,
      LeaderLease lease) {
    this.config = config;
    this.dcs = dcs;
    this.pg = pg;
    this.peers = peers;
    this.raceView = new RaceView(peers, nanoTime, () -> stopping);
    this.nanoTime = nanoTime;
    this.clock = clock;
    this.lease = lease;
    this.fence = new LeaseFence(lease, pg, nanoTime);
    this.dynamic =
        DynamicConfig.from(config.bootstrap() == null ? Map.of() : config.bootstrap().dcs());
    this.failsafe = new FailsafeState(dynamic.ttl(), nanoTime);
    this.failsafeRound = new FailsafeRound(failsafeCaller::call, failsafe, lease, nanoTime);
    this.raceBackoff = new RaceBackoff(nanoTime);
    this.background = new BackgroundTask(this::wake);
    this.slotKeeper = new SlotKeeper(config.name(), pg, clock::millis, background);
    this.executor =
        new PlanExecutor(
            config.name(),
            dcs,
            pg,
            lease,
            nanoTime,
            new PlanExecutor.Node() {
              @Override
              public void publishRole(Role role) {
                intended = role;
                // A role change is published at once with a fresh probe: peers racing for the key
                // ask us, and a stale "primary" would make them stand back.
                publish(pg.probe(), lastCluster, nanoTime.getAsLong());
              }

              @Override
              public void publishMember(LocalState state) {
                publishMemberAs(state, Role.PRIMARY);
              }

              @Override
              public void wake() {
                HaLoop.this.wake();
              }

              @Override
              public boolean activateWatchdog() {
                return watchdog.activate(dynamic.ttl(), dynamic.loopWait());
              }

              @Override
              public void disableWatchdog() {
                watchdog.disable();
              }

              @Override
              public void stopping() {
                // The loop thread waits for the stop (a primary's fast shutdown waits for its
                // walsenders): until then /patroni says so, as Patroni's state 'stopping' does.
                // A background task (restart) publishes its own state meanwhile.
                LocalState s = lastLocal;
                if (s != null && s.running() && background.busyWith() == null) {
                  publish(s.withState("stopping"), lastCluster, nanoTime.getAsLong());
                }
              }
            },
            background);
    boolean dedup = HeartbeatLog.enabledIn(config.raw());
    this.lockOwnerLog = new HeartbeatLog(LOG, dedup, HeartbeatLog.DEFAULT_REPEAT, nanoTime);
    this.outcomeLog = new HeartbeatLog(LOG, dedup, HeartbeatLog.DEFAULT_REPEAT, nanoTime);
    publish(pg.probe(), null, nanoTime.getAsLong());
  }

  public NodeSnapshot snapshot() {
    return snapshot.get();
  }

  public DynamicConfig dynamicConfig() {
    return dynamic;
  }

  /** Failsafe mode's memory: POST /failsafe records the calling leader here. */
  public FailsafeState failsafe() {
    return failsafe;
  }

  /**
   * How to reread the configuration on SIGHUP / POST /reload.
   *
   * @param source what is reread (the file's path), for the log
   */
  public void setReloader(String source, java.util.concurrent.Callable<HagentConfig> reloader) {
    this.reloadSource = source;
    this.reloader = reloader;
  }

  /** Runs {@code work} on the loop thread before the next cycle and wakes the loop. */
  <T> java.util.concurrent.CompletableFuture<T> submit(java.util.function.Supplier<T> work) {
    java.util.concurrent.CompletableFuture<T> f = tasks.submit(work);
    wake();
    return f;
  }

  /**
   * Rereads the configuration before the next cycle.
   *
   * @return completes once that reload has been handled (applied, refused or failed: the log says
   *     which), for systemd's READY=1 after RELOADING=1
   */
  public CompletableFuture<Void> requestReload() {
    CompletableFuture<Void> handled = new CompletableFuture<>();
    reloadWaiters.add(handled);
    reloadRequested = true;
    wake();
    return handled;
  }

  boolean scheduleRestart(RestartRequest request) {
    return scheduledRestart.schedule(request);
  }

  boolean cancelScheduledRestart() {
    return scheduledRestart.cancel();
  }

  /**
   * POST /restart: restarts PostgreSQL in its current role, as a background task, if the request's
   * filters match. Runs on the loop thread (between cycles); the caller waits on the result.
   */
  CompletableFuture<ActionOutcome> restartNow(RestartRequest req) {
    LocalState s = lastLocal;
    if (s == null || !s.running()) {
      return CompletableFuture.completedFuture(ActionOutcome.failure("postgres is not running"));
    }
    String busy = background.busyWith();
    if (busy != null) {
      return CompletableFuture.completedFuture(
          ActionOutcome.failure(busy + " already in progress"));
    }
    String myRole = s.isPrimary() ? "primary" : "replica";
    if (!RestartRules.matches(req, s)) {
      return CompletableFuture.completedFuture(
          ActionOutcome.failure("restart conditions are not satisfied"));
    }
    boolean primary = s.isPrimary();
    int timeout =
        req.timeoutSeconds() != null
            ? req.timeoutSeconds()
            : primary
                ? Math.max(dynamic.primaryStartTimeout(), 1)
                : config.postgresql().pgCtlTimeout();
    Member leader =
        lastCluster == null
            ? null
            : lastCluster.leaderMember().filter(m -> !m.name().equals(config.name())).orElse(null);
    LOG.info("restarting PostgreSQL ({})", myRole);
    Plan plan = Plans.restart(primary, leader, timeout);
    CompletableFuture<BackgroundTask.Result> done =
        executor.startInBackground(plan, dynamic, "restart", "restarting");
    if (done == null) {
      return CompletableFuture.completedFuture(
          ActionOutcome.failure(background.busyWith() + " already in progress"));
    }
    return done.thenApply(
        r -> {
          // The caller answers as soon as this completes, before the next cycle publishes:
          // without a fresh snapshot, GET /patroni would still show the old postmaster_start_time.
          publish(pg.probe(), lastCluster, nanoTime.getAsLong());
          return r.ok() ? ActionOutcome.success(r.message()) : ActionOutcome.failure(r.message());
        });
  }

  /**
   * POST /reinitialize: stops PostgreSQL and moves the data directory aside as a background task;
   * the next cycle clones it anew. {@code force} cancels a task in progress first, as Patroni does.
   */
  ActionOutcome reinitializeNow(boolean force) {
    if (lease.isHeld(nanoTime.getAsLong())) {
      return ActionOutcome.failure("I am the leader, can not reinitialize");
    }
    if (force) {
      background.cancel(60);
    }
    LOG.info("reinitializing: stopping PostgreSQL and removing the data directory");
    CompletableFuture<BackgroundTask.Result> done =
        executor.startInBackground(Plans.reinitialize(), dynamic, "reinitialize", "stopping");
    if (done == null) {
      return ActionOutcome.failure(background.busyWith() + " already in progress");
    }
    return ActionOutcome.success("reinitialize started");
  }

  private void reloadIfRequested() {
    if (!reloadRequested) {
      return;
    }
    // taken before the file is read: a request that comes in meanwhile waits for the next reload
    List<CompletableFuture<Void>> waiting = new ArrayList<>();
    for (CompletableFuture<Void> f; (f = reloadWaiters.poll()) != null; ) {
      waiting.add(f);
    }
    try {
      if (reloader == null) {
        return; // nothing to reread (tests); the request stays noted, as before
      }
      reloadRequested = false;
      HagentConfig fresh;
      try {
        fresh = reloader.call();
      } catch (Exception e) {
        // the loader names every bad key; the old configuration stays in force untouched
        LOG.error(
            "Exception when reloading local configuration from {}: {}",
            reloadSource,
            e.getMessage());
        return;
      }
      applyReload(ReloadPlan.of(config, fresh));
    } finally {
      waiting.forEach(f -> f.complete(null));
    }
  }

  /** Applies a reread configuration on the loop thread, between cycles (§3.1 item 4). */
  void applyReload(ReloadPlan plan) {
    if (plan.isRefused()) {
      LOG.error(
          "Not reloading the local configuration: {} cannot change while hagent runs; restart"
              + " hagent to apply the file (still running with the previous configuration)",
          String.join(", ", plan.refused()));
      return;
    }
    if (plan.nothingChanged()) {
      LOG.info("No local configuration items changed.");
      return;
    }
    plan.needRestart().forEach(key -> LOG.warn("{} changed; restart hagent to apply it", key));
    HagentConfig applied = plan.applied();
    io.hagent.agent.logging.LogSetup.apply(applied.log());
    boolean dedup = HeartbeatLog.enabledIn(applied.raw());
    lockOwnerLog.setDeduplicate(dedup);
    outcomeLog.setDeduplicate(dedup);
    config = applied;
    try {
      pg.reconfigure(applied, dynamic);
    } catch (RuntimeException e) {
      LOG.error("could not apply the postgresql section: {}", e.getMessage());
    }
    // no publish here: the cycle that follows at once puts the new tags in /patroni and, with
    // its touchMember, in the member key
    LOG.info("Reloaded the local configuration from {}", reloadSource);
  }

  private void runScheduledRestart() {
    RestartRequest req = scheduledRestart.takeIfDue(Instant.now(clock), dynamic.loopWait());
    if (req == null) {
      return;
    }
    ActionOutcome outcome = restartNow(req).getNow(null);
    LOG.info(
        "{}",
        outcome == null || outcome.ok()
            ? "restart initiated"
            : "scheduled restart: " + outcome.message());
  }

  /** Runs cycles until {@link #stop()}; returns normally, or throws {@link FatalError}. */
  public void run() {
    dcs.watch(this::onDcsChange);
    LeaderCrashDetector crashDetector =
        new LeaderCrashDetector(
            config.name(),
            () -> lastCluster,
            () -> dynamic,
            pg,
            dcs,
            LeaderCrashDetector::tcpConnect,
            this::wake,
            nanoTime);
    crashDetector.start();
    try {
      cycles();
    } finally {
      crashDetector.close();
    }
  }

  private void cycles() {
    while (!stopping) {
      long start = nanoTime.getAsLong();
      reloadIfRequested();
      tasks.runPending();
      runScheduledRestart();
      try {
        runCycle();
      } catch (FatalError e) {
        throw e;
      } catch (RuntimeException e) {
        // As Patroni: one cycle's bug must not take the node down. Safe to go on, because the next
        // cycle fences first if the lease ran out meanwhile (LeaseFence, docs/fencing.md).
        LOG.error("Unexpected exception", e);
        LOG.info("Unexpected exception raised, please report it as a BUG");
      }
      long next = start + TimeUnit.SECONDS.toNanos(dynamic.loopWait());
      NodeSnapshot s = snapshot.get();
      snapshot.set(s.withNextRun(next));
      waitUntil(next);
    }
  }

  /** Asks for a cycle now (DCS watch event, REST management call). */
  public void wake() {
    synchronized (wakeLock) {
      wakeRequested = true;
      wakeLock.notifyAll();
    }
  }

  public void stop() {
    stopping = true;
    wake();
  }

  /**
   * SIGTERM (§5.12): stop PostgreSQL fast and give the leader key up at once so another node can
   * take over without waiting for the lease to expire; paused, leave both alone.
   */
  public void shutdown() {
    boolean paused = lastCluster != null ? lastCluster.isPaused() : dynamic.pause();
    if (paused) {
      LOG.info("Leader key is not deleted and Postgresql is not stopped due paused state");
      watchdog.disable();
      return;
    }
    if (!lease.isHeld(nanoTime.getAsLong()) && lastLocal != null && lastLocal.running()) {
      Map<String, Object> member =
          MemberData.build(config, lastLocal, Role.published(lastLocal, intended), false);
      // a fresh view: the sync key may have named us after this loop's last read
      Cluster current = lastCluster;
      try {
        current = dcs.readCluster();
      } catch (DcsException e) {
        LOG.warn("Could not read the cluster before stopping: {}", e.getMessage());
      }
      SyncRelease.beforeStop(config.name(), current, member, dcs, nanoTime);
    }
    if (!background.cancel(60)) {
      LOG.warn("{} did not stop in time", background.busyWith());
    }
    boolean leader = lease.isHeld(nanoTime.getAsLong());
    PlanExecutor.Outcome o =
        executor.execute(
            Plans.shutdown(leader, Math.max(60, config.postgresql().pgCtlTimeout())), dynamic);
    if (!o.ok()) {
      LOG.error("{}", o.message());
    } else if (leader) {
      LOG.info("{}", o.message());
    }
  }

  private void onDcsChange(String key, boolean deleted) {
    Cluster known = lastCluster;
    boolean iAmLeader = lease.isHeld(nanoTime.getAsLong());
    switch (key) {
      case "leader" -> {
        if (deleted || (!iAmLeader && (known == null || known.isUnlocked()))) {
          wake();
        }
      }
      case "config", "failover", "initialize" -> wake();
      default -> {}
    }
  }

  private void waitUntil(long deadlineNanos) {
    synchronized (wakeLock) {
      while (!wakeRequested && !stopping) {
        long left = deadlineNanos - nanoTime.getAsLong();
        if (left <= 0) {
          break;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(wakeLock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          stopping = true;
        }
      }
      wakeRequested = false;
    }
  }

  /**
   * One cycle: gather one snapshot (DCS view, one PostgreSQL probe, the lock renewal, peers when
   * leaderless, the divergence check), decide once, carry the plan out, publish.
   */
  void runCycle() {
    // Before anything else: a cycle that starts after a stall past the lease deadline fences first
    // (docs/fencing.md).
    fence.fenceIfExpired(wasPaused(), "this HA cycle");
    background.rethrowFatal();
    // Read before the DCS view: a task finishing while this cycle reads (a bootstrap that takes
    // the leader key as its last step) would otherwise look idle beside a DCS view from before its
    // end, and the cycle would race for a key its own node already holds.
    String busyAtStart = background.busyWith();
    Cluster cluster = readCluster();
    LocalState local = pg.probe();
    lastLocal = local;
    DynamicConfig dyn = applyDynamicConfig(cluster, local);
    if (cluster != null && dyn.failsafeMode()) {
      // a leaderless view while a leader keeps calling POST /failsafe: that leader (§5.2 step 1)
      cluster = failsafeRound.view(cluster, config.name());
    }
    RaceBackoff.Status backoff = raceBackoff.observe(cluster, local);
    boolean failsafeLeader = dyn.failsafeMode() && local.isPrimary();
    LockState lock = refreshLock(cluster, failsafeLeader);
    if (lock == null) {
      cluster = null;
      lock = LockState.LOST;
    }
    String busyNow = background.busyWith();
    // a task started meanwhile (POST /restart) counts too
    String busy = busyAtStart != null ? busyAtStart : busyNow;
    boolean paused = cluster != null ? cluster.isPaused() : dyn.pause();
    FailsafeCheck failsafeCheck = null;
    if (cluster != null) {
      failsafe.leaderInactive();
    } else if (failsafeLeader && !paused) {
      // also while a background task runs: it does not make the members' answers less true
      Cluster known = lastCluster;
      failsafeCheck =
          failsafeRound.run(
              config.name(),
              (String) MemberData.build(config, local, Role.PRIMARY, false).get("conn_url"),
              config.restapi().apiUrl(),
              known == null ? null : known.failsafe(),
              dyn);
      if (failsafeCheck.allAccepted()) {
        // Patroni feeds the watchdog when failsafe keeps it leader: the round renewed the lease
        watchdog.keepalive(dyn.ttl(), dyn.loopWait());
      }
    }
    if (lock == LockState.HELD) {
      // fed only after a successful renewal, so it fires if renewals stop (Patroni's update_lock)
      watchdog.keepaliveAfterRenewal(
          dyn.ttl(), dyn.loopWait(), nanoTime.getAsLong() - renewalSentNanos);
    }
    if (paused) {
      watchdog.disable(); // in pause hagent does not fence, so the watchdog must not fire
    }
    Map<String, PeerStatus> peerStatus = Map.of();
    if (busy == null && cluster != null && cluster.isUnlocked() && local.running() && !paused) {
      // Peers racing with us ask our /patroni: answer them from this cycle's probe.
      publish(local, cluster, nanoTime.getAsLong());
      List<Member> others =
          cluster.members().stream().filter(m -> !m.name().equals(config.name())).toList();
      peerStatus = raceView.ask(cluster, local, others, dyn);
    }
    String prefix = paused ? "PAUSE: " : "";
    if (cluster != null) {
      String owner = cluster.leader() == null ? "None" : cluster.leader().name();
      lockOwnerLog.info(prefix + "Lock owner: " + owner + "; I am " + config.name());
    }
    HaInput input =
        new HaInput(
                config.name(),
                cluster,
                local,
                dyn,
                config.tagView(),
                lock,
                peerStatus,
                config.bootstrap() != null && !config.tagView().nofailover(),
                Instant.now(clock))
            .withLocal(
                HaInput.LocalSettings.of(
                    config, pg.prePromoteFailedWithin(java.time.Duration.ofSeconds(dyn.ttl()))))
            .withRewind(rewindCheck(cluster, local, lock, paused, busy, dyn))
            .busyWith(busy)
            .withFailsafe(failsafeCheck)
            .withRaceBackoff(backoff)
            .withWatchdog(
                new HaInput.WatchdogView(
                    watchdog.isHealthy(dyn.ttl(), dyn.loopWait()), watchdog.isActive()))
            // synchronous replication is the business of the running primary holding the lock
            .withSync(
                lock == LockState.HELD && busy == null && local.isPrimary() && !paused
                    ? pg.syncStatus()
                    : null);
    Plan plan = HaDecision.decide(input);
    plan.notes().forEach(n -> LOG.info("{}{}", prefix, n));
    String outcome;
    boolean changedPostgres = false;
    try {
      PlanExecutor.Outcome o = executor.execute(plan, dyn);
      outcome = o.message();
      if (o.role() != null) {
        intended = o.role();
      }
      changedPostgres = !plan.steps().isEmpty() && !o.inBackground();
    } catch (FatalError e) {
      throw e;
    } catch (RuntimeException e) {
      LOG.error("Unexpected error while carrying out '{}'", plan.message(), e);
      outcome = plan.message();
    }
    outcomeLog.info(prefix + outcome);

    // One probe per cycle; a plan that acted on PostgreSQL is published with a fresh one.
    LocalState after = changedPostgres ? pg.probe() : local;
    after = PublishedState.of(after, background.state(), paused);
    if (watchdog.isActive() && !lease.isHeld(nanoTime.getAsLong()) && !after.isPrimary()) {
      // not the leader and not a primary (a demotion, a fence by the lease guard): nothing to guard
      watchdog.disable();
    }
    if (!watchdog.isActive() && (paused || !after.running() || after.isReplica())) {
      // a fence process left armed by an earlier agent has nothing to guard here any more
      watchdog.releaseLeftover();
    }
    // A stall during this cycle must not end in a member key that still says primary.
    if (fence.fenceIfExpired(paused, "writing the member key")) {
      after = PublishedState.of(pg.probe(), background.state(), paused);
    }
    if (cluster != null) {
      publishToDcs(after, paused);
    }
    publish(after, cluster, nanoTime.getAsLong());
  }

  /**
   * The divergence check against the leader's timeline (§5.10), part of gathering so that the
   * decision stays pure. A stopped data directory about to follow another leader is checked every
   * cycle. A running standby is checked only while divergence is suspected: this node ran as
   * primary since the last clean answer (a demotion, as Patroni triggers its check on demote), or a
   * check could not be made. An old leader that came back as a standby after a partition would
   * otherwise follow the new leader from a forked timeline forever.
   */
  private HaInput.RewindCheck rewindCheck(
      Cluster cluster,
      LocalState local,
      LockState lock,
      boolean paused,
      String busy,
      DynamicConfig dyn) {
    if (local.isPrimary()) {
      divergenceSuspected = true;
    }
    String leaderName =
        cluster == null ? null : cluster.leaderMember().map(Member::name).orElse(null);
    if (leaderName != null && !leaderName.equals(lastLeaderName)) {
      // A failover: an asynchronous replica may have received WAL from the old leader that the
      // new one never had. Such a standby keeps running but can never stream again ("new
      // timeline forked off ... before current recovery point") until it is rewound, so it is
      // checked like a demoted primary.
      if (lastLeaderName != null && !leaderName.equals(config.name())) {
        divergenceSuspected = true;
      }
      lastLeaderName = leaderName;
    }
    if (busy != null
        || paused
        || cluster == null
        || local.dataDir() != LocalState.DataDirState.INITIALIZED
        || lock == LockState.HELD
        || (local.running() && !(local.isReplica() && divergenceSuspected))) {
      return HaInput.RewindCheck.NOT_NEEDED;
    }
    Member leader =
        cluster.leaderMember().filter(m -> !m.name().equals(config.name())).orElse(null);
    if (leader == null) {
      return HaInput.RewindCheck.NOT_NEEDED;
    }
    DivergenceCheck check = pg.checkDivergence(leader);
    divergenceSuspected = check != DivergenceCheck.NOT_DIVERGED;
    if (check != DivergenceCheck.DIVERGED) {
      return HaInput.RewindCheck.NOT_NEEDED;
    }
    return new HaInput.RewindCheck(true, pg.canRewind(dyn));
  }

  private boolean wasPaused() {
    Cluster c = lastCluster;
    return c != null ? c.isPaused() : dynamic.pause();
  }

  private Cluster readCluster() {
    try {
      Cluster c = dcs.readCluster();
      lastCluster = c;
      lastClusterNanos = nanoTime.getAsLong();
      dcsLastSeenEpoch = clock.instant().getEpochSecond();
      return c;
    } catch (DcsException e) {
      LOG.error("Error communicating with DCS: {}", e.getMessage());
      return null;
    }
  }

  private DynamicConfig applyDynamicConfig(Cluster cluster, LocalState local) {
    if (cluster == null || cluster.config() == null) {
      return dynamic;
    }
    DynamicConfig fresh = DynamicConfig.from(cluster.config());
    if (!fresh.raw().equals(dynamic.raw())) {
      fresh.warnings().forEach(w -> LOG.warn(w));
      if (fresh.ttl() != dynamic.ttl() || fresh.retryTimeout() != dynamic.retryTimeout()) {
        dcs.setTimeouts(fresh.ttl(), fresh.retryTimeout());
        failsafe.setTtlSeconds(fresh.ttl());
      }
      boolean pgChanged =
          !Objects.equals(fresh.parameters(), dynamic.parameters())
              || !Objects.equals(fresh.pgHba(), dynamic.pgHba())
              || !Objects.equals(pgIdent(fresh), pgIdent(dynamic));
      dynamic = fresh;
      lease.setTtlSeconds(fresh.ttl());
      if (pgChanged && local.running()) {
        pg.applyConfig(fresh);
      }
    }
    return dynamic;
  }

  /** postgresql.pg_ident of a dynamic configuration (null if unset). */
  private static Object pgIdent(DynamicConfig dyn) {
    return dyn.raw().get("postgresql") instanceof Map<?, ?> m ? m.get("pg_ident") : null;
  }

  /**
   * The holder's heartbeat: refresh the key before deciding, as Patroni does (§5.4). Null when etcd
   * could not be reached within retry_timeout. With {@code keepLeaseOnDcsError} (failsafe mode on a
   * primary) an unreachable etcd leaves the lease deadline as it is: the failsafe round decides
   * whether it is extended or dropped, and until then the lease guard still watches it.
   */
  private LockState refreshLock(Cluster cluster, boolean keepLeaseOnDcsError) {
    if (cluster == null) {
      if (!keepLeaseOnDcsError) {
        lease.release();
      }
      return LockState.NOT_HOLDER;
    }
    if (cluster.leader() == null || !cluster.leader().name().equals(config.name())) {
      lease.release();
      return LockState.NOT_HOLDER;
    }
    long sent = nanoTime.getAsLong();
    try {
      if (dcs.updateLeader()) {
        lease.renewed(sent);
        renewalSentNanos = sent;
        return LockState.HELD;
      }
    } catch (DcsException e) {
      // etcd did not answer within retry_timeout: as in Patroni, that is "DCS is not accessible"
      // (demote offline), not a lock another node took (the decision sees no cluster view).
      LOG.error("Error communicating with DCS: failed to update leader lock: {}", e.getMessage());
      if (!keepLeaseOnDcsError) {
        lease.release();
      }
      return null;
    }
    lease.release();
    return LockState.LOST;
  }

  private void publishMemberAs(LocalState local, Role asRole) {
    try {
      dcs.touchMember(MemberData.build(config, local, asRole, false));
    } catch (DcsException e) {
      LOG.error("Error communicating with DCS: {}", e.getMessage());
    }
  }

  private void publishToDcs(LocalState local, boolean paused) {
    try {
      dcs.touchMember(MemberData.build(config, local, Role.published(local, intended), paused));
      if (lease.isHeld(nanoTime.getAsLong()) && local.isPrimary()) {
        leaderDuties(local);
      } else if (lease.isHeld(nanoTime.getAsLong()) && local.isReplica()) {
        standbyLeaderDuties();
      } else if (local.running() && local.isReplica() && background.busyWith() == null) {
        slotKeeper.replicaCycle(lastCluster, dynamic, config.tagView());
      } else {
        slotKeeper.notLeader();
      }
    } catch (DcsException e) {
      LOG.error("Error communicating with DCS: {}", e.getMessage());
    }
  }

  /** Per-cycle work of a leader that runs as primary: status optime and replication slots. */
  private void leaderDuties(LocalState local) throws DcsException {
    ClusterStatus status = slotKeeper.leaderCycle(local, lastCluster, dynamic, config.tagView());
    if (status != null) {
      dcs.setStatus(Json.write(status.toJson()));
    }
    if (lastCluster != null) {
      Map<String, String> topology =
          dynamic.failsafeMode()
              ? FailsafeDecision.topology(
                  config.name(), config.restapi().apiUrl(), lastCluster.members())
              : null;
      switch (FailsafeDecision.keyChange(topology, lastCluster.failsafe())) {
        case WRITE -> dcs.setFailsafe(Json.write(topology));
        case DELETE -> {
          dcs.deleteFailsafe();
          LOG.info("removed the failsafe key: failsafe_mode is off");
        }
        case NONE -> {}
      }
    }
  }

  /**
   * A standby leader keeps the slots of the members that stream from it, as a primary does
   * (PostgreSQL creates physical slots on a standby too).
   */
  private void standbyLeaderDuties() {
    if (dynamic.useSlots()
        && lastCluster != null
        && io.hagent.common.config.StandbyCluster.of(dynamic) != null) {
      pg.syncReplicationSlots(Plans.memberSlots(config.name(), lastCluster));
    }
  }

  private void publish(LocalState local, Cluster cluster, long now) {
    Cluster view = cluster;
    if (view == null
        && lastCluster != null
        && now - lastClusterNanos < TimeUnit.SECONDS.toNanos(dynamic.ttl())) {
      view = lastCluster;
    }
    NodeSnapshot prev = snapshot.get();
    snapshot.set(
        new NodeSnapshot(
            config.scope(),
            config.name(),
            Version.PATRONI_COMPAT,
            local,
            Role.published(local, intended),
            view,
            lease.untilNanos(),
            dynamic,
            config.tags(),
            dcsLastSeenEpoch,
            prev == null ? now : prev.nextRunNanos(),
            failsafe.isActive(),
            scheduledRestart.json(local),
            !watchdog.isHealthy(dynamic.ttl(), dynamic.loopWait())));
  }

  /** The agent cannot go on (e.g. system ID mismatch); Main exits with status 1. */
  public static final class FatalError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FatalError(String message) {
      super(message);
    }
  }
}
