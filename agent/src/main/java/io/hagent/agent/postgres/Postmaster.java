package io.hagent.agent.postgres;

import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, stops and promotes the postmaster and keeps the state string in step with it ("starting",
 * "running", "stopping", "stopped", "start failed", "stop failed").
 */
final class Postmaster {
  private static final Logger LOG = LoggerFactory.getLogger(Postmaster.class);

  /** How often stop and promote look whether PostgreSQL got there. */
  private static final long POLL_MILLIS = 20;

  private final LocalInstance pg;
  private final ConfigWriter config;

  Postmaster(LocalInstance pg, ConfigWriter config) {
    this.pg = pg;
    this.config = config;
  }

  /** See {@link Postgres#start}. */
  boolean start(boolean asPrimary, Member follow, DynamicConfig dynamic, int timeout) {
    if (pg.postmasterRunning()) {
      LOG.info("PostgreSQL is already running");
      return true;
    }
    try {
      config.write(asPrimary, follow, dynamic);
    } catch (IOException e) {
      LOG.error("could not write the configuration: {}", e.getMessage());
      pg.state("start failed");
      return false;
    }
    return startAndWait(timeout);
  }

  /** pg_ctl start, then waits until the superuser can run a query (with the files as they are). */
  boolean startAndWait(int timeoutSeconds) {
    // expectRunning only once pg_ctl has started the postmaster: a start runs in the background
    // while the loop probes, and a probe must not take "no postmaster yet" for a crash.
    pg.state("starting");
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    ProcessRunner.Result r = pg.pgCtl().start(timeoutSeconds);
    if (!r.ok()) {
      LOG.error("pg_ctl start failed: {}", r.tail());
      pg.expectRunning(pg.postmasterRunning());
      pg.state(pg.expectRunning() ? "starting" : "start failed");
      return false;
    }
    pg.expectRunning(true);
    while (System.nanoTime() < deadline) {
      try {
        pg.local().query("SELECT 1");
        pg.state("running");
        return true;
      } catch (SQLException e) {
        sleep(200);
      }
    }
    LOG.error("PostgreSQL did not accept connections within {} s", timeoutSeconds);
    return false;
  }

  /** See {@link Postgres#stop}. */
  boolean stop(Postgres.StopMode mode, boolean checkpointFirst, int timeoutSeconds) {
    if (!pg.postmasterRunning()) {
      pg.local().close();
      pg.expectRunning(false);
      pg.state("stopped");
      return true;
    }
    if (checkpointFirst) {
      checkpoint();
    }
    pg.expectRunning(false);
    pg.state("stopping");
    // as Patroni: after the checkpoint, before the signal; the script may still use the server
    pg.callbacks().beforeStop();
    pg.local().close();
    ProcessRunner.Result r = pg.pgCtl().signalStop(mode);
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    while (pg.postmasterRunning() && System.nanoTime() - deadline < 0) {
      sleep(POLL_MILLIS);
    }
    if (!pg.postmasterRunning()) {
      pg.state("stopped");
      return true;
    }
    LOG.error(
        "PostgreSQL did not stop within {} s{}",
        timeoutSeconds,
        r.ok() ? "" : ": pg_ctl stop said " + r.tail());
    pg.state("stop failed");
    pg.expectRunning(true);
    return false;
  }

  /** See {@link Postgres#promote}. */
  boolean promote(int timeoutSeconds) {
    // pg_promote() over the open connection, watched every 20 ms: pg_ctl promote -w costs a
    // process start and polls every 100 ms, and every millisecond here is write downtime.
    try {
      pg.local().query("SELECT pg_catalog.pg_promote(false) AS ok");
    } catch (SQLException e) {
      LOG.info("pg_promote() failed ({}), using pg_ctl promote", e.getMessage());
      ProcessRunner.Result r = pg.pgCtl().promote(timeoutSeconds);
      if (!r.ok()) {
        LOG.error("pg_ctl promote failed: {}", r.tail());
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    do {
      try {
        if (Boolean.FALSE.equals(
            pg.local().query("SELECT pg_catalog.pg_is_in_recovery() AS r").get(0).get("r"))) {
          config.promoted();
          return true;
        }
      } catch (SQLException e) {
        LOG.debug("waiting for promotion: {}", e.getMessage());
      }
      sleep(POLL_MILLIS);
    } while (System.nanoTime() < deadline);
    return false;
  }

  /** See {@link Postgres#checkpoint}. */
  boolean checkpoint() {
    try {
      pg.local().execute("CHECKPOINT", Math.max(60, pg.pg().pgCtlTimeout()));
      return true;
    } catch (SQLException e) {
      LOG.warn("CHECKPOINT failed: {}", e.getMessage());
      return false;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
