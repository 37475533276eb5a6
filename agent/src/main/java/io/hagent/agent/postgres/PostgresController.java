package io.hagent.agent.postgres;

import io.hagent.agent.callbacks.CallbackAction;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link Postgres} for a PostgreSQL 12+ instance on this host: a façade over one class per concern,
 * the way Patroni splits its {@code postgresql/} package. {@link LocalInstance} holds what they
 * share (configuration, paths, connection, state string); {@link StateProbe} reads the state,
 * {@link Postmaster} starts, stops and promotes, {@link Bootstrapper} runs initdb, {@link Cloner}
 * pg_basebackup, {@link ConfigWriter} writes the configuration files, {@link Rewinder} decides on
 * and runs pg_rewind, {@link SlotManager} keeps the replication slots, {@link DataDirectory} owns
 * the directory itself.
 */
public final class PostgresController implements Postgres {
  private final LocalInstance instance;
  private final ConfigWriter config;
  private final StateProbe probe;
  private final Postmaster postmaster;
  private final Bootstrapper bootstrapper;
  private final Cloner cloner;
  private final Rewinder rewinder;
  private final SlotManager slots;
  private final SyncReplication sync;

  public PostgresController(HagentConfig config) {
    this.instance = new LocalInstance(config);
    this.config = new ConfigWriter(instance);
    this.probe = new StateProbe(instance, this.config);
    this.postmaster = new Postmaster(instance, this.config);
    this.bootstrapper = new Bootstrapper(instance, this.config, postmaster);
    this.cloner = new Cloner(instance, this.config);
    this.rewinder = new Rewinder(instance, this.config, probe);
    this.slots = new SlotManager(instance);
    this.sync = new SyncReplication(instance, this.config);
  }

  /** Every command line this controller spawned (tests check no password is on one). */
  List<List<String>> commandHistory() {
    return instance.runner().history();
  }

  Path logFile() {
    return instance.pgCtl().logFile();
  }

  Path pgpassFile() {
    return instance.pgpass();
  }

  /**
   * Passes loop_wait on to the local connection: why it cannot connect is logged at most once per
   * reason and cycle.
   */
  private DynamicConfig loopWait(DynamicConfig dynamic) {
    instance.connectFailures().interval(Duration.ofSeconds(dynamic.loopWait()));
    return dynamic;
  }

  @Override
  public LocalState probe() {
    return probe.probe();
  }

  @Override
  public boolean bootstrap(DynamicConfig dynamic) {
    return bootstrapper.bootstrap(loopWait(dynamic));
  }

  @Override
  public boolean cloneFrom(Member source, Member leader, DynamicConfig dynamic) {
    return cloner.cloneFrom(source, leader, loopWait(dynamic));
  }

  @Override
  public boolean start(boolean asPrimary, Member follow, DynamicConfig dynamic, int timeout) {
    return postmaster.start(asPrimary, follow, loopWait(dynamic), timeout);
  }

  @Override
  public boolean stop(StopMode mode, boolean checkpointFirst, int timeoutSeconds) {
    return postmaster.stop(mode, checkpointFirst, timeoutSeconds);
  }

  @Override
  public boolean promote(int timeoutSeconds) {
    return postmaster.promote(timeoutSeconds);
  }

  @Override
  public boolean follow(Member leader, DynamicConfig dynamic) {
    return config.follow(leader, loopWait(dynamic));
  }

  @Override
  public void applyConfig(DynamicConfig dynamic) {
    config.applyConfig(loopWait(dynamic));
  }

  @Override
  public void reconfigure(HagentConfig fresh, DynamicConfig dynamic) {
    config.reconfigure(fresh, loopWait(dynamic));
  }

  @Override
  public DivergenceCheck checkDivergence(Member leader) {
    return rewinder.checkDivergence(leader);
  }

  @Override
  public boolean canRewind(DynamicConfig dynamic) {
    return rewinder.canRewind(loopWait(dynamic));
  }

  @Override
  public boolean rewind(Member leader, DynamicConfig dynamic) {
    return rewinder.rewind(leader, loopWait(dynamic));
  }

  @Override
  public boolean removeDataDirectory() {
    return instance.directory().remove();
  }

  @Override
  public boolean checkpoint() {
    return postmaster.checkpoint();
  }

  @Override
  public void syncReplicationSlots(Set<String> slotNames) {
    slots.createMissing(slotNames);
  }

  @Override
  public SlotSync syncSlots(
      Map<String, SlotSpec> desired,
      io.hagent.common.config.SlotsConfig config,
      boolean paused,
      boolean primary,
      boolean cleanInactive) {
    return slots.sync(desired, config, paused, primary, cleanInactive);
  }

  @Override
  public Map<String, Long> catalogXminOnPrimary(Member leader, List<String> names) {
    return leader == null || leader.hostPort() == null
        ? null
        : slots.catalogXminOnPrimary(leader.hostPort(), names);
  }

  @Override
  public boolean copyLogicalSlots(
      Member leader, Member follow, List<SlotSpec> toCopy, DynamicConfig dynamic, int timeout) {
    if (leader == null || leader.hostPort() == null) {
      return false;
    }
    Map<String, byte[]> files = slots.readFromPrimary(leader.hostPort(), toCopy);
    if (files.isEmpty() || !stop(StopMode.FAST, false, timeout)) {
      return false;
    }
    boolean written = false;
    try {
      slots.writeSlotFiles(files);
      written = true;
    } catch (java.io.IOException e) {
      org.slf4j.LoggerFactory.getLogger(PostgresController.class)
          .error("Failed to write the copied logical slots: {}", e.getMessage());
    }
    // Started again in any case: a replica left stopped would serve nothing.
    return start(false, follow, dynamic, timeout) && written;
  }

  @Override
  public Map<String, String> controlData() {
    return instance.pgCtl().controlData().values();
  }

  @Override
  public void callback(CallbackAction action, String role) {
    instance.callbacks().call(action, role);
  }

  @Override
  public boolean prePromote() {
    return instance.callbacks().prePromote();
  }

  @Override
  public boolean prePromoteFailedWithin(Duration window) {
    return instance.callbacks().prePromoteFailedWithin(window);
  }

  @Override
  public Long latestCheckpointLsn() {
    return instance.pgCtl().controlData().checkpointLsn();
  }

  /** The detector's own connection: never shares a lock with the HA loop's long statements. */
  private LocalConnection streamConnection;

  private io.hagent.common.config.PostgresqlConfig streamConnectionFor;

  @Override
  public synchronized WalStream walStream() {
    io.hagent.common.config.PostgresqlConfig pg = instance.pg();
    if (streamConnection == null || streamConnectionFor != pg) {
      if (streamConnection != null) {
        streamConnection.close(); // reloaded configuration: maybe other credentials
      }
      streamConnection =
          new LocalConnection(
              pg.localHost(), pg.port(), instance.database(), pg.superuser(), false, null);
      streamConnectionFor = pg;
    }
    try {
      List<Map<String, Object>> rows =
          streamConnection.query(
              "SELECT w.status, w.sender_host, w.sender_port FROM (SELECT 1) AS one"
                  + " LEFT JOIN pg_catalog.pg_stat_wal_receiver w ON true",
              1);
      if (rows.isEmpty() || rows.get(0).get("status") == null) {
        return WalStream.NONE;
      }
      Map<String, Object> row = rows.get(0);
      Object port = row.get("sender_port");
      return new WalStream(
          String.valueOf(row.get("status")),
          row.get("sender_host") == null ? null : String.valueOf(row.get("sender_host")),
          port instanceof Number n ? n.intValue() : 0);
    } catch (java.sql.SQLException e) {
      return null;
    }
  }

  @Override
  public SyncStatus syncStatus() {
    return sync.status();
  }

  @Override
  public boolean setSynchronousStandbyNames(String value, DynamicConfig dynamic) {
    return config.setSynchronousStandbyNames(value, loopWait(dynamic));
  }
}
