package io.hagent.agent.postgres;

import io.hagent.common.cluster.HostPort;
import io.hagent.common.config.Credentials;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** libpq connection strings (keyword=value), never carrying a password: that is in pgpass. */
final class ConnInfo {
  private ConnInfo() {}

  /**
   * primary_conninfo as Patroni writes it (§5.4): dbname, user, passfile, host, port, sslmode
   * (prefer), application_name, gssencmode=prefer (12+), channel_binding=prefer (13+), plus the
   * credentials' own libpq settings.
   */
  static String primaryConninfo(
      HostPort leader,
      String database,
      Credentials replication,
      Path passfile,
      String applicationName,
      int majorVersion) {
    Map<String, String> kv = base(leader, database, replication, passfile, applicationName);
    if (majorVersion >= 12) {
      kv.put("gssencmode", "prefer");
    }
    if (majorVersion >= 13) {
      kv.put("channel_binding", "prefer");
    }
    if (majorVersion >= 17) {
      kv.put("sslnegotiation", "postgres");
    }
    addLibpq(kv, replication);
    return render(kv);
  }

  /** A DSN for pg_basebackup / pg_rewind; the password is looked up in {@code passfile}. */
  static String dsn(
      HostPort target,
      String database,
      Credentials credentials,
      Path passfile,
      String applicationName) {
    Map<String, String> kv = base(target, database, credentials, passfile, applicationName);
    addLibpq(kv, credentials);
    return render(kv);
  }

  /** The settings every connection string of ours starts with (password via passfile). */
  private static Map<String, String> base(
      HostPort target,
      String database,
      Credentials credentials,
      Path passfile,
      String applicationName) {
    Map<String, String> kv = new LinkedHashMap<>();
    kv.put("dbname", database);
    kv.put("user", credentials.username());
    kv.put("passfile", passfile.toString());
    kv.put("host", target.host());
    kv.put("port", String.valueOf(target.port()));
    kv.put("sslmode", "prefer");
    kv.put("application_name", applicationName);
    return kv;
  }

  /** {@code postgres://user@host:port/db}, the post_bootstrap argument (no password). */
  static String url(HostPort target, String user, String database) {
    return "postgres://"
        + URLEncoder.encode(user, StandardCharsets.UTF_8)
        + "@"
        + target
        + "/"
        + URLEncoder.encode(database, StandardCharsets.UTF_8);
  }

  private static void addLibpq(Map<String, String> kv, Credentials credentials) {
    if (credentials.libpq() != null) {
      credentials.libpq().forEach((k, v) -> kv.put(k, v));
    }
  }

  static String render(Map<String, String> kv) {
    return kv.entrySet().stream()
        .filter(e -> e.getValue() != null)
        .map(e -> e.getKey() + "=" + quote(e.getValue()))
        .collect(Collectors.joining(" "));
  }

  /** libpq quoting: single quotes when needed, with \ and ' backslash-escaped. */
  static String quote(String value) {
    if (!value.isEmpty() && value.chars().noneMatch(c -> c == ' ' || c == '\'' || c == '\\')) {
      return value;
    }
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
