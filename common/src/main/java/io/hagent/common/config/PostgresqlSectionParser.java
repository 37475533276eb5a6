package io.hagent.common.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code postgresql:} (§3.5), local settings only. */
final class PostgresqlSectionParser {
  private PostgresqlSectionParser() {}

  static final Set<String> KNOWN =
      Set.of(
          "listen",
          "connect_address",
          "proxy_address",
          "data_dir",
          "config_dir",
          "config_base_name",
          "bin_dir",
          "bin_name",
          "pgpass",
          "database",
          "authentication",
          "callbacks",
          "pre_promote",
          "before_stop",
          "create_replica_methods",
          "create_replica_method",
          "basebackup",
          "parameters",
          "parameters_primary",
          "parameters_replica",
          "parameters_standby_leader",
          "pg_hba",
          "pg_hba_primary",
          "pg_hba_replica",
          "pg_hba_standby_leader",
          "pg_ident",
          "pg_ident_primary",
          "pg_ident_replica",
          "pg_ident_standby_leader",
          "pg_ctl_timeout",
          "use_unix_socket",
          "use_unix_socket_repl",
          "use_pg_rewind",
          "use_slots",
          "rewind",
          "remove_data_directory_on_rewind_failure",
          "remove_data_directory_on_diverged_timelines",
          "recovery_conf",
          "custom_conf");

  /** GUCs that only the dynamic configuration may set (§3.6); dropped from local parameters. */
  static final Set<String> COMMAND_LINE_GUCS =
      Set.of(
          "listen_addresses",
          "port",
          "cluster_name",
          "wal_level",
          "hot_standby",
          "max_connections",
          "max_wal_senders",
          "wal_keep_segments",
          "wal_keep_size",
          "max_prepared_transactions",
          "max_locks_per_transaction",
          "track_commit_timestamp",
          "max_replication_slots",
          "max_worker_processes",
          "wal_log_hints");

  /** pg_basebackup options hagent passes itself (or that would break streaming a replica). */
  static final Set<String> BASEBACKUP_FORBIDDEN =
      Set.of(
          "pgdata",
          "format",
          "wal-method",
          "xlog-method",
          "gzip",
          "version",
          "dbname",
          "host",
          "port",
          "username",
          "password");

  private static final Set<String> ROLE_KEYS = Set.copyOf(EnvOverrides.AUTH_KEYS);

  static PostgresqlConfig parse(Section root, String home) {
    Section pg = root.section("postgresql");
    List<String> methods = pg.stringList("create_replica_methods");
    if (methods == null) {
      methods = pg.stringList("create_replica_method");
    }
    List<String> replicaMethods = methods == null ? List.of("basebackup") : List.copyOf(methods);
    // Custom replica methods have their own section named after the method (e.g. pgbackrest:).
    pg.rejectUnknown(
        KNOWN,
        k ->
            replicaMethods.contains(k)
                || pg.raw(k) instanceof Map<?, ?> m && m.containsKey("command"));

    String listenAddresses = null;
    int port = 5432;
    String listen = pg.required("listen");
    if (listen != null) {
      Addresses.Split split = Addresses.split(listen);
      if (split == null) {
        pg.problem("listen", "expected addr[,addr]:port, got " + Problems.shown("", listen));
      } else {
        listenAddresses = split.hosts();
        port = split.port();
      }
    }
    String connectAddress = pg.str("connect_address");
    if (connectAddress != null && Addresses.split(connectAddress) == null) {
      pg.problem(
          "connect_address", "expected host:port, got " + Problems.shown("", connectAddress));
    }
    String proxyAddress = pg.str("proxy_address");
    if (proxyAddress != null && Addresses.split(proxyAddress) == null) {
      pg.problem("proxy_address", "expected host:port, got " + Problems.shown("", proxyAddress));
    }
    String dataDir = pg.required("data_dir");
    String configDir = pg.str("config_dir");
    String binDir = pg.str("bin_dir");
    String pgpass = pg.str("pgpass", "~/pgpass");

    Section auth = pg.section("authentication");
    auth.rejectUnknown(Set.of("superuser", "replication", "rewind"));
    Credentials superuser = credentials(auth, "superuser", true);
    Credentials replication = credentials(auth, "replication", true);
    Credentials rewind = auth.has("rewind") ? credentials(auth, "rewind", false) : superuser;

    Map<String, Object> parameters = new LinkedHashMap<>();
    pg.mapAt("parameters")
        .forEach(
            (k, v) -> {
              if (v != null && !COMMAND_LINE_GUCS.contains(k)) {
                parameters.put(k, v);
              }
            });
    List<String> pgHba = pg.stringList("pg_hba");
    List<String> basebackup = UserOptions.render(pg, "basebackup", BASEBACKUP_FORBIDDEN);

    int pgCtlTimeout = pg.intValue("pg_ctl_timeout", 60);
    if (pgCtlTimeout <= 0) {
      pg.problem("pg_ctl_timeout", "must be positive");
    }
    return new PostgresqlConfig(
        listenAddresses,
        port,
        connectAddress != null ? connectAddress : defaultConnectAddress(listenAddresses, port),
        proxyAddress,
        dataDir,
        configDir == null || configDir.isBlank() ? dataDir : configDir,
        binDir == null || binDir.isBlank() ? null : binDir,
        pg.stringMap("bin_name"),
        expandHome(pgpass, home),
        pg.str("database", "postgres"),
        superuser,
        replication,
        rewind,
        Collections.unmodifiableMap(parameters),
        pgHba == null ? null : List.copyOf(pgHba),
        pg.stringMap("callbacks"),
        replicaMethods,
        List.copyOf(basebackup),
        pg.optionalBool("use_pg_rewind"),
        pg.bool("remove_data_directory_on_rewind_failure", false),
        pg.bool("remove_data_directory_on_diverged_timelines", false),
        Collections.unmodifiableMap(new LinkedHashMap<>(pg.mapAt("recovery_conf"))),
        pgCtlTimeout,
        pg.bool("use_unix_socket", false),
        pg.str("pre_promote"),
        pg.str("before_stop"));
  }

  private static Credentials credentials(Section auth, String role, boolean required) {
    Section r = auth.section(role);
    r.rejectUnknown(ROLE_KEYS);
    String username = required ? r.required("username") : r.str("username");
    if (!required && username == null) {
      r.problem("username", "required");
    }
    Map<String, String> libpq = new LinkedHashMap<>();
    for (String k : EnvOverrides.AUTH_KEYS) {
      if (!k.equals("username") && !k.equals("password") && r.has(k)) {
        libpq.put(k, r.str(k));
      }
    }
    return new Credentials(username, r.str("password"), Map.copyOf(libpq));
  }

  /** Patroni publishes the listen address when no connect_address is given. */
  private static String defaultConnectAddress(String listenAddresses, int port) {
    if (listenAddresses == null) {
      return null;
    }
    String first = listenAddresses.split(",")[0].trim();
    if (first.isEmpty() || first.equals("*") || first.equals("0.0.0.0") || first.equals("::")) {
      first = "127.0.0.1";
    }
    return (first.contains(":") ? "[" + first + "]" : first) + ":" + port;
  }

  static String expandHome(String path, String home) {
    if (path.equals("~")) {
      return home;
    }
    if (path.startsWith("~/")) {
      return home.replaceAll("/+$", "") + path.substring(1);
    }
    return path;
  }
}
