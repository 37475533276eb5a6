package io.hagent.agent.postgres;

import io.hagent.common.cluster.HostPort;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.PostgresqlConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a replica with pg_basebackup (Patroni's {@code basebackup} replica method) and writes its
 * standby configuration. Room for create_replica_methods next to it.
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

  /** See {@link Postgres#cloneFrom}. */
  boolean cloneFrom(Member source, Member leader, DynamicConfig dynamic) {
    Path dataDir = pg.dataDir();
    if (pg.directory().state() != LocalState.DataDirState.EMPTY) {
      LOG.error("Can not create a replica: data directory {} is not empty", dataDir);
      return false;
    }
    HostPort from = source.hostPort();
    if (from == null) {
      LOG.error("Can not create a replica: member {} has no conn_url", source.name());
      return false;
    }
    pg.state("creating replica");
    PostgresqlConfig section = pg.pg();
    try {
      pg.directory().create();
      config.writePgpass(from);
      List<String> cmd =
          ProcessRunner.cmd(
              section.binary("pg_basebackup"),
              "--pgdata=" + dataDir,
              "-X",
              "stream",
              "--checkpoint=fast",
              "--dbname="
                  + ConnInfo.dsn(
                      from, pg.database(), section.replication(), pg.pgpass(), pg.config().name()));
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
          config.write(false, leader, dynamic);
          pg.state("stopped");
          LOG.info("replica has been created using basebackup");
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
    } catch (IOException e) {
      LOG.error("Can not create a replica: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    pg.state("stopped");
    return false;
  }
}
