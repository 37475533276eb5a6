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
record PgLogin(String user, String password, String database, String applicationName) {

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
    return new PgLogin(user, password, database, isBlank(app) ? "Patroni ctl" : app);
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
