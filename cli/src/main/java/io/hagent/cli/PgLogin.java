package io.hagent.cli;

import io.hagent.common.config.Credentials;
import java.util.Map;

/**
 * Who {@code hactl query} logs in as, resolved like libpq would for patronictl: {@code -U}, else
 * {@code PGUSER}, else the configuration's superuser (so the file that drives the cluster is enough
 * to query it), else the operating-system user. The password is the prompted one, else the
 * superuser's when logging in as that user, else {@code PGPASSWORD}; null leaves it to the driver's
 * ~/.pgpass lookup. The database is {@code -d}, else {@code PGDATABASE}, else the user name
 * (libpq's default).
 */
record PgLogin(
    String user,
    String password,
    String database,
    String applicationName,
    Map<String, String> libpq) {

  /** libpq's environment variables for the TLS and GSS settings, as psycopg would honour them. */
  private static final Map<String, String> LIBPQ_ENV =
      Map.of(
          "PGSSLMODE", "sslmode",
          "PGSSLCERT", "sslcert",
          "PGSSLKEY", "sslkey",
          "PGSSLROOTCERT", "sslrootcert",
          "PGSSLCRL", "sslcrl",
          "PGSSLCRLDIR", "sslcrldir",
          "PGGSSENCMODE", "gssencmode",
          "PGCHANNELBINDING", "channel_binding");

  PgLogin(String user, String password, String database, String applicationName) {
    this(user, password, database, applicationName, Map.of());
  }

  static PgLogin resolve(
      String userOption,
      String promptedPassword,
      String databaseOption,
      Credentials superuser,
      Map<String, String> env) {
    String user = userOption;
    if (isBlank(user)) {
      user = env.get("PGUSER");
    }
    if (isBlank(user) && superuser != null) {
      user = superuser.username();
    }
    if (isBlank(user)) {
      user = env.getOrDefault("USER", System.getProperty("user.name"));
    }
    String password = promptedPassword;
    if (password == null
        && superuser != null
        && superuser.password() != null
        && user.equals(superuser.username())) {
      password = superuser.password();
    }
    if (password == null) {
      password = env.get("PGPASSWORD");
    }
    String database = isBlank(databaseOption) ? env.get("PGDATABASE") : databaseOption;
    if (isBlank(database)) {
      database = user;
    }
    String app = env.get("PGAPPNAME");
    // the superuser's sslmode/sslcert/sslkey... come with its login; libpq's PGSSL* override them
    Map<String, String> libpq = new java.util.HashMap<>();
    if (superuser != null && superuser.libpq() != null && user.equals(superuser.username())) {
      libpq.putAll(superuser.libpq());
    }
    LIBPQ_ENV.forEach(
        (var, key) -> {
          if (!isBlank(env.get(var))) {
            libpq.put(key, env.get(var));
          }
        });
    return new PgLogin(
        user, password, database, isBlank(app) ? "Patroni ctl" : app, Map.copyOf(libpq));
  }

  private static boolean isBlank(String s) {
    return s == null || s.isEmpty();
  }

  /** Never print the password. */
  @Override
  public String toString() {
    return "PgLogin[user=" + user + ", database=" + database + "]";
  }
}
