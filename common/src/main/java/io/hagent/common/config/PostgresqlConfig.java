package io.hagent.common.config;

import java.util.List;
import java.util.Map;

/**
 * {@code postgresql:} (§3.5), local settings only. Values a dynamic config may also set (e.g.
 * {@code use_pg_rewind}, {@code parameters}) are merged in {@link EffectiveConfig}.
 *
 * @param listenAddresses value for listen_addresses (the part before the port of {@code listen})
 * @param connectAddress host:port published in conn_url
 * @param binDir directory of pg_ctl, initdb, ...; null to use PATH
 * @param parameters local GUCs (command-line-only GUCs already dropped, §3.1)
 * @param pgHba local pg_hba lines (null if not set)
 * @param recoveryConf extra recovery parameters (restore_command, ...)
 */
public record PostgresqlConfig(
    String listenAddresses,
    int port,
    String connectAddress,
    String proxyAddress,
    String dataDir,
    String configDir,
    String binDir,
    Map<String, String> binName,
    String pgpass,
    String database,
    Credentials superuser,
    Credentials replication,
    Credentials rewind,
    Map<String, Object> parameters,
    List<String> pgHba,
    Map<String, String> callbacks,
    List<String> createReplicaMethods,
    List<String> basebackupArgs,
    Boolean usePgRewind,
    boolean removeDataDirectoryOnRewindFailure,
    boolean removeDataDirectoryOnDivergedTimelines,
    Map<String, Object> recoveryConf,
    int pgCtlTimeout,
    boolean useUnixSocket,
    String prePromote,
    String beforeStop) {

  /** Host for local TCP connections: the first listen address ({@code *}/empty -> 127.0.0.1). */
  public String localHost() {
    String first = listenAddresses == null ? "" : listenAddresses.split(",")[0].trim();
    return first.isEmpty() || first.equals("*") || first.equals("0.0.0.0") ? "127.0.0.1" : first;
  }

  /**
   * Keys of the {@code postgresql} section a running agent reads only at start (PgCtl, the pgpass
   * path, the postmaster's address): a reload keeps their running values. {@code data_dir} is not
   * here: a reload that changes it is refused as a whole.
   */
  public static final java.util.Set<String> RESTART_ONLY_KEYS =
      java.util.Set.of("listen", "config_dir", "bin_dir", "bin_name", "pgpass");

  /** Whether this section runs with {@code running}'s start-up settings (see below). */
  public boolean keepsStartupSettingsOf(PostgresqlConfig running) {
    return equals(keepingStartupSettingsOf(running));
  }

  /**
   * This section with the settings a running agent cannot switch (listen, data_dir, config_dir,
   * bin_dir, bin_name, pgpass) taken from {@code running}: what a reload applies while those wait
   * for a restart of hagent.
   */
  public PostgresqlConfig keepingStartupSettingsOf(PostgresqlConfig running) {
    return new PostgresqlConfig(
        running.listenAddresses,
        running.port,
        connectAddress,
        proxyAddress,
        running.dataDir,
        running.configDir,
        running.binDir,
        running.binName,
        running.pgpass,
        database,
        superuser,
        replication,
        rewind,
        parameters,
        pgHba,
        callbacks,
        createReplicaMethods,
        basebackupArgs,
        usePgRewind,
        removeDataDirectoryOnRewindFailure,
        removeDataDirectoryOnDivergedTimelines,
        recoveryConf,
        pgCtlTimeout,
        useUnixSocket,
        prePromote,
        beforeStop);
  }

  /** Path of a PostgreSQL binary, honouring bin_dir and bin_name. */
  public String binary(String name) {
    String file = binName.getOrDefault(name, name);
    return binDir == null || binDir.isBlank() ? file : binDir.replaceAll("/+$", "") + "/" + file;
  }
}
