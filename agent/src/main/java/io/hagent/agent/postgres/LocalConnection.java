package io.hagent.agent.postgres;

import io.hagent.common.config.Credentials;
import io.hagent.common.tls.LibpqJdbc;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JDBC connection to a PostgreSQL server, opened lazily, kept open between cycles and reopened
 * when broken. Connect and socket timeouts are short so a hung server cannot stall the HA loop.
 */
final class LocalConnection implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalConnection.class);
  static final int DEFAULT_TIMEOUT_SECONDS = 3;

  private final String url;
  private final Properties props;
  private final String target;
  private final String password;
  private final ConnectFailureLog failures;
  private Connection connection;

  LocalConnection(String host, int port, String database, Credentials user, boolean replication) {
    this(host, port, database, user, replication, null);
  }

  /**
   * @param failures where a failed connection attempt says why (null: the caller reports the
   *     exception itself)
   */
  LocalConnection(
      String host,
      int port,
      String database,
      Credentials user,
      boolean replication,
      ConnectFailureLog failures) {
    this.target = hostForUrl(host) + ":" + port + " as " + user.username();
    this.password = user.password();
    this.failures = failures;
    this.url = "jdbc:postgresql://" + hostForUrl(host) + ":" + port + "/" + database;
    this.props = new Properties();
    props.setProperty("user", user.username());
    if (user.password() != null) {
      props.setProperty("password", user.password());
    }
    props.setProperty("connectTimeout", String.valueOf(DEFAULT_TIMEOUT_SECONDS));
    props.setProperty("loginTimeout", String.valueOf(DEFAULT_TIMEOUT_SECONDS));
    props.setProperty("socketTimeout", String.valueOf(DEFAULT_TIMEOUT_SECONDS));
    props.setProperty("ApplicationName", "hagent");
    props.setProperty("tcpKeepAlive", "true");
    // sslmode, sslcert, sslkey (PEM), sslrootcert, sslcrl... read as libpq reads them
    LibpqJdbc.apply(props, user.libpq(), System.getProperty("user.home"));
    if (replication) {
      props.setProperty("replication", "database");
      props.setProperty("preferQueryMode", "simple");
      props.setProperty("assumeMinServerVersion", "10");
    }
  }

  private static String hostForUrl(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  private synchronized Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      try {
        connection = DriverManager.getConnection(url, props);
      } catch (SQLException e) {
        if (failures != null) {
          failures.failed(target, e, password);
        }
        throw e;
      }
      connection.setAutoCommit(true);
    }
    return connection;
  }

  /**
   * Runs {@code sql} and returns its rows as column -> value maps. On any failure the connection is
   * dropped so the next call reconnects.
   *
   * @param timeoutSeconds socket read limit for this statement (CHECKPOINT needs longer)
   */
  synchronized List<Map<String, Object>> query(String sql, int timeoutSeconds) throws SQLException {
    try {
      Connection c = connection();
      c.setNetworkTimeout(Runnable::run, timeoutSeconds * 1000);
      try (Statement st = c.createStatement()) {
        List<Map<String, Object>> rows = new ArrayList<>();
        if (st.execute(sql)) {
          try (ResultSet rs = st.getResultSet()) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
              Map<String, Object> row = new LinkedHashMap<>();
              for (int i = 1; i <= n; i++) {
                row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
              }
              rows.add(row);
            }
          }
        }
        return rows;
      } finally {
        if (!c.isClosed()) {
          c.setNetworkTimeout(Runnable::run, DEFAULT_TIMEOUT_SECONDS * 1000);
        }
      }
    } catch (SQLException e) {
      close();
      throw e;
    }
  }

  List<Map<String, Object>> query(String sql) throws SQLException {
    return query(sql, DEFAULT_TIMEOUT_SECONDS);
  }

  void execute(String sql, int timeoutSeconds) throws SQLException {
    query(sql, timeoutSeconds);
  }

  @Override
  public synchronized void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        LOG.debug("closing connection to {} failed", url, e);
      }
      connection = null;
    }
  }

  /** SQL string literal (standard_conforming_strings is on since 9.1). */
  static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  /** SQL identifier, always quoted. */
  static String ident(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }
}
