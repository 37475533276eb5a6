package io.hagent.agent.postgres;

import io.hagent.common.cluster.HostPort;
import io.hagent.common.config.BootstrapConfig;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.PostgresqlConfig;
import io.hagent.common.util.ShellWords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bootstraps a new cluster (Patroni's {@code Bootstrap}): initdb or a custom method's command
 * ({@link CustomBootstrap}), our configuration files, start as primary (after the recovery a
 * restored backup needs), the roles, post_bootstrap.
 */
final class Bootstrapper {
  private static final Logger LOG = LoggerFactory.getLogger(Bootstrapper.class);

  private final LocalInstance pg;
  private final ConfigWriter config;
  private final Postmaster postmaster;

  Bootstrapper(LocalInstance pg, ConfigWriter config, Postmaster postmaster) {
    this.pg = pg;
    this.config = config;
    this.postmaster = postmaster;
  }

  /** See {@link Postgres#bootstrap}. */
  boolean bootstrap(DynamicConfig dynamic) {
    Path dataDir = pg.dataDir();
    if (pg.directory().state() != LocalState.DataDirState.EMPTY) {
      LOG.error("Can not bootstrap: data directory {} is not empty", dataDir);
      return false;
    }
    PostgresqlConfig section = pg.pg();
    BootstrapConfig bootstrap = pg.config().bootstrap();
    CustomBootstrap custom = CustomBootstrap.of(pg.config());
    if (custom == null ? !initdb(section, bootstrap) : !runCustom(custom)) {
      return false;
    }
    try {
      pg.files().preserveBaseConf();
      if (config.localOrDynamicHba(dynamic) == null
          && bootstrap != null
          && bootstrap.pgHba() != null) {
        pg.files().appendHba(bootstrap.pgHba());
      }
      String failed = custom == null ? "initdb failed" : "custom bootstrap failed";
      // the restored pg_hba.conf, put back at the end when no pg_hba is configured
      String restoredHba =
          custom != null && Files.exists(pg.files().hbaFile())
              ? Files.readString(pg.files().hbaFile())
              : null;
      boolean started;
      if (custom == null) {
        config.write(true, null, dynamic);
        started = postmaster.startAndWait(section.pgCtlTimeout() > 0 ? section.pgCtlTimeout() : 60);
      } else {
        started = startAndRecover(custom, dynamic);
      }
      if (!started) {
        pg.state(failed);
        return false;
      }
      new RoleSetup(pg.local())
          .run(
              section.superuser(),
              section.replication(),
              section.rewind(),
              bootstrap == null ? null : bootstrap.users(),
              pg.majorVersion());
      if (!runPostBootstrap()) {
        postmaster.stop(Postgres.StopMode.IMMEDIATE, false, 30);
        pg.state(failed);
        return false;
      }
      if (custom != null) {
        // recovery is over: the primary's configuration, without the recovery settings and
        // without the trust access the roles were set up through
        config.write(true, null, dynamic);
        if (config.localOrDynamicHba(dynamic) == null) {
          ConfFiles.writeAtomically(pg.files().hbaFile(), restoredHba == null ? "" : restoredHba);
        }
        pg.files().setRecoverySignal(false);
        pg.pgCtl().reload();
      }
      pg.state("running");
      return true;
    } catch (IOException | SQLException e) {
      LOG.error("Failed to bootstrap cluster: {}", e.getMessage());
      postmaster.stop(Postgres.StopMode.IMMEDIATE, false, 30);
      pg.state(custom == null ? "initdb failed" : "custom bootstrap failed");
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      postmaster.stop(Postgres.StopMode.IMMEDIATE, false, 30);
      pg.state("custom bootstrap failed");
      return false;
    }
  }

  /** initdb into the empty data directory. */
  private boolean initdb(PostgresqlConfig section, BootstrapConfig bootstrap) {
    Path dataDir = pg.dataDir();
    warnIfMethodIgnored();
    pg.state("initializing new cluster");
    Path pwfile = null;
    try {
      pg.directory().create();
      List<String> cmd = ProcessRunner.cmd(section.binary("initdb"));
      if (bootstrap != null && bootstrap.initdbArgs() != null) {
        cmd.addAll(bootstrap.initdbArgs());
      }
      cmd.add("--username=" + section.superuser().username());
      if (section.superuser().password() != null) {
        pwfile = Files.createTempFile("hagent-pw", ".tmp", ownerOnly());
        Files.writeString(pwfile, section.superuser().password() + "\n");
        cmd.add("--pwfile=" + pwfile);
      }
      cmd.add("-D");
      cmd.add(dataDir.toString());
      ProcessRunner.Result initdb = pg.runner().run(cmd, LocalInstance.LONG_RUNNING);
      if (!initdb.ok()) {
        LOG.error("initdb failed: {}", initdb.tail());
        pg.state("initdb failed");
        return false;
      }
    } catch (IOException e) {
      LOG.error("initdb failed: {}", e.getMessage());
      pg.state("initdb failed");
      return false;
    } finally {
      deleteQuietly(pwfile);
    }
    return true;
  }

  /** Patroni bootstraps with initdb when bootstrap.method names no section with a command. */
  private void warnIfMethodIgnored() {
    if (pg.config().raw() != null
        && pg.config().raw().get("bootstrap") instanceof Map<?, ?> b
        && b.get("method") != null
        && !"initdb".equals(String.valueOf(b.get("method")))) {
      LOG.warn(
          "bootstrap.method {} has no section with a command; bootstrapping with initdb",
          b.get("method"));
    }
  }

  /** The custom method's command, which fills the empty data directory (§3.4). */
  private boolean runCustom(CustomBootstrap custom) {
    pg.state("running custom bootstrap script");
    List<String> cmd;
    try {
      pg.directory().create();
      cmd = custom.commandLine(pg.config().scope(), pg.dataDir().toString());
    } catch (IOException | ShellWords.SplitException e) {
      LOG.error("Exception during custom bootstrap: {}", e.getMessage());
      pg.state("custom bootstrap failed");
      return false;
    }
    LOG.info("Running custom bootstrap script: {}", custom.command());
    ProcessRunner.Result r =
        pg.runner()
            .run(
                cmd,
                Map.of("PGPASSFILE", pg.pgpass().toString()),
                LocalInstance.LONG_RUNNING,
                null);
    if (!r.output().isBlank()) {
      LOG.info("custom bootstrap script output:\n{}", r.tail());
    }
    if (!r.ok() || pg.directory().state() != LocalState.DataDirState.INITIALIZED) {
      LOG.error(
          "custom bootstrap script {} failed (exit code {}{})",
          cmd.get(0),
          r.exitCode(),
          r.ok() ? ", no data directory" : "");
      pg.state("custom bootstrap failed");
      return false;
    }
    return true;
  }

  /**
   * Starts the restored data directory with the method's recovery settings and waits until recovery
   * is over: PostgreSQL ends it by itself (end of the archive, or a target with
   * recovery_target_action promote); one that paused at its target is promoted.
   */
  private boolean startAndRecover(CustomBootstrap custom, DynamicConfig dynamic)
      throws IOException, SQLException, InterruptedException {
    Map<String, String> recovery = custom.recoveryConf();
    if (recovery != null) {
      config.writeForRecovery(recovery, custom.keepExistingRecoveryConf(), dynamic);
      pg.files().setStandby(false);
      pg.files().setRecoverySignal(true);
    } else if (custom.keepExistingRecoveryConf()) {
      // recovery.signal / standby.signal and the restored recovery settings stay
      config.writeForRecovery(Map.of(), true, dynamic);
    } else {
      config.write(true, null, dynamic);
      pg.files().setRecoverySignal(false);
    }
    // As Patroni: the superuser's password in the backup is unknown, so until the roles are set
    // up only local connections get in, without one.
    String local = pg.pg().localHost();
    pg.files()
        .writeHba(
            List.of(
                "local all all trust",
                "host all all " + local + (local.contains(":") ? "/128" : "/32") + " trust"));
    if (!postmaster.startAndWait((int) LocalInstance.LONG_RUNNING.toSeconds())) {
      return false;
    }
    boolean asked = false;
    while (true) {
      Map<String, Object> row =
          pg.local()
              .query(
                  "SELECT pg_catalog.pg_is_in_recovery() AS r,"
                      + " pg_catalog.pg_is_in_recovery() AND pg_catalog.pg_is_wal_replay_paused()"
                      + " AS paused")
              .get(0);
      if (Boolean.FALSE.equals(row.get("r"))) {
        LOG.info("recovery after the custom bootstrap is over");
        return true;
      }
      if (Boolean.TRUE.equals(row.get("paused")) && !asked) {
        LOG.info("recovery paused at its target; promoting");
        pg.local().query("SELECT pg_catalog.pg_promote(false) AS ok");
        asked = true;
      }
      Thread.sleep(500);
    }
  }

  private boolean runPostBootstrap() throws IOException {
    BootstrapConfig bootstrap = pg.config().bootstrap();
    String script = bootstrap == null ? null : bootstrap.postBootstrap();
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
    config.writePgpass(null);
    PostgresqlConfig section = pg.pg();
    cmd.add(
        ConnInfo.url(
            new HostPort(section.localHost(), section.port()),
            section.superuser().username(),
            pg.database()));
    ProcessRunner.Result r =
        pg.runner()
            .run(
                cmd,
                Map.of("PGPASSFILE", pg.pgpass().toString()),
                LocalInstance.LONG_RUNNING,
                null);
    if (!r.ok()) {
      LOG.error("post_bootstrap script {} failed: {}", cmd.get(0), r.tail());
    }
    return r.ok();
  }

  private static FileAttribute<?> ownerOnly() {
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
}
