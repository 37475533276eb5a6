package io.hagent.agent.postgres;

import io.hagent.agent.callbacks.CallbackRunner;
import io.hagent.common.config.HagentConfig;
import io.hagent.common.config.PostgresqlConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The PostgreSQL instance on this host as every concern class sees it (Patroni's {@code Postgresql}
 * object): the configuration, which a reload replaces, its paths, tools and superuser connection,
 * and the two facts only the agent knows: Patroni's state string and whether the postmaster should
 * be up (so a vanished one is reported as crashed).
 */
final class LocalInstance {
  /** Bound for initdb, pg_basebackup, pg_rewind and scripts: they take as long as they take. */
  static final Duration LONG_RUNNING = Duration.ofHours(24);

  // Replaced by replaceConfig() on a reload (HA loop thread); other threads only read them.
  private volatile HagentConfig config;
  private volatile PostgresqlConfig pg;
  private final Path dataDir;
  private final Path pgpass;
  private final ProcessRunner runner = new ProcessRunner();
  private final PgCtl pgCtl;
  private final ConfFiles files;
  private final DataDirectory directory;
  private final ConnectFailureLog connectFailures = new ConnectFailureLog();
  private final CallbackRunner callbacks;
  private volatile LocalConnection local;

  private volatile String state;

  /** The postmaster was started (or found running) by us; if it vanishes it crashed. */
  private volatile boolean expectRunning;

  LocalInstance(HagentConfig config) {
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
    this.directory = new DataDirectory(dataDir, pgCtl);
    this.local = superuserConnection(pg);
    // reads the section at each call: a reload changes the scripts at once
    this.callbacks = new CallbackRunner(() -> this.pg, config.scope());
    this.expectRunning = pgCtl.postmasterPid().isPresent();
    this.state = expectRunning ? "running" : "stopped";
  }

  private LocalConnection superuserConnection(PostgresqlConfig with) {
    return new LocalConnection(
        with.localHost(), with.port(), database(), with.superuser(), false, connectFailures);
  }

  /**
   * Takes a reloaded local configuration; a changed superuser or database gets a new connection.
   *
   * @return whether the {@code postgresql} section changed
   * @throws IllegalArgumentException if a setting read only at start differs
   */
  boolean replaceConfig(HagentConfig fresh) {
    PostgresqlConfig next = fresh.postgresql();
    if (!next.keepsStartupSettingsOf(pg)) {
      // the caller keeps these at their running values (ReloadPlan); a mix would be half a config
      throw new IllegalArgumentException(
          "data_dir, listen, bin_dir and pgpass cannot change without a restart of hagent");
    }
    PostgresqlConfig before = pg;
    config = fresh;
    pg = next;
    if (!before.superuser().equals(next.superuser())
        || !Objects.equals(before.database(), next.database())) {
      LocalConnection old = local;
      local = superuserConnection(next);
      old.close();
    }
    return !next.equals(before);
  }

  HagentConfig config() {
    return config;
  }

  PostgresqlConfig pg() {
    return pg;
  }

  Path dataDir() {
    return dataDir;
  }

  Path pgpass() {
    return pgpass;
  }

  /** The user's scripts: callbacks, pre_promote, before_stop. */
  CallbackRunner callbacks() {
    return callbacks;
  }

  ProcessRunner runner() {
    return runner;
  }

  PgCtl pgCtl() {
    return pgCtl;
  }

  ConfFiles files() {
    return files;
  }

  DataDirectory directory() {
    return directory;
  }

  /** The superuser connection to this instance (replaced when its credentials change). */
  LocalConnection local() {
    return local;
  }

  /** Where the local connection reports why it cannot connect. */
  ConnectFailureLog connectFailures() {
    return connectFailures;
  }

  String state() {
    return state;
  }

  void state(String next) {
    state = next;
  }

  boolean expectRunning() {
    return expectRunning;
  }

  void expectRunning(boolean expect) {
    expectRunning = expect;
  }

  boolean postmasterRunning() {
    return pgCtl.postmasterPid().isPresent();
  }

  String database() {
    return pg.database() == null || pg.database().isBlank() ? "postgres" : pg.database();
  }

  /** Major version of the data directory (PG_VERSION), else of the installed binaries. */
  int majorVersion() {
    try {
      return Integer.parseInt(Files.readString(dataDir.resolve("PG_VERSION")).trim());
    } catch (IOException | NumberFormatException e) {
      return pgCtl.binaryMajorVersion();
    }
  }
}
