package io.hagent.cli;

import io.hagent.common.cluster.HostPort;
import io.hagent.common.tls.LibpqJdbc;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.Driver;
import org.postgresql.util.PSQLException;

/**
 * Runs one {@code hactl query} against one member over JDBC. The only class that touches the
 * PostgreSQL driver, so other commands never load it. Like patronictl it connects with a 5 s
 * connect timeout in autocommit mode, checks with {@code pg_is_in_recovery()} that the member
 * really has the asked-for role (primary, replica, standby, standby-leader), and reports every
 * failure as one {@code <timestamp> ERROR, SQLSTATE: ...} row instead of failing.
 */
final class PgQuery {
  private static final int CONNECT_TIMEOUT_SECONDS = 5;

  /** What PostgreSQL prints for timestamps, e.g. {@code 2024-08-28 10:00:00.5+02}. */
  private static final Pattern TIMESTAMP =
      Pattern.compile(
          "(\\d{4,}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2})(?:\\.(\\d{1,6}))?"
              + "(?:([+-]\\d{2})(?::(\\d{2}))?(?::(\\d{2}))?)?");

  private PgQuery() {}

  /**
   * @param role the role to verify on the server (primary, replica, standby, standby-leader), or
   *     null when the DCS choice is enough (leader, any, a named member)
   * @param noConnection the message when the server does not have the role
   */
  static QueryResult run(
      HostPort target,
      PgLogin login,
      String role,
      String sql,
      String noConnection,
      Supplier<String> timestamp) {
    Connection conn;
    try {
      conn = connect(target, login);
    } catch (SQLException e) {
      // psycopg2 reports no SQLSTATE for a failed connection, only libpq's message
      return QueryResult.error(timestamp.get(), describe(e));
    }
    try (conn) {
      if (role != null && !hasRole(conn, role)) {
        return QueryResult.failure(timestamp.get(), noConnection);
      }
      return execute(conn, sql);
    } catch (SQLException e) {
      String state = e.getSQLState();
      return QueryResult.error(
          timestamp.get(), e instanceof PSQLException && state != null ? state : describe(e));
    }
  }

  private static Connection connect(HostPort target, PgLogin login) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", login.user());
    if (login.password() != null) {
      props.setProperty("password", login.password());
    }
    props.setProperty("ApplicationName", login.applicationName());
    props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
    props.setProperty("loginTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
    // PEM client keys and libpq's sslmode rules, as the agent itself connects
    LibpqJdbc.apply(props, login.libpq(), System.getProperty("user.home"));
    String host = target.host().contains(":") ? "[" + target.host() + "]" : target.host();
    String url = "jdbc:postgresql://" + host + ":" + target.port() + "/" + encode(login.database());
    // The Driver directly, not DriverManager: no scan of every jar's META-INF/services.
    Connection conn = new Driver().connect(url, props);
    if (conn == null) {
      throw new SQLException("The PostgreSQL driver rejected the connection URL");
    }
    conn.setAutoCommit(true);
    return conn;
  }

  private static String encode(String database) {
    return java.net.URLEncoder.encode(database, java.nio.charset.StandardCharsets.UTF_8)
        .replace("+", "%20");
  }

  private static boolean hasRole(Connection conn, String role) throws SQLException {
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_is_in_recovery()")) {
      boolean inRecovery = !rs.next() || rs.getBoolean(1);
      return inRecovery ? !role.equals("primary") : role.equals("primary");
    }
  }

  /** The last result set of the statements, as psycopg2's cursor keeps it. */
  private static QueryResult execute(Connection conn, String sql) throws SQLException {
    try (Statement st = conn.createStatement()) {
      boolean isResultSet = st.execute(sql);
      QueryResult last = null;
      while (true) {
        if (isResultSet) {
          try (ResultSet rs = st.getResultSet()) {
            last = read(rs);
          }
        } else if (st.getUpdateCount() == -1) {
          break;
        }
        isResultSet = st.getMoreResults();
      }
      if (last == null) {
        throw new SQLException("no results to fetch");
      }
      return last;
    }
  }

  private static QueryResult read(ResultSet rs) throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    int n = meta.getColumnCount();
    List<String> columns = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      columns.add(meta.getColumnLabel(i));
    }
    List<List<Object>> rows = new ArrayList<>();
    while (rs.next()) {
      List<Object> row = new ArrayList<>(n);
      for (int i = 1; i <= n; i++) {
        row.add(value(rs, i, meta.getColumnTypeName(i)));
      }
      rows.add(row);
    }
    return new QueryResult(columns, rows);
  }

  /** The cell as the Python type psycopg2 gives: bool, int, float, Decimal, datetime, else text. */
  private static Object value(ResultSet rs, int i, String type) throws SQLException {
    String text = rs.getString(i);
    if (text == null) {
      return null;
    }
    return switch (type) {
      case "bool" -> rs.getBoolean(i);
      case "int2", "int4", "int8", "oid" -> rs.getLong(i);
      case "float4", "float8" -> rs.getDouble(i);
      case "numeric" -> decimal(text);
      case "timestamp", "timestamptz" -> pythonDateTime(text);
      default -> text;
    };
  }

  private static Object decimal(String text) {
    try {
      return new BigDecimal(text);
    } catch (NumberFormatException e) {
      return text; // NaN, Infinity
    }
  }

  /** Python's str(datetime): six fraction digits when there is a fraction, offset as +HH:MM. */
  static String pythonDateTime(String text) {
    Matcher m = TIMESTAMP.matcher(text);
    if (!m.matches()) {
      return text; // infinity, BC dates: psycopg2 would fail on these anyway
    }
    StringBuilder sb = new StringBuilder(m.group(1));
    String fraction = m.group(2);
    if (fraction != null && !fraction.matches("0+")) {
      sb.append('.').append(fraction);
      sb.append("0".repeat(6 - fraction.length()));
    }
    if (m.group(3) != null) {
      sb.append(m.group(3)).append(':').append(m.group(4) == null ? "00" : m.group(4));
      if (m.group(5) != null) {
        sb.append(':').append(m.group(5));
      }
    }
    return sb.toString();
  }

  private static String describe(SQLException e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }
}
