package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.HostPort;
import io.hagent.common.cluster.Member;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code query}: runs SQL on the leader (default), a member with a role, or a named member, and
 * prints the rows (§2.3). The cluster is read once; each {@code -w} round connects anew.
 */
@Command(name = "query", description = "Query a Patroni PostgreSQL member")
final class QueryCommand implements Callable<Integer> {
  static final List<String> ROLES =
      List.of("leader", "primary", "standby-leader", "replica", "standby", "any");

  /** Roles the DCS cannot vouch for: the server itself is asked (pg_is_in_recovery()). */
  private static final List<String> VERIFIED_ROLES =
      List.of("primary", "standby-leader", "replica", "standby");

  @ParentCommand Hactl hactl;

  @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Option(
      names = {"--format"},
      paramLabel = "FORMAT",
      defaultValue = "tsv",
      description = "Output format (pretty, tsv, json, yaml)")
  String format;

  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      description = "Execute the SQL commands from this file (- for stdin)")
  String file;

  @Option(
      names = {"--password"},
      description = "force password prompt")
  boolean password;

  @Option(
      names = {"-U", "--username"},
      paramLabel = "USER",
      description = "database user name")
  String username;

  @Option(
      names = {"-W"},
      description = "Auto update the screen every 2 seconds")
  boolean watchContinuous;

  @Option(
      names = {"-w", "--watch"},
      paramLabel = "SEC",
      description = "Auto update the screen every X seconds")
  Double watch;

  @Option(
      names = {"-r", "--role"},
      paramLabel = "ROLE",
      description = "The role of the query (" + Members.ROLES + ")")
  String role;

  @Option(
      names = {"-m", "--member"},
      paramLabel = "MEMBER",
      description = "Query a specific member")
  String member;

  @Option(
      names = {"--delimiter"},
      paramLabel = "TEXT",
      defaultValue = "\t",
      description = "The column delimiter")
  String delimiter;

  @Option(
      names = {"-c", "--command"},
      paramLabel = "SQL",
      description = "The SQL commands to execute")
  String command;

  @Option(
      names = {"-d", "--dbname"},
      paramLabel = "DBNAME",
      description = "database name to connect to")
  String dbname;

  /** The member to connect to, or why there is none. */
  record Target(HostPort hostPort, String verifyRole, String unavailable) {}

  @Override
  public Integer call() throws Exception {
    validate(role, member, format, file, command, watchContinuous ? null : watch);
    Ctl ctl = hactl.ctl();
    String sql = file != null ? readFile(ctl, file) : command;
    String prompted = password ? ctl.promptSecret("Password") : null;
    PgLogin login =
        PgLogin.resolve(username, prompted, dbname, ctl.settings().superuser(), ctl.env);
    Cluster c = ctl.read(ctl.clusterName(cluster));
    return Watch.repeat(
        ctl,
        watchContinuous ? Double.valueOf(2) : watch,
        false,
        () -> {
          Target t = choose(c, member, role);
          QueryResult result =
              t.hostPort() == null
                  ? QueryResult.failure(ctl.timestampSeconds(), t.unavailable())
                  : PgQuery.run(
                      t.hostPort(),
                      login,
                      t.verifyRole(),
                      sql,
                      t.unavailable(),
                      ctl::timestampSeconds);
          QueryOutput.print(ctl.out, result, format, delimiter);
        });
  }

  /** Bad input is refused before anything is prompted for or read. */
  static void validate(
      String role, String member, String format, String file, String command, Double watch) {
    if (role != null && !ROLES.contains(role)) {
      throw new CtlException(
          "Invalid value for '--role' / '-r': '" + role + "' is not one of " + quoted(ROLES));
    }
    if (!QueryOutput.FORMATS.contains(format)) {
      throw new CtlException(
          "Invalid value for '--format': '"
              + format
              + "' is not one of "
              + quoted(QueryOutput.FORMATS));
    }
    if (file != null && command != null) {
      throw new CtlException("--file and --command are mutually exclusive options");
    }
    if (file == null && command == null) {
      throw new CtlException("You need to specify either --command or --file");
    }
    if (role != null && member != null) {
      throw new CtlException("--role and --member are mutually exclusive options");
    }
    if (watch != null && !(watch > 0)) {
      throw new CtlException(
          "Invalid value for '-w' / '--watch': must be a positive number of seconds");
    }
  }

  private static String quoted(List<String> values) {
    return String.join(", ", values.stream().map(v -> "'" + v + "'").toList()) + ".";
  }

  private static String readFile(Ctl ctl, String file) {
    if (file.equals("-")) {
      return ctl.readStdin();
    }
    try {
      return Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CtlException(
          "Invalid value for '--file' / '-f': '" + file + "': " + describe(e, file));
    }
  }

  private static String describe(IOException e, String file) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "No such file or directory";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "Permission denied";
    }
    String m = e.getMessage();
    return m == null || m.equals(file) ? e.getClass().getSimpleName() : m;
  }

  /**
   * patronictl's get_any_member: a named member (any role), else the first member with the role
   * (the leader by default). Members without a conn_url cannot be connected to.
   */
  static Target choose(Cluster cluster, String member, String role) {
    String unavailable =
        member != null
            ? "No connection to member " + member + " is available"
            : role != null
                ? "No connection to role '" + role + "' is available"
                : "No connection is available";
    Optional<Member> m =
        member != null
            ? cluster.member(member)
            : Members.withRole(cluster, role == null ? "leader" : role).stream().findFirst();
    HostPort hp = m.map(Member::hostPort).orElse(null);
    String verify = role != null && VERIFIED_ROLES.contains(role) ? role : null;
    return new Target(hp, verify, unavailable);
  }
}
