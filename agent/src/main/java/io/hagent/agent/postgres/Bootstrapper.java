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
 * Bootstraps a new cluster (Patroni's {@code Bootstrap} for the initdb method): initdb, our
 * configuration files, start as primary, the roles, post_bootstrap. Room for custom bootstrap
 * methods next to it.
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
    try {
      pg.files().preserveBaseConf();
      if (config.localOrDynamicHba(dynamic) == null
          && bootstrap != null
          && bootstrap.pgHba() != null) {
        pg.files().appendHba(bootstrap.pgHba());
      }
      config.write(true, null, dynamic);
      if (!postmaster.startAndWait(section.pgCtlTimeout() > 0 ? section.pgCtlTimeout() : 60)) {
        pg.state("initdb failed");
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
        pg.state("initdb failed");
        return false;
      }
      pg.state("running");
      return true;
    } catch (IOException | SQLException e) {
      LOG.error("Failed to bootstrap cluster: {}", e.getMessage());
      postmaster.stop(Postgres.StopMode.IMMEDIATE, false, 30);
      pg.state("initdb failed");
      return false;
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
