package io.hagent.agent.postgres;

import io.hagent.common.cluster.HostPort;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.PostgresqlConfig;
import io.hagent.common.config.StandbyCluster;
import io.hagent.common.util.ShellWords;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a replica with the methods of {@code create_replica_methods} ({@link ReplicaImaging}),
 * tried in order until one succeeds: the built-in {@code basebackup} (pg_basebackup, retried once)
 * or a custom command. Without a member to copy from, only the methods marked {@code no_leader}
 * run. Then writes the standby configuration.
 */
final class Cloner {
  private static final Logger LOG = LoggerFactory.getLogger(Cloner.class);
  private static final int BASEBACKUP_ATTEMPTS = 2;
  private static final long BASEBACKUP_RETRY_MILLIS = 5000;

  private final LocalInstance pg;
  private final ConfigWriter config;

  Cloner(LocalInstance pg, ConfigWriter config) {
    this.pg = pg;
    this.config = config;
  }

  /** See {@link Postgres#cloneFrom}; {@code source} null: no leader, restore from backup. */
  boolean cloneFrom(Member source, Member leader, DynamicConfig dynamic) {
    Path dataDir = pg.dataDir();
    if (pg.directory().state() != LocalState.DataDirState.EMPTY) {
      LOG.error("Can not create a replica: data directory {} is not empty", dataDir);
      return false;
    }
    HostPort from = source == null ? null : source.hostPort();
    if (source != null && from == null) {
      LOG.error("Can not create a replica: member {} has no conn_url", source.name());
      return false;
    }
    pg.state("creating replica");
    PostgresqlConfig section = pg.pg();
    try {
      pg.directory().create();
      String connstring = "";
      if (from != null) {
        config.writePgpass(from);
        connstring =
            ConnInfo.dsn(
                from, pg.database(), section.replication(), pg.pgpass(), pg.config().name());
      }
      // the standby leader is created with the standby_cluster section's methods (Patroni)
      StandbyCluster remote = StandbyCluster.of(source);
      List<String> methods =
          remote != null && !remote.createReplicaMethods().isEmpty()
              ? remote.createReplicaMethods()
              : ReplicaImaging.toTry(pg.config(), from != null);
      for (String method : methods) {
        if (Thread.currentThread().isInterrupted()) {
          break;
        }
        boolean ok =
            method.equals(ReplicaImaging.BASEBACKUP)
                ? basebackup(section, connstring)
                : custom(method, connstring);
        if (ok) {
          config.write(false, leader, dynamic);
          pg.state("stopped");
          LOG.info("replica has been created using {}", method);
          return true;
        }
      }
    } catch (IOException e) {
      LOG.error("Can not create a replica: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    pg.state("stopped");
    return false;
  }

  /** pg_basebackup from {@code connstring} into the (emptied) data directory. */
  private boolean basebackup(PostgresqlConfig section, String connstring)
      throws IOException, InterruptedException {
    Path dataDir = pg.dataDir();
    pg.directory().create(); // a failed method before this one may have left or removed it
    pg.directory().empty();
    List<String> cmd =
        ProcessRunner.cmd(
            section.binary("pg_basebackup"),
            "--pgdata=" + dataDir,
            "-X",
            "stream",
            "--checkpoint=fast",
            "--dbname=" + connstring);
    if (section.basebackupArgs() != null) {
      cmd.addAll(section.basebackupArgs());
    }
    for (int attempt = 1; attempt <= BASEBACKUP_ATTEMPTS; attempt++) {
      ProcessRunner.Result r =
          pg.runner()
              .run(
                  cmd,
                  Map.of("PGPASSFILE", pg.pgpass().toString()),
                  LocalInstance.LONG_RUNNING,
                  null);
      if (r.ok()) {
        return true;
      }
      LOG.error("Error when fetching backup: pg_basebackup exited with code={}", r.exitCode());
      LOG.error("{}", r.tail());
      pg.directory().empty();
      if (attempt < BASEBACKUP_ATTEMPTS) {
        LOG.info("Trying again in 5 seconds");
        Thread.sleep(BASEBACKUP_RETRY_MILLIS);
      }
    }
    return false;
  }

  /** A custom method's command (Patroni's arguments, see {@link ReplicaImaging}). */
  private boolean custom(String method, String connstring) throws IOException {
    if (pg.directory().state() != LocalState.DataDirState.EMPTY) {
      if (ReplicaImaging.keepData(pg.config(), method)) {
        LOG.info("Leaving data directory uncleaned");
      } else {
        pg.directory().empty();
      }
    }
    List<String> cmd;
    try {
      cmd = ReplicaImaging.commandLine(pg.config(), method, pg.dataDir().toString(), connstring);
    } catch (ShellWords.SplitException e) {
      LOG.error("Error creating replica using method {}: {}", method, e.getMessage());
      return false;
    }
    ProcessRunner.Result r =
        pg.runner()
            .run(
                cmd,
                Map.of("PGPASSFILE", pg.pgpass().toString()),
                LocalInstance.LONG_RUNNING,
                null);
    if (!r.output().isBlank()) {
      LOG.info("{} output:\n{}", method, r.tail());
    }
    if (r.ok()) {
      return true;
    }
    LOG.error(
        "Error creating replica using method {}: {} exited with code={}",
        method,
        cmd.get(0),
        r.exitCode());
    return false;
  }
}
