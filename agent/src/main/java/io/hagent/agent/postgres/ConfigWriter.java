package io.hagent.agent.postgres;

import io.hagent.agent.callbacks.CallbackAction;
import io.hagent.common.cluster.HostPort;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.Credentials;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
import io.hagent.common.config.PostgresqlConfig;
import io.hagent.common.config.StandbyCluster;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What goes into the files hagent owns for a role (Patroni's {@code ConfigHandler}):
 * postgresql.conf with the effective parameters and the recovery settings, pg_hba.conf,
 * standby.signal and pgpass ({@link ConfFiles} knows their format), and when a running server
 * reloads them. Remembers what it last wrote and which member the recovery settings follow.
 */
final class ConfigWriter {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigWriter.class);

  private final LocalInstance pg;

  /** The member our recovery settings follow; null = unknown or none. */
  private volatile Member following;

  /** The parameters last written to postgresql.conf, for pending_restart's new_value. */
  private volatile Map<String, String> written = Map.of();

  /**
   * synchronous_standby_names as the synchronous replication planner set it; null: not managed
   * (synchronous mode off, or nothing assigned yet).
   */
  private volatile String managedStandbyNames;

  /** The user's own synchronous_standby_names last warned about (warn once per value). */
  private String ignoredStandbyNames;

  ConfigWriter(LocalInstance pg) {
    this.pg = pg;
  }

  Map<String, String> written() {
    return written;
  }

  /** After a promotion: the recovery settings follow nobody any more. */
  void promoted() {
    following = null;
  }

  /** See {@link Postgres#follow}. */
  boolean follow(Member leader, DynamicConfig dynamic) {
    Map<String, String> before = pg.files().readWrittenSettings();
    SortedMap<String, String> wanted = recoveryParams(leader, dynamic);
    boolean changed = false;
    List<String> keys = new ArrayList<>(List.of("primary_conninfo", "primary_slot_name"));
    keys.addAll(wanted.keySet()); // recovery_conf, local or dynamic, changed or added
    for (String key : keys) {
      if (!Objects.equals(before.get(key), wanted.get(key))) {
        changed = true;
      }
    }
    if (!changed && pg.files().isStandby()) {
      following = leader;
      return false;
    }
    try {
      write(false, leader, dynamic);
    } catch (IOException e) {
      LOG.error("could not write the configuration: {}", e.getMessage());
      return false;
    }
    if (pg.postmasterRunning()) {
      reload();
    }
    return true;
  }

  String managedStandbyNames() {
    return managedStandbyNames;
  }

  /** See {@link Postgres#setSynchronousStandbyNames}: rewrite and reload only on a change. */
  synchronized boolean setSynchronousStandbyNames(String value, DynamicConfig dynamic) {
    // compared with the file, not only with memory: after an agent restart postgresql.conf may
    // still hold the value an earlier run managed
    String inFile = pg.files().readWrittenSettings().get("synchronous_standby_names");
    if (Objects.equals(value, managedStandbyNames)) {
      SortedMap<String, String> wanted = new TreeMap<>();
      String user =
          ParameterBuilder.build(pg.config(), dynamic, pg.majorVersion(), null)
              .parameters()
              .get("synchronous_standby_names");
      if (user != null) {
        wanted.put("synchronous_standby_names", user);
      }
      synchronousStandbyNames(wanted, dynamic, !pg.files().isStandby());
      if (Objects.equals(inFile, wanted.get("synchronous_standby_names"))) {
        return true;
      }
    }
    managedStandbyNames = value;
    try {
      rewrite(dynamic);
    } catch (IOException e) {
      LOG.error("could not write the configuration: {}", e.getMessage());
      return false;
    }
    if (pg.postmasterRunning()) {
      reload();
    }
    return true;
  }

  /** Rewrites the files for the role the data directory has now. */
  private void rewrite(DynamicConfig dynamic) throws IOException {
    boolean standby = pg.files().isStandby();
    if (standby && following == null) {
      writeKeepingRecovery(dynamic);
    } else {
      write(!standby, following, dynamic);
    }
  }

  /** See {@link Postgres#applyConfig}. */
  void applyConfig(DynamicConfig dynamic) {
    Map<String, String> before = written;
    try {
      rewrite(dynamic);
      if (pg.postmasterRunning()) {
        logChanges(before, written);
        reload();
      }
    } catch (IOException e) {
      LOG.error("could not write the configuration: {}", e.getMessage());
    }
  }

  /** See {@link Postgres#reconfigure}. */
  void reconfigure(HagentConfig fresh, DynamicConfig dynamic) {
    if (!pg.replaceConfig(fresh)) {
      return;
    }
    if (!pg.postmasterRunning()) {
      // nothing to reload: start() writes the files from the new section
      return;
    }
    LOG.info("PostgreSQL configuration items changed, reloading configuration.");
    applyConfig(dynamic);
  }

  /** Patroni's "Changed X from A to B" lines; the old value is what the server runs with now. */
  private void logChanges(Map<String, String> before, Map<String, String> after) {
    if (before.isEmpty() || before.equals(after)) {
      return; // nothing written yet by this agent (just started): no "before" to compare with
    }
    Map<String, ParameterChanges.ServerSetting> server = new HashMap<>();
    try {
      for (Map<String, Object> row :
          pg.local().query("SELECT name, setting, context FROM pg_catalog.pg_settings")) {
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

  private void reload() {
    ProcessRunner.Result r = pg.pgCtl().reload();
    if (!r.ok()) {
      LOG.warn("pg_ctl reload failed: {}", r.tail());
      return;
    }
    pg.callbacks().call(CallbackAction.ON_RELOAD, pg.files().isStandby() ? "replica" : "primary");
  }

  /** Writes postgresql.conf, pg_hba.conf, standby.signal and pgpass for the given role. */
  void write(boolean asPrimary, Member follow, DynamicConfig dynamic) throws IOException {
    writeFiles(asPrimary, asPrimary ? Map.of() : recoveryParams(follow, dynamic), dynamic);
    following = asPrimary ? null : follow;
    writePgpass(follow == null ? null : follow.hostPort());
  }

  /** A replica whose leader we do not know yet (e.g. after an agent restart): keep its settings. */
  private void writeKeepingRecovery(DynamicConfig dynamic) throws IOException {
    Map<String, String> before = pg.files().readWrittenSettings();
    SortedMap<String, String> recovery = recoveryParams(null, dynamic);
    for (String key : List.of("primary_conninfo", "primary_slot_name")) {
      if (before.get(key) != null) {
        recovery.put(key, before.get(key));
      }
    }
    writeFiles(false, recovery, dynamic);
  }

  /**
   * Custom bootstrap: postgresql.conf as a primary's plus {@code recovery} (the method's
   * recovery_conf, or nothing); the signal files are the caller's. With {@code
   * keepExistingRecoveryConf} the restored recovery settings in postgresql.auto.conf stay for this
   * recovery (Patroni's keep_existing_recovery_conf); they go with the next write.
   */
  void writeForRecovery(
      Map<String, String> recovery, boolean keepExistingRecoveryConf, DynamicConfig dynamic)
      throws IOException {
    writeFiles(true, recovery, dynamic, false, !keepExistingRecoveryConf);
    following = null;
    writePgpass(null);
  }

  private void writeFiles(boolean asPrimary, Map<String, String> recovery, DynamicConfig dynamic)
      throws IOException {
    writeFiles(asPrimary, recovery, dynamic, true, true);
  }

  private void writeFiles(
      boolean asPrimary,
      Map<String, String> recovery,
      DynamicConfig dynamic,
      boolean signal,
      boolean sanitizeAutoConf)
      throws IOException {
    ParameterBuilder.Effective effective =
        ParameterBuilder.build(
            pg.config(),
            dynamic,
            pg.majorVersion(),
            asPrimary ? null : pg.pgCtl().controlData().values());
    effective.warnings().forEach(LOG::warn);
    SortedMap<String, String> parameters = new TreeMap<>(effective.parameters());
    synchronousStandbyNames(parameters, dynamic, asPrimary);
    pg.files().writePostgresqlConf(parameters, recovery);
    written = java.util.Collections.unmodifiableSortedMap(parameters);
    if (sanitizeAutoConf && pg.majorVersion() >= 12) {
      List<String> removed = pg.files().sanitizeAutoConf();
      if (!removed.isEmpty()) {
        LOG.info("removed recovery parameters {} from postgresql.auto.conf", removed);
      }
    }
    List<String> hba = localOrDynamicHba(dynamic);
    if (hba != null) {
      pg.files().writeHba(hba);
    }
    List<String> ident = localOrDynamicIdent(dynamic);
    if (ident != null) {
      pg.files().writeIdent(ident);
    }
    if (signal) {
      pg.files().setStandby(!asPrimary);
    }
  }

  /**
   * In synchronous mode hagent owns synchronous_standby_names (§6.2): the user's own value is
   * ignored with a warning, the managed one written; a primary in strict mode with nothing assigned
   * yet waits for nobody's acknowledgement but a member's (the placeholder). Off: the configured
   * value, if any, applies again.
   */
  private void synchronousStandbyNames(
      SortedMap<String, String> parameters, DynamicConfig dynamic, boolean asPrimary) {
    if (!dynamic.synchronous()) {
      managedStandbyNames = null;
      return;
    }
    String user = parameters.remove("synchronous_standby_names");
    if (user != null && !user.equals(ignoredStandbyNames)) {
      LOG.warn(
          "synchronous_mode is enabled: the configured synchronous_standby_names '{}' is ignored,"
              + " hagent manages it",
          user);
      ignoredStandbyNames = user;
    }
    String value = managedStandbyNames;
    if (value == null && asPrimary && dynamic.synchronousModeStrict()) {
      value = StandbyNames.placeholder("quorum".equals(dynamic.synchronousMode())).value();
    }
    if (value != null) {
      parameters.put("synchronous_standby_names", value);
    }
  }

  /** postgresql.pg_hba of the local config, else of the dynamic one; null: neither sets it. */
  List<String> localOrDynamicHba(DynamicConfig dynamic) {
    return pg.pg().pgHba() != null ? pg.pg().pgHba() : dynamic.pgHba();
  }

  /**
   * postgresql.recovery_conf of the local config, else of the dynamic one (the local file wins, as
   * Patroni merges them); null: neither sets it.
   */
  static Map<String, Object> recoveryConf(PostgresqlConfig local, DynamicConfig dynamic) {
    if (local.recoveryConf() != null && !local.recoveryConf().isEmpty()) {
      return local.recoveryConf();
    }
    if (dynamic != null
        && dynamic.raw() != null
        && dynamic.raw().get("postgresql") instanceof Map<?, ?> section
        && section.get("recovery_conf") instanceof Map<?, ?> m) {
      Map<String, Object> out = new java.util.LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), v));
      return out;
    }
    return null;
  }

  /**
   * postgresql.pg_ident of the local config, else of the dynamic one, as Patroni takes pg_hba;
   * null: neither sets it, and pg_ident.conf is left as it is.
   */
  List<String> localOrDynamicIdent(DynamicConfig dynamic) {
    List<String> local = identLines(pg.config().raw());
    return local != null ? local : identLines(dynamic.raw());
  }

  static List<String> identLines(Map<String, Object> root) {
    if (root != null
        && root.get("postgresql") instanceof Map<?, ?> section
        && section.get("pg_ident") instanceof List<?> lines) {
      return lines.stream().map(String::valueOf).toList();
    }
    return null;
  }

  /** primary_conninfo, primary_slot_name, recovery_target_timeline and recovery_conf (§5.4). */
  private SortedMap<String, String> recoveryParams(Member follow, DynamicConfig dynamic) {
    PostgresqlConfig section = pg.pg();
    SortedMap<String, String> out = new TreeMap<>();
    Map<String, Object> recoveryConf = recoveryConf(section, dynamic);
    if (recoveryConf != null) {
      recoveryConf.forEach(
          (k, v) -> {
            if (v != null) {
              out.put(k, ParameterBuilder.render(v));
            }
          });
    }
    // a standby leader follows the remote side with the standby_cluster section's settings
    StandbyCluster remote = StandbyCluster.of(follow);
    if (remote != null) {
      remote.recovery().forEach((k, v) -> out.put(k, ParameterBuilder.render(v)));
    }
    // nostream: no streaming at all, the replica follows through restore_command only.
    boolean nostream = pg.config().tagView().nostream();
    HostPort leader = follow == null || nostream ? null : follow.hostPort();
    if (leader != null) {
      out.put(
          "primary_conninfo",
          ConnInfo.primaryConninfo(
              leader,
              pg.database(),
              section.replication(),
              pg.pgpass(),
              pg.config().name(),
              pg.majorVersion()));
      if (remote != null) {
        if (remote.primarySlotName() != null) {
          out.put("primary_slot_name", remote.primarySlotName());
        }
      } else if (dynamic.useSlots()) {
        out.put("primary_slot_name", SlotNames.slotName(pg.config().name()));
      }
    }
    out.put("recovery_target_timeline", "latest");
    return out;
  }

  /**
   * The pgpass file: the superuser for local connections, and the replication, rewind and superuser
   * roles for {@code remote} (the member we clone from, follow or rewind from).
   */
  void writePgpass(HostPort remote) throws IOException {
    PostgresqlConfig section = pg.pg();
    List<ConfFiles.PgpassEntry> entries = new ArrayList<>();
    String localPort = String.valueOf(section.port());
    entries.add(entry(section.localHost(), localPort, section.superuser()));
    if (remote != null) {
      String port = String.valueOf(remote.port());
      entries.add(entry(remote.host(), port, section.replication()));
      if (section.rewind() != null) {
        entries.add(entry(remote.host(), port, section.rewind()));
      }
      entries.add(entry(remote.host(), port, section.superuser()));
    }
    ConfFiles.writePgpass(pg.pgpass(), entries);
  }

  private static ConfFiles.PgpassEntry entry(String host, String port, Credentials c) {
    return new ConfFiles.PgpassEntry(host, port, "*", c.username(), c.password());
  }
}
