package io.hagent.agent.postgres;

import io.hagent.common.cluster.HostPort;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.Credentials;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
import io.hagent.common.config.PostgresqlConfig;
import io.hagent.common.util.ShellWords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Postgres} for a PostgreSQL 12+ instance on this host. Holds the little state the HA loop
 * cannot see from outside: Patroni's state string, whether we expect the postmaster to be up (so a
 * vanished one is reported as crashed), and which member our recovery settings follow.
 */
public final class PostgresController implements Postgres {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresController.class);
  private static final Duration LONG_RUNNING = Duration.ofHours(24);
  private static final int BASEBACKUP_ATTEMPTS = 2;
  private static final long BASEBACKUP_RETRY_MILLIS = 5000;

  private static final String PROBE_SQL =
      "SELECT pg_catalog.pg_is_in_recovery() AS in_recovery,"
          + " CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL ELSE"
          + " pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_flush_lsn(), '0/0')::bigint"
          + " END AS flush_lsn,"
          + " CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL ELSE ('x' || substr("
          + "pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int"
          + " END AS wal_timeline,"
          + " pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_receive_lsn(), '0/0')::bigint"
          + " AS receive_lsn,"
          + " pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_replay_lsn(), '0/0')::bigint"
          + " AS replay_lsn,"
          + " current_setting('server_version_num')::int AS server_version,"
          + " pg_catalog.pg_postmaster_start_time() AS start_time,"
          + " CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_is_wal_replay_paused()"
          + " END AS replay_paused,"
          + " pg_catalog.pg_last_xact_replay_timestamp() AS replay_timestamp,"
          + " (SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()) AS checkpoint_timeline,"
          + " current_setting('restore_command') AS restore_command,"
          + " (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) AS sysid,"
          + " w.status AS receiver_status, w.received_tli,"
          + " pg_catalog.pg_wal_lsn_diff(w.latest_end_lsn, '0/0')::bigint AS latest_end_lsn"
          + " FROM (SELECT 1) AS one LEFT JOIN pg_catalog.pg_stat_wal_receiver w ON true";

  private static final String REPLICATION_SQL =
      "SELECT usename, application_name, client_addr::text AS client_addr, state, sync_state,"
          + " sync_priority FROM pg_catalog.pg_stat_replication ORDER BY pid";

  // Replaced by reconfigure() on a reload (HA loop thread); other threads only read them.
  private volatile HagentConfig config;
  private volatile PostgresqlConfig pg;
  private final Path dataDir;
  private final Path pgpass;
  private final ProcessRunner runner = new ProcessRunner();
  private final PgCtl pgCtl;
  private final ConfFiles files;
  private volatile LocalConnection local;

  private volatile String state;

  /** The postmaster was started (or found running) by us; if it vanishes it crashed. */
  private volatile boolean expectRunning;

  /** The member our recovery settings follow; null = unknown or none. */
  private volatile Member following;

  /** The parameters last written to postgresql.conf, for pending_restart's new_value. */
  private volatile Map<String, String> written = Map.of();

  public PostgresController(HagentConfig config) {
    this.config = config;
    this.pg = config.postgresql();
    this.dataDir = Path.of(pg.dataDir()).toAbsolutePath().normalize();
    Path configDir =
        pg.configDir() == null || pg.configDir().isBlank()
            ? dataDir
            : Path.of(pg.configDir()).toAbsolutePath().normalize();
    this.pgpass =
        Path.of(
                pg.pgpass() == null || pg.pgpass().isBlank()
                    ? System.getProperty("user.home") + "/pgpass"
                    : pg.pgpass())
            .toAbsolutePath();
    // The log lives next to the data directory: a clone needs an empty data directory.
    Path logFile = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    this.pgCtl = new PgCtl(pg, dataDir, configDir, logFile, runner);
    this.files = new ConfFiles(dataDir, configDir);
    this.local = new LocalConnection(pg.localHost(), pg.port(), database(), pg.superuser(), false);
    this.expectRunning = pgCtl.postmasterPid().isPresent();
    this.state = expectRunning ? "running" : "stopped";
  }

  /** Every command line this controller spawned (tests check no password is on one). */
  List<List<String>> commandHistory() {
    return runner.history();
  }

  Path logFile() {
    return pgCtl.logFile();
  }

  Path pgpassFile() {
    return pgpass;
  }

  // ---------------------------------------------------------------- probe

  @Override
  public LocalState probe() {
    try {
      return doProbe();
    } catch (RuntimeException e) {
      LOG.warn("probing PostgreSQL failed: {}", e.toString());
      return LocalState.notRunning(dataDirState(), state, null, null, null);
    }
  }

  private LocalState doProbe() {
    LocalState.DataDirState dirState = dataDirState();
    // pg_controldata is a process start: read it only while PostgreSQL cannot answer (the probe
    // runs every cycle; a running server gives its system identifier through SQL).
    java.util.function.Supplier<ControlData> controlData =
        () ->
            dirState == LocalState.DataDirState.INITIALIZED
                ? pgCtl.controlData()
                : ControlData.EMPTY;
    if (pgCtl.postmasterPid().isEmpty()) {
      ControlData cd = controlData.get();
      local.close();
      if (expectRunning) {
        expectRunning = false;
        if ("running".equals(state) || "starting".equals(state)) {
          LOG.warn("postmaster is not running any more");
          state = "crashed";
        }
      }
      return LocalState.notRunning(
          dirState, state, cd.checkpointTimeline(), cd.sysid(), cd.state());
    }
    Map<String, Object> row;
    List<Map<String, Object>> replication;
    Map<String, Object> pending = new TreeMap<>();
    try {
      row = local.query(PROBE_SQL).get(0);
      replication = local.query(REPLICATION_SQL);
      for (Map<String, Object> p :
          local.query(
              "SELECT name, setting, unit, vartype FROM pg_catalog.pg_settings"
                  + " WHERE pending_restart")) {
        String name = String.valueOf(p.get("name"));
        String vartype = (String) p.get("vartype");
        String unit = (String) p.get("unit");
        Map<String, Object> reason = new LinkedHashMap<>();
        reason.put("old_value", GucUnits.humanReadable(p.get("setting"), vartype, unit));
        reason.put("new_value", GucUnits.humanReadable(written.get(name), vartype, unit));
        pending.put(name, reason);
      }
    } catch (SQLException e) {
      LOG.debug("query on local PostgreSQL failed: {}", e.getMessage());
      ControlData cd = controlData.get();
      return LocalState.notRunning(
          dirState, state, cd.checkpointTimeline(), cd.sysid(), cd.state());
    }
    expectRunning = true;
    if (!"starting".equals(state) && !"stopping".equals(state)) {
      state = "running";
    }
    boolean inRecovery = Boolean.TRUE.equals(row.get("in_recovery"));
    Integer timeline =
        inRecovery
            ? firstInt(row.get("received_tli"), row.get("checkpoint_timeline"))
            : firstInt(row.get("wal_timeline"), row.get("checkpoint_timeline"));
    String replicationState = null;
    if (inRecovery) {
      if ("streaming".equals(row.get("receiver_status"))) {
        replicationState = "streaming";
      } else if (row.get("restore_command") != null
          && !String.valueOf(row.get("restore_command")).isEmpty()) {
        replicationState = "in archive recovery";
      }
    }
    return new LocalState(
        dirState,
        true,
        state,
        inRecovery,
        timeline,
        asLong(row.get("flush_lsn")),
        asLong(row.get("receive_lsn")),
        asLong(row.get("replay_lsn")),
        asLong(row.get("latest_end_lsn")),
        replicationState,
        row.get("sysid") == null ? null : row.get("sysid").toString(),
        null,
        firstInt(row.get("server_version")),
        instant(row.get("start_time")),
        (Boolean) row.get("replay_paused"),
        instant(row.get("replay_timestamp")),
        List.copyOf(replication),
        !pending.isEmpty(),
        pending);
  }

  private LocalState.DataDirState dataDirState() {
    if (!Files.isDirectory(dataDir)) {
      return Files.exists(dataDir)
          ? LocalState.DataDirState.INVALID
          : LocalState.DataDirState.EMPTY;
    }
    try (Stream<Path> entries = Files.list(dataDir)) {
      if (entries.findAny().isEmpty()) {
        return LocalState.DataDirState.EMPTY;
      }
    } catch (IOException e) {
      return LocalState.DataDirState.INVALID;
    }
    return Files.exists(dataDir.resolve("PG_VERSION"))
            && Files.exists(dataDir.resolve("global/pg_control"))
        ? LocalState.DataDirState.INITIALIZED
        : LocalState.DataDirState.INVALID;
  }

  // ---------------------------------------------------------------- bootstrap and clone

  @Override
  public boolean bootstrap(DynamicConfig dynamic) {
    if (dataDirState() != LocalState.DataDirState.EMPTY) {
      LOG.error("Can not bootstrap: data directory {} is not empty", dataDir);
      return false;
    }
    state = "initializing new cluster";
    Path pwfile = null;
    try {
      createDataDir();
      List<String> cmd = ProcessRunner.cmd(pg.binary("initdb"));
      if (config.bootstrap() != null && config.bootstrap().initdbArgs() != null) {
        cmd.addAll(config.bootstrap().initdbArgs());
      }
      cmd.add("--username=" + pg.superuser().username());
      if (pg.superuser().password() != null) {
        pwfile = Files.createTempFile("hagent-pw", ".tmp", ownerOnly());
        Files.writeString(pwfile, pg.superuser().password() + "\n");
        cmd.add("--pwfile=" + pwfile);
      }
      cmd.add("-D");
      cmd.add(dataDir.toString());
      ProcessRunner.Result initdb = runner.run(cmd, LONG_RUNNING);
      if (!initdb.ok()) {
        LOG.error("initdb failed: {}", initdb.tail());
        state = "initdb failed";
        return false;
      }
    } catch (IOException e) {
      LOG.error("initdb failed: {}", e.getMessage());
      state = "initdb failed";
      return false;
    } finally {
      deleteQuietly(pwfile);
    }
    try {
      files.preserveBaseConf();
      if (localOrDynamicHba(dynamic) == null
          && config.bootstrap() != null
          && config.bootstrap().pgHba() != null) {
        files.appendHba(config.bootstrap().pgHba());
      }
      writeConfig(true, null, dynamic);
      if (!startAndWait(pg.pgCtlTimeout() > 0 ? pg.pgCtlTimeout() : 60)) {
        state = "initdb failed";
        return false;
      }
      new RoleSetup(local)
          .run(
              pg.superuser(),
              pg.replication(),
              pg.rewind(),
              config.bootstrap() == null ? null : config.bootstrap().users(),
              majorVersion());
      if (!runPostBootstrap()) {
        stop(StopMode.IMMEDIATE, false, 30);
        state = "initdb failed";
        return false;
      }
      state = "running";
      return true;
    } catch (IOException | SQLException e) {
      LOG.error("Failed to bootstrap cluster: {}", e.getMessage());
      stop(StopMode.IMMEDIATE, false, 30);
      state = "initdb failed";
      return false;
    }
  }

  private boolean runPostBootstrap() throws IOException {
    String script = config.bootstrap() == null ? null : config.bootstrap().postBootstrap();
    if (script == null || script.isBlank()) {
      return true;
    }
    List<String> cmd;
    try {
      cmd = new ArrayList<>(ShellWords.split(script)); // as Patroni: shlex.split(...) + [url]
    } catch (ShellWords.SplitException e) {
      LOG.error("post_bootstrap script {} failed: {}", script, e.getMessage());
      return false;
    }
    writePgpass(null);
    cmd.add(
        ConnInfo.url(
            new HostPort(pg.localHost(), pg.port()), pg.superuser().username(), database()));
    ProcessRunner.Result r =
        runner.run(cmd, Map.of("PGPASSFILE", pgpass.toString()), LONG_RUNNING, null);
    if (!r.ok()) {
      LOG.error("post_bootstrap script {} failed: {}", cmd.get(0), r.tail());
    }
    return r.ok();
  }

  @Override
  public boolean cloneFrom(Member source, Member leader, DynamicConfig dynamic) {
    if (dataDirState() != LocalState.DataDirState.EMPTY) {
      LOG.error("Can not create a replica: data directory {} is not empty", dataDir);
      return false;
    }
    HostPort from = source.hostPort();
    if (from == null) {
      LOG.error("Can not create a replica: member {} has no conn_url", source.name());
      return false;
    }
    state = "creating replica";
    try {
      createDataDir();
      writePgpass(from);
      List<String> cmd =
          ProcessRunner.cmd(
              pg.binary("pg_basebackup"),
              "--pgdata=" + dataDir,
              "-X",
              "stream",
              "--checkpoint=fast",
              "--dbname="
                  + ConnInfo.dsn(from, database(), pg.replication(), pgpass, config.name()));
      if (pg.basebackupArgs() != null) {
        cmd.addAll(pg.basebackupArgs());
      }
      for (int attempt = 1; attempt <= BASEBACKUP_ATTEMPTS; attempt++) {
        ProcessRunner.Result r =
            runner.run(cmd, Map.of("PGPASSFILE", pgpass.toString()), LONG_RUNNING, null);
        if (r.ok()) {
          writeConfig(false, leader, dynamic);
          state = "stopped";
          LOG.info("replica has been created using basebackup");
          return true;
        }
        LOG.error("Error when fetching backup: pg_basebackup exited with code={}", r.exitCode());
        LOG.error("{}", r.tail());
        emptyDataDir();
        if (attempt < BASEBACKUP_ATTEMPTS) {
          LOG.info("Trying again in 5 seconds");
          Thread.sleep(BASEBACKUP_RETRY_MILLIS);
        }
      }
    } catch (IOException e) {
      LOG.error("Can not create a replica: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    state = "stopped";
    return false;
  }

  // ---------------------------------------------------------------- start / stop / promote

  @Override
  public boolean start(boolean asPrimary, Member follow, DynamicConfig dynamic, int timeout) {
    if (pgCtl.postmasterPid().isPresent()) {
      LOG.info("PostgreSQL is already running");
      return true;
    }
    try {
      writeConfig(asPrimary, follow, dynamic);
    } catch (IOException e) {
      LOG.error("could not write the configuration: {}", e.getMessage());
      state = "start failed";
      return false;
    }
    return startAndWait(timeout);
  }

  private boolean startAndWait(int timeoutSeconds) {
    state = "starting";
    expectRunning = true;
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    ProcessRunner.Result r = pgCtl.start(timeoutSeconds);
    if (!r.ok()) {
      LOG.error("pg_ctl start failed: {}", r.tail());
      expectRunning = pgCtl.postmasterPid().isPresent();
      state = expectRunning ? "starting" : "start failed";
      return false;
    }
    while (System.nanoTime() < deadline) {
      try {
        local.query("SELECT 1");
        state = "running";
        return true;
      } catch (SQLException e) {
        sleep(200);
      }
    }
    LOG.error("PostgreSQL did not accept connections within {} s", timeoutSeconds);
    return false;
  }

  @Override
  public boolean stop(StopMode mode, boolean checkpointFirst, int timeoutSeconds) {
    if (pgCtl.postmasterPid().isEmpty()) {
      local.close();
      expectRunning = false;
      state = "stopped";
      return true;
    }
    if (checkpointFirst) {
      checkpoint();
    }
    expectRunning = false;
    state = "stopping";
    local.close();
    ProcessRunner.Result r = pgCtl.signalStop(mode);
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    while (pgCtl.postmasterPid().isPresent() && System.nanoTime() - deadline < 0) {
      sleep(POLL_MILLIS);
    }
    if (pgCtl.postmasterPid().isEmpty()) {
      state = "stopped";
      return true;
    }
    LOG.error(
        "PostgreSQL did not stop within {} s{}",
        timeoutSeconds,
        r.ok() ? "" : ": pg_ctl stop said " + r.tail());
    state = "stop failed";
    expectRunning = true;
    return false;
  }

  /** How often stop and promote look whether PostgreSQL got there. */
  private static final long POLL_MILLIS = 20;

  @Override
  public boolean promote(int timeoutSeconds) {
    // pg_promote() over the open connection, watched every 20 ms: pg_ctl promote -w costs a
    // process start and polls every 100 ms, and every millisecond here is write downtime.
    try {
      local.query("SELECT pg_catalog.pg_promote(false) AS ok");
    } catch (SQLException e) {
      LOG.info("pg_promote() failed ({}), using pg_ctl promote", e.getMessage());
      ProcessRunner.Result r = pgCtl.promote(timeoutSeconds);
      if (!r.ok()) {
        LOG.error("pg_ctl promote failed: {}", r.tail());
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    do {
      try {
        if (Boolean.FALSE.equals(
            local.query("SELECT pg_catalog.pg_is_in_recovery() AS r").get(0).get("r"))) {
          following = null;
          return true;
        }
      } catch (SQLException e) {
        LOG.debug("waiting for promotion: {}", e.getMessage());
      }
      sleep(POLL_MILLIS);
    } while (System.nanoTime() < deadline);
    return false;
  }

  // ---------------------------------------------------------------- configuration

  @Override
  public boolean follow(Member leader, DynamicConfig dynamic) {
    Map<String, String> before = files.readWrittenSettings();
    SortedMap<String, String> wanted = recoveryParams(leader, dynamic);
    boolean changed = false;
    for (String key : List.of("primary_conninfo", "primary_slot_name", "restore_command")) {
      if (!java.util.Objects.equals(before.get(key), wanted.get(key))) {
        changed = true;
      }
    }
    if (!changed && files.isStandby()) {
      following = leader;
      return false;
    }
    try {
      writeConfig(false, leader, dynamic);
    } catch (IOException e) {
      LOG.error("could not write the configuration: {}", e.getMessage());
      return false;
    }
    if (pgCtl.postmasterPid().isPresent()) {
      reload();
    }
    return true;
  }

  @Override
  public void applyConfig(DynamicConfig dynamic) {
    Map<String, String> before = written;
    try {
      boolean standby = files.isStandby();
      if (standby && following == null) {
        writeConfigKeepingRecovery(dynamic);
      } else {
        writeConfig(!standby, following, dynamic);
      }
      if (pgCtl.postmasterPid().isPresent()) {
        logChanges(before, written);
        reload();
      }
    } catch (IOException e) {
      LOG.error("could not write the configuration: {}", e.getMessage());
    }
  }

  /** Patroni's "Changed X from A to B" lines; the old value is what the server runs with now. */
  private void logChanges(Map<String, String> before, Map<String, String> after) {
    if (before.isEmpty() || before.equals(after)) {
      return; // nothing written yet by this agent (just started): no "before" to compare with
    }
    Map<String, ParameterChanges.ServerSetting> server = new java.util.HashMap<>();
    try {
      for (Map<String, Object> row :
          local.query("SELECT name, setting, context FROM pg_catalog.pg_settings")) {
        server.put(
            String.valueOf(row.get("name")),
            new ParameterChanges.ServerSetting(
                String.valueOf(row.get("setting")), String.valueOf(row.get("context"))));
      }
    } catch (SQLException e) {
      LOG.debug("cannot read pg_settings to log the changes: {}", e.getMessage());
      return;
    }
    ParameterChanges.describe(before, after, server).forEach(LOG::info);
  }

  @Override
  public void reconfigure(HagentConfig fresh, DynamicConfig dynamic) {
    PostgresqlConfig next = fresh.postgresql();
    if (!next.keepsStartupSettingsOf(pg)) {
      // the caller keeps these at their running values (ReloadPlan); a mix would be half a config
      throw new IllegalArgumentException(
          "data_dir, listen, bin_dir and pgpass cannot change without a restart of hagent");
    }
    PostgresqlConfig before = pg;
    boolean sectionChanged = !next.equals(before);
    config = fresh;
    pg = next;
    if (!before.superuser().equals(next.superuser())
        || !java.util.Objects.equals(before.database(), next.database())) {
      LocalConnection old = local;
      local =
          new LocalConnection(next.localHost(), next.port(), database(), next.superuser(), false);
      old.close();
    }
    if (!sectionChanged) {
      return;
    }
    if (pgCtl.postmasterPid().isEmpty()) {
      // nothing to reload: start() writes the files from the new section
      return;
    }
    LOG.info("PostgreSQL configuration items changed, reloading configuration.");
    applyConfig(dynamic);
  }

  private void reload() {
    ProcessRunner.Result r = pgCtl.reload();
    if (!r.ok()) {
      LOG.warn("pg_ctl reload failed: {}", r.tail());
    }
  }

  /** Writes postgresql.conf, pg_hba.conf, standby.signal and pgpass for the given role. */
  private void writeConfig(boolean asPrimary, Member follow, DynamicConfig dynamic)
      throws IOException {
    writeFiles(asPrimary, asPrimary ? Map.of() : recoveryParams(follow, dynamic), dynamic);
    following = asPrimary ? null : follow;
    writePgpass(follow == null ? null : follow.hostPort());
  }

  /** A replica whose leader we do not know yet (e.g. after an agent restart): keep its settings. */
  private void writeConfigKeepingRecovery(DynamicConfig dynamic) throws IOException {
    Map<String, String> before = files.readWrittenSettings();
    SortedMap<String, String> recovery = recoveryParams(null, dynamic);
    for (String key : List.of("primary_conninfo", "primary_slot_name")) {
      if (before.get(key) != null) {
        recovery.put(key, before.get(key));
      }
    }
    writeFiles(false, recovery, dynamic);
  }

  private void writeFiles(boolean asPrimary, Map<String, String> recovery, DynamicConfig dynamic)
      throws IOException {
    ParameterBuilder.Effective effective =
        ParameterBuilder.build(
            config, dynamic, majorVersion(), asPrimary ? null : pgCtl.controlData().values());
    effective.warnings().forEach(LOG::warn);
    files.writePostgresqlConf(effective.parameters(), recovery);
    written = effective.parameters();
    List<String> hba = localOrDynamicHba(dynamic);
    if (hba != null) {
      files.writeHba(hba);
    }
    files.setStandby(!asPrimary);
  }

  private List<String> localOrDynamicHba(DynamicConfig dynamic) {
    return pg.pgHba() != null ? pg.pgHba() : dynamic.pgHba();
  }

  /** primary_conninfo, primary_slot_name, recovery_target_timeline and recovery_conf (§5.4). */
  private SortedMap<String, String> recoveryParams(Member follow, DynamicConfig dynamic) {
    SortedMap<String, String> out = new TreeMap<>();
    if (pg.recoveryConf() != null) {
      pg.recoveryConf()
          .forEach(
              (k, v) -> {
                if (v != null) {
                  out.put(k, ParameterBuilder.render(v));
                }
              });
    }
    HostPort leader = follow == null ? null : follow.hostPort();
    if (leader != null) {
      out.put(
          "primary_conninfo",
          ConnInfo.primaryConninfo(
              leader, database(), pg.replication(), pgpass, config.name(), majorVersion()));
      if (dynamic.useSlots()) {
        out.put("primary_slot_name", SlotNames.slotName(config.name()));
      }
    }
    out.put("recovery_target_timeline", "latest");
    return out;
  }

  /**
   * The pgpass file: the superuser for local connections, and the replication, rewind and superuser
   * roles for {@code remote} (the member we clone from, follow or rewind from).
   */
  private void writePgpass(HostPort remote) throws IOException {
    List<ConfFiles.PgpassEntry> entries = new ArrayList<>();
    String localPort = String.valueOf(pg.port());
    entries.add(entry(pg.localHost(), localPort, pg.superuser()));
    if (remote != null) {
      String port = String.valueOf(remote.port());
      entries.add(entry(remote.host(), port, pg.replication()));
      if (pg.rewind() != null) {
        entries.add(entry(remote.host(), port, pg.rewind()));
      }
      entries.add(entry(remote.host(), port, pg.superuser()));
    }
    ConfFiles.writePgpass(pgpass, entries);
  }

  private static ConfFiles.PgpassEntry entry(String host, String port, Credentials c) {
    return new ConfFiles.PgpassEntry(host, port, "*", c.username(), c.password());
  }

  // ---------------------------------------------------------------- rewind

  @Override
  public boolean needsRewind(Member leader) {
    HostPort target = leader == null ? null : leader.hostPort();
    if (target == null || !"primary".equals(leader.role())) {
      return false;
    }
    int localTl;
    long localLsn;
    Divergence.LocalKind kind;
    Long checkpointEnd = null;
    if (pgCtl.postmasterPid().isPresent()) {
      LocalState s = probe();
      if (!s.isReplica() || s.timeline() == null) {
        return false;
      }
      localTl = s.timeline();
      localLsn = s.replayLsn() == null ? 0 : s.replayLsn();
      kind = Divergence.LocalKind.REPLICA;
    } else {
      ControlData cd = cleanControlData();
      if (cd == null) {
        return false;
      }
      if ("shut down".equals(cd.state())) {
        kind = Divergence.LocalKind.FORMER_PRIMARY;
        localTl = cd.checkpointTimeline();
        localLsn = cd.checkpointLsn();
        checkpointEnd = pgCtl.checkpointEnd(localLsn, localTl);
      } else {
        kind = Divergence.LocalKind.REPLICA;
        Integer tl = cd.minRecoveryTimeline();
        Long lsn = cd.minRecoveryLsn();
        boolean useCheckpoint = tl == null || tl == 0 || lsn == null || lsn == 0;
        localTl = useCheckpoint ? cd.checkpointTimeline() : tl;
        localLsn = useCheckpoint ? cd.checkpointLsn() : lsn;
      }
    }
    Credentials repl = pg.replication();
    try (LocalConnection remote =
        new LocalConnection(target.host(), target.port(), database(), repl, true)) {
      if (Boolean.TRUE.equals(
          remote.query("SELECT pg_catalog.pg_is_in_recovery() AS r").get(0).get("r"))) {
        return false;
      }
      int leaderTl =
          Integer.parseInt(String.valueOf(remote.query("IDENTIFY_SYSTEM").get(0).get("timeline")));
      String history = null;
      if (leaderTl > localTl) {
        history =
            String.valueOf(remote.query("TIMELINE_HISTORY " + leaderTl).get(0).get("content"));
      }
      boolean rewind =
          Divergence.needsRewind(localTl, localLsn, kind, checkpointEnd, leaderTl, history);
      LOG.info(
          "Local timeline={} lsn={}, leader timeline={}: {}",
          localTl,
          Lsn.format(localLsn),
          leaderTl,
          rewind ? "rewind needed" : "no rewind needed");
      return rewind;
    } catch (SQLException | RuntimeException e) {
      LOG.warn("Could not check the timeline of {}: {}", leader.name(), e.getMessage());
      return false;
    }
  }

  /** Controldata after a crash recovery in single-user mode if the shutdown was unclean. */
  private ControlData cleanControlData() {
    ControlData cd = pgCtl.controlData();
    if (cd.isEmpty()) {
      return null;
    }
    if (ControlData.UNCLEAN_STATES.contains(cd.state())) {
      LOG.info("doing crash recovery in a single user mode");
      try {
        ProcessRunner.Result r = pgCtl.singleUserCrashRecovery(LONG_RUNNING);
        if (!r.ok()) {
          LOG.error("Crash recovery finished with code={}: {}", r.exitCode(), r.tail());
          return null;
        }
      } catch (IOException e) {
        LOG.error("Crash recovery failed: {}", e.getMessage());
        return null;
      }
      cd = pgCtl.controlData();
    }
    return cd;
  }

  @Override
  public boolean canRewind(DynamicConfig dynamic) {
    boolean use = pg.usePgRewind() != null ? pg.usePgRewind() : dynamic.usePgRewind();
    if (!use) {
      return false;
    }
    if (!pgCtl.rewindAvailable()) {
      LOG.warn("pg_rewind is not available");
      return false;
    }
    if (!pgCtl.controlData().rewindable()) {
      LOG.warn("pg_rewind can not be used: wal_log_hints is off and data checksums are disabled");
      return false;
    }
    return true;
  }

  @Override
  public boolean rewind(Member leader, DynamicConfig dynamic) {
    HostPort target = leader == null ? null : leader.hostPort();
    if (target == null) {
      return false;
    }
    if (pgCtl.postmasterPid().isPresent()) {
      LOG.error("Can not run pg_rewind: PostgreSQL is running");
      return false;
    }
    if (cleanControlData() == null) {
      return false;
    }
    Credentials rewinder = pg.rewind() != null ? pg.rewind() : pg.superuser();
    try (LocalConnection remote =
        new LocalConnection(target.host(), target.port(), database(), rewinder, false)) {
      // pg_rewind reads the leader's timeline from its pg_control, written by a checkpoint.
      remote.execute("CHECKPOINT", 60);
    } catch (SQLException e) {
      LOG.warn("Could not run CHECKPOINT on {}: {}", leader.name(), e.getMessage());
    }
    try {
      writePgpass(target);
    } catch (IOException e) {
      LOG.error("could not write pgpass: {}", e.getMessage());
      return false;
    }
    LOG.info("running pg_rewind from {}", leader.name());
    List<String> cmd =
        ProcessRunner.cmd(
            pg.binary("pg_rewind"),
            "--target-pgdata=" + dataDir,
            "--source-server=" + ConnInfo.dsn(target, database(), rewinder, pgpass, config.name()));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PGPASSFILE", pgpass.toString());
    env.put("PGOPTIONS", "-c statement_timeout=0");
    ProcessRunner.Result r = runner.run(cmd, env, LONG_RUNNING, null);
    if (!r.ok()) {
      LOG.error("pg_rewind exited with code={}", r.exitCode());
      LOG.error("{}", r.tail());
      return false;
    }
    LOG.info("pg_rewind exited with code=0");
    try {
      writeConfig(false, leader, dynamic);
    } catch (IOException e) {
      LOG.error("could not write the configuration: {}", e.getMessage());
      return false;
    }
    return true;
  }

  /** Deletes the data directory (not a configured config_dir); refused while PostgreSQL runs. */
  @Override
  public boolean removeDataDirectory() {
    if (pgCtl.postmasterPid().isPresent()) {
      LOG.error("Can not remove the data directory: PostgreSQL is running");
      return false;
    }
    LOG.info("Removing data directory: {}", dataDir);
    try {
      if (Files.isSymbolicLink(dataDir)) {
        Files.delete(dataDir);
      } else if (Files.exists(dataDir)) {
        FileTrees.delete(dataDir);
      }
      return true;
    } catch (IOException e) {
      LOG.error("Could not remove data directory {}: {}", dataDir, e.getMessage());
      return false;
    }
  }

  // ---------------------------------------------------------------- SQL helpers

  @Override
  public boolean checkpoint() {
    try {
      local.execute("CHECKPOINT", Math.max(60, pg.pgCtlTimeout()));
      return true;
    } catch (SQLException e) {
      LOG.warn("CHECKPOINT failed: {}", e.getMessage());
      return false;
    }
  }

  @Override
  public void syncReplicationSlots(Set<String> slotNames) {
    try {
      Set<String> existing = new HashSet<>();
      for (Map<String, Object> s :
          local.query(
              "SELECT slot_name, active FROM pg_catalog.pg_replication_slots"
                  + " WHERE slot_type = 'physical'")) {
        String name = String.valueOf(s.get("slot_name"));
        existing.add(name);
        if (!slotNames.contains(name) && !Boolean.TRUE.equals(s.get("active"))) {
          local.execute(
              "SELECT pg_catalog.pg_drop_replication_slot(" + LocalConnection.literal(name) + ")",
              LocalConnection.DEFAULT_TIMEOUT_SECONDS);
          LOG.info("Dropped physical replication slot '{}'", name);
        }
      }
      for (String name : slotNames) {
        if (existing.contains(name)) {
          continue;
        }
        if (!SlotNames.isValid(name)) {
          LOG.error("Invalid replication slot name '{}'", name);
          continue;
        }
        local.execute(
            "SELECT pg_catalog.pg_create_physical_replication_slot("
                + LocalConnection.literal(name)
                + ", true)",
            LocalConnection.DEFAULT_TIMEOUT_SECONDS);
        LOG.info("Created physical replication slot '{}'", name);
      }
    } catch (SQLException e) {
      LOG.error("Failed to synchronize replication slots: {}", e.getMessage());
    }
  }

  @Override
  public Map<String, String> controlData() {
    return pgCtl.controlData().values();
  }

  @Override
  public Long latestCheckpointLsn() {
    return pgCtl.controlData().checkpointLsn();
  }

  // ---------------------------------------------------------------- small helpers

  private String database() {
    return pg.database() == null || pg.database().isBlank() ? "postgres" : pg.database();
  }

  /** Major version of the data directory (PG_VERSION), else of the installed binaries. */
  private int majorVersion() {
    try {
      return Integer.parseInt(Files.readString(dataDir.resolve("PG_VERSION")).trim());
    } catch (IOException | NumberFormatException e) {
      return pgCtl.binaryMajorVersion();
    }
  }

  private void createDataDir() throws IOException {
    if (!Files.exists(dataDir)) {
      Files.createDirectories(dataDir.getParent());
      Files.createDirectory(dataDir);
    }
    Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
  }

  private void emptyDataDir() throws IOException {
    try (Stream<Path> entries = Files.list(dataDir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        FileTrees.delete(p);
      }
    }
  }

  private static java.nio.file.attribute.FileAttribute<?> ownerOnly() {
    return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        LOG.warn("could not delete {}", p);
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Long asLong(Object o) {
    return o instanceof Number n ? n.longValue() : null;
  }

  private static Integer firstInt(Object... values) {
    for (Object o : values) {
      if (o instanceof Number n) {
        return n.intValue();
      }
    }
    return null;
  }

  private static Instant instant(Object o) {
    return o instanceof Timestamp t ? t.toInstant() : null;
  }
}
