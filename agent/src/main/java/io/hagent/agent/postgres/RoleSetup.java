package io.hagent.agent.postgres;

import io.hagent.common.config.Credentials;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the roles a fresh cluster needs (§3.4): the superuser's password, the replication role,
 * the rewind role (PG11+ grants) and bootstrap.users. Statement logging is switched off for the
 * session first so no password reaches the server log.
 */
final class RoleSetup {
  private static final Logger LOG = LoggerFactory.getLogger(RoleSetup.class);
  private static final int TIMEOUT = 10;

  private final LocalConnection db;

  RoleSetup(LocalConnection db) {
    this.db = db;
  }

  void run(
      Credentials superuser,
      Credentials replication,
      Credentials rewind,
      Map<String, Object> users,
      int majorVersion)
      throws SQLException {
    // Like Patroni: with synchronous_standby_names set (e.g. '*') and no standby yet, every
    // COMMIT of this session would wait forever for a synchronous standby.
    db.execute("SET synchronous_commit TO local", TIMEOUT);
    db.execute("SET log_statement TO 'none'", TIMEOUT);
    db.execute("SET log_min_duration_statement TO -1", TIMEOUT);
    db.execute("SET log_min_error_statement TO 'panic'", TIMEOUT);
    db.execute("SET pg_stat_statements.track_utility TO off", TIMEOUT);
    if (superuser.password() != null) {
      db.execute(
          "ALTER ROLE "
              + LocalConnection.ident(superuser.username())
              + " WITH PASSWORD "
              + LocalConnection.literal(superuser.password()),
          TIMEOUT);
    }
    if (replication != null && !replication.username().equals(superuser.username())) {
      createOrAlter(replication.username(), replication.password(), List.of("REPLICATION"));
    }
    if (rewind != null && !rewind.username().equals(superuser.username())) {
      createOrAlter(rewind.username(), rewind.password(), List.of());
      if (majorVersion >= 11) {
        String role = LocalConnection.ident(rewind.username());
        for (String fn :
            List.of(
                "pg_catalog.pg_ls_dir(text, boolean, boolean)",
                "pg_catalog.pg_stat_file(text, boolean)",
                "pg_catalog.pg_read_binary_file(text)",
                "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)")) {
          db.execute("GRANT EXECUTE ON FUNCTION " + fn + " TO " + role, TIMEOUT);
        }
        if (majorVersion >= 15) {
          // pg_rewind's source must be checkpointed after a promotion before it can be rewound
          // from; without this the rewind user cannot do it and rewinds wait for a checkpoint.
          db.execute("GRANT pg_checkpoint TO " + role, TIMEOUT);
        }
      }
    }
    if (users != null) {
      for (Map.Entry<String, Object> e : users.entrySet()) {
        Map<?, ?> spec = e.getValue() instanceof Map<?, ?> m ? m : Map.of();
        Object password = spec.get("password");
        createOrAlter(
            e.getKey(),
            password == null ? null : password.toString(),
            options(spec.get("options")));
      }
    }
    db.execute("RESET ALL", TIMEOUT);
  }

  /** Role options such as {@code createdb}: plain words only, so nothing can be injected. */
  private static List<String> options(Object value) {
    List<String> out = new ArrayList<>();
    if (value instanceof List<?> l) {
      for (Object o : l) {
        String opt = String.valueOf(o).trim();
        if (opt.matches("[A-Za-z_]+")) {
          out.add(opt.toUpperCase(java.util.Locale.ROOT));
        } else {
          LOG.warn("ignoring invalid role option {}", opt);
        }
      }
    }
    return out;
  }

  private void createOrAlter(String name, String password, List<String> options)
      throws SQLException {
    boolean exists =
        !db.query(
                "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = "
                    + LocalConnection.literal(name))
            .isEmpty();
    StringBuilder sql =
        new StringBuilder(exists ? "ALTER ROLE " : "CREATE ROLE ")
            .append(LocalConnection.ident(name))
            .append(" WITH LOGIN");
    options.forEach(o -> sql.append(' ').append(o));
    if (password != null) {
      sql.append(" PASSWORD ").append(LocalConnection.literal(password));
    }
    db.execute(sql.toString(), TIMEOUT);
    LOG.info("{} role {}", exists ? "altered" : "created", name);
  }
}
