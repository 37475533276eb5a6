package io.hagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.cluster.HostPort;
import io.hagent.common.cluster.Leader;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.Credentials;
import io.hagent.common.config.CtlConfig;
import io.hagent.common.config.EtcdConfig;
import io.hagent.common.config.HagentConfig;
import io.hagent.common.config.PostgresqlConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueryCommandTest {
  @TempDir Path tmp;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private boolean storeOpened;

  // ---- option validation ----------------------------------------------------------------------

  @Test
  void badOptionsAreRefusedBeforeTheDcsIsRead() {
    assertEquals(
        "Error: --file and --command are mutually exclusive options\n",
        fails("query", "-c", "SELECT 1", "-f", "x.sql"));
    assertEquals(
        "Error: You need to specify either --command or --file\n", fails("query", "-r", "any"));
    assertEquals(
        "Error: --role and --member are mutually exclusive options\n",
        fails("query", "-c", "SELECT 1", "-r", "replica", "-m", "postgresql1"));
    assertEquals(
        "Error: Invalid value for '--role' / '-r': 'master' is not one of 'leader', 'primary',"
            + " 'standby-leader', 'replica', 'standby', 'any'.\n",
        fails("query", "-c", "SELECT 1", "-r", "master"));
    assertEquals(
        "Error: Invalid value for '--format': 'csv' is not one of 'pretty', 'tsv', 'json',"
            + " 'yaml', 'yml'.\n",
        fails("query", "-c", "SELECT 1", "--format", "csv"));
    assertEquals(
        "Error: Invalid value for '-w' / '--watch': must be a positive number of seconds\n",
        fails("query", "-c", "SELECT 1", "-w", "0"));
    assertEquals(
        "Error: Invalid value for '--file' / '-f': '"
            + tmp.resolve("missing.sql")
            + "': No such file or directory\n",
        fails("query", "-f", tmp.resolve("missing.sql").toString()));
    assertFalse(storeOpened, "bad input must not reach the DCS");
    assertEquals("", out.toString(StandardCharsets.UTF_8));
  }

  // ---- choosing the member ----------------------------------------------------------------------

  @Test
  void defaultIsTheLeaderWithoutAServerSideCheck() {
    QueryCommand.Target t = QueryCommand.choose(cluster(5432, 5433), null, null);
    assertEquals(new HostPort("127.0.0.1", 5432), t.hostPort());
    assertNull(t.verifyRole());
    assertEquals("No connection is available", t.unavailable());
  }

  @Test
  void replicaRolesAreCheckedOnTheServer() {
    QueryCommand.Target t = QueryCommand.choose(cluster(5432, 5433), null, "replica");
    assertEquals(new HostPort("127.0.0.1", 5433), t.hostPort());
    assertEquals("replica", t.verifyRole());
    assertEquals("No connection to role 'replica' is available", t.unavailable());
    assertEquals("primary", QueryCommand.choose(cluster(1, 2), null, "primary").verifyRole());
    assertNull(QueryCommand.choose(cluster(1, 2), null, "leader").verifyRole());
    assertNull(QueryCommand.choose(cluster(1, 2), null, "any").verifyRole());
  }

  @Test
  void aNamedMemberOfAnyRoleOrWhyItIsUnavailable() {
    QueryCommand.Target t = QueryCommand.choose(cluster(5432, 5433), "postgresql1", null);
    assertEquals(new HostPort("127.0.0.1", 5433), t.hostPort());
    assertNull(t.verifyRole());
    QueryCommand.Target missing = QueryCommand.choose(cluster(5432, 5433), "nosuch", null);
    assertNull(missing.hostPort());
    assertEquals("No connection to member nosuch is available", missing.unavailable());
    assertNull(QueryCommand.choose(cluster(5432, 5433), null, "standby-leader").hostPort());
  }

  // ---- end to end without PostgreSQL: the failure rows ---------------------------------------

  @Test
  void unreachableLeaderPrintsOneErrorRowWithTheDriversMessage() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    assertEquals(0, run(cluster(closed, closed), "", "query", "-c", "SELECT 1"));
    String printed = out.toString(StandardCharsets.UTF_8);
    assertTrue(
        printed.startsWith("2024-08-28 10:00:00\tERROR, SQLSTATE: Connection to 127.0.0.1:"),
        printed);
    assertEquals(1, printed.lines().count(), printed);
    assertFalse(printed.contains("s3cret"), printed);
  }

  @Test
  void missingMemberIsAMessageRowNotAnError() {
    assertEquals(0, run(cluster(1, 2), "", "query", "-c", "SELECT 1", "-m", "ghost"));
    assertEquals(
        "2024-08-28 10:00:00\tNo connection to member ghost is available\n",
        out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void passwordIsPromptedWithoutBeingPrinted() {
    assertEquals(0, run(cluster(1, 2), "\ntyped\n", "query", "--password", "-c", "x", "-m", "x"));
    // click re-asks on an empty answer; the answer itself never reaches the output
    assertEquals(
        "Password: Password: 2024-08-28 10:00:00\tNo connection to member x is available\n",
        out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void sqlFromStdinOrAFile() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    assertEquals(0, run(cluster(closed, closed), "SELECT 1;\n", "query", "-f", "-"));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("ERROR, SQLSTATE: Connection to"));
    Path file = tmp.resolve("q.sql");
    java.nio.file.Files.writeString(file, "SELECT 1");
    out.reset();
    assertEquals(0, run(cluster(closed, closed), "", "query", "-f", file.toString()));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("ERROR, SQLSTATE: Connection to"));
  }

  // ---- login -----------------------------------------------------------------------------------

  @Test
  void loginDefaultsToTheConfiguredSuperuser() {
    Credentials su = new Credentials("admin", "s3cret", Map.of());
    PgLogin login = PgLogin.resolve(null, null, null, su, Map.of());
    assertEquals(new PgLogin("admin", "s3cret", "admin", "Patroni ctl"), login);
    assertFalse(login.toString().contains("s3cret"), login.toString());

    PgLogin other = PgLogin.resolve("bob", null, "app", su, Map.of("PGPASSWORD", "envpw"));
    assertEquals(new PgLogin("bob", "envpw", "app", "Patroni ctl"), other);

    PgLogin prompted = PgLogin.resolve(null, "typed", null, su, Map.of());
    assertEquals("typed", prompted.password());

    PgLogin libpqEnv =
        PgLogin.resolve(
            null, null, null, su, Map.of("PGUSER", "carol", "PGDATABASE", "db", "PGAPPNAME", "x"));
    assertEquals(new PgLogin("carol", null, "db", "x"), libpqEnv);

    PgLogin noConfig = PgLogin.resolve(null, null, null, null, Map.of("USER", "postgres"));
    assertEquals(new PgLogin("postgres", null, "postgres", "Patroni ctl"), noConfig);
  }

  @Test
  void theSuperusersTlsSettingsComeWithItsLoginAndPgsslVariablesOverrideThem() {
    Credentials su =
        new Credentials(
            "admin", "s3cret", Map.of("sslmode", "verify-full", "sslkey", "/etc/pg/admin.key"));
    assertEquals(
        Map.of("sslmode", "verify-full", "sslkey", "/etc/pg/admin.key"),
        PgLogin.resolve(null, null, null, su, Map.of()).libpq());
    assertEquals(
        Map.of("sslmode", "require", "sslkey", "/etc/pg/admin.key"),
        PgLogin.resolve(null, null, null, su, Map.of("PGSSLMODE", "require")).libpq());
    // another user does not get the superuser's certificate
    assertEquals(Map.of(), PgLogin.resolve("bob", null, null, su, Map.of()).libpq());
  }

  // ---- output ----------------------------------------------------------------------------------

  private static final QueryResult ROWS =
      new QueryResult(
          List.of("id", "name", "ok", "ratio", "amount"),
          List.of(
              Arrays.asList(1L, "a", true, 0.5, new BigDecimal("1.50")),
              Arrays.asList(2L, null, false, 1e16, null)));

  @Test
  void tsvHasAHeaderAndPythonStyleCells() {
    assertEquals(
        "id\tname\tok\tratio\tamount\n1\ta\tTrue\t0.5\t1.50\n2\tNone\tFalse\t1e+16\tNone\n",
        print(ROWS, "tsv", "\t"));
    assertEquals(
        "id;name;ok;ratio;amount\n", print(ROWS, "tsv", ";").lines().findFirst().get() + "\n");
  }

  @Test
  void errorRowHasNoHeader() {
    QueryResult error = QueryResult.error("2024-08-28 10:00:00", "42P01");
    assertEquals("2024-08-28 10:00:00\tERROR, SQLSTATE: 42P01\n", print(error, "tsv", "\t"));
    assertEquals("2024-08-28 10:00:00|ERROR, SQLSTATE: 42P01\n", print(error, "tsv", "|"));
    assertEquals("[{}]\n", print(error, "json", "\t"));
    assertEquals(
        "+---------------------+------------------------+\n"
            + "| Field 1             | Field 2                |\n"
            + "+---------------------+------------------------+\n"
            + "| 2024-08-28 10:00:00 | ERROR, SQLSTATE: 42P01 |\n"
            + "+---------------------+------------------------+\n",
        print(error, "pretty", "\t"));
    assertEquals(
        List.of("x", "ERROR, SQLSTATE: multi line"),
        QueryResult.error("x", "multi\nline").rows().get(0));
  }

  @Test
  void jsonYamlAndPretty() {
    assertEquals(
        "[{\"id\": 1, \"name\": \"a\", \"ok\": true, \"ratio\": 0.5, \"amount\": 1.50}, "
            + "{\"id\": 2, \"name\": null, \"ok\": false, \"ratio\": 1e+16, \"amount\": null}]\n",
        print(ROWS, "json", "\t"));
    String yaml = print(ROWS, "yaml", "\t");
    assertTrue(yaml.startsWith("- amount: '1.50'\n  id: 1\n  name: a\n  ok: true\n"), yaml);
    assertEquals(
        "+----+------+-------+-------+--------+\n"
            + "| id | name | ok    | ratio | amount |\n"
            + "+----+------+-------+-------+--------+\n"
            + "| 1  | a    | True  | 0.5   | 1.50   |\n"
            + "| 2  | None | False | 1e+16 | None   |\n"
            + "+----+------+-------+-------+--------+\n",
        print(ROWS, "pretty", "\t"));
  }

  @Test
  void floatsAndTimestampsPrintAsPythonDoes() {
    assertEquals("1.0", QueryOutput.PyFloat.repr(1.0));
    assertEquals("10000000.0", QueryOutput.PyFloat.repr(1e7));
    assertEquals("0.0001", QueryOutput.PyFloat.repr(1e-4));
    assertEquals("1e-05", QueryOutput.PyFloat.repr(1e-5));
    assertEquals("1.5e+20", QueryOutput.PyFloat.repr(1.5e20));
    assertEquals("nan", QueryOutput.PyFloat.repr(Double.NaN));
    assertEquals("-inf", QueryOutput.PyFloat.repr(Double.NEGATIVE_INFINITY));
    assertEquals(
        "2024-08-28 10:00:00.500000+02:00", PgQuery.pythonDateTime("2024-08-28 10:00:00.5+02"));
    assertEquals("2024-08-28 10:00:00+05:30", PgQuery.pythonDateTime("2024-08-28 10:00:00+05:30"));
    assertEquals(
        "2024-08-28 10:00:00.123456", PgQuery.pythonDateTime("2024-08-28 10:00:00.123456"));
    assertEquals("infinity", PgQuery.pythonDateTime("infinity"));
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static String print(QueryResult r, String fmt, String delimiter) {
    StringWriter sw = new StringWriter();
    PrintWriter pw = new PrintWriter(sw);
    QueryOutput.print(pw, r, fmt, delimiter);
    pw.flush();
    return sw.toString().replace(System.lineSeparator(), "\n");
  }

  private String fails(String... args) {
    err.reset();
    assertEquals(1, run(cluster(1, 2), "", args));
    return err.toString(StandardCharsets.UTF_8);
  }

  private static Cluster cluster(int leaderPort, int replicaPort) {
    Member leader =
        FakeStore.member(
            "postgresql0",
            null,
            Map.of(
                "conn_url", "postgres://127.0.0.1:" + leaderPort + "/postgres", "role", "primary"));
    Member replica =
        FakeStore.member(
            "postgresql1",
            null,
            Map.of(
                "conn_url",
                "postgres://127.0.0.1:" + replicaPort + "/postgres",
                "role",
                "replica"));
    return new Cluster(
        "7277694203142172922",
        Map.of(),
        7,
        new Leader("postgresql0", 3, 1),
        new ClusterStatus(0L, Map.of(), List.of()),
        new ArrayList<>(List.of(replica, leader)),
        null,
        null,
        List.of(),
        null,
        10);
  }

  private int run(Cluster cluster, String stdin, String... args) {
    PostgresqlConfig pg =
        new PostgresqlConfig(
            null,
            5432,
            null,
            null,
            null,
            null,
            null,
            Map.of(),
            null,
            null,
            new Credentials("admin", "s3cret", Map.of()),
            null,
            null,
            Map.of(),
            null,
            Map.of(),
            List.of(),
            List.of(),
            null,
            false,
            false,
            Map.of(),
            60,
            false,
            null,
            null);
    HagentConfig config =
        new HagentConfig(
            "batman",
            "/service",
            null,
            null,
            new CtlConfig(null, null, null, null, null, null, false),
            new EtcdConfig(List.of("http://127.0.0.1:2379"), "http", null, null, null, null, null),
            null,
            pg,
            Map.of(),
            null,
            null,
            Map.of());
    FakeStore store = new FakeStore(cluster);
    Hactl.Environment env =
        new Hactl.Environment(
            Map.of("HOME", tmp.toString(), "PATH", ""),
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Clock.fixed(Instant.parse("2024-08-28T10:00:00Z"), ZoneOffset.UTC),
            (file, e) -> config,
            s ->
                scope -> {
                  storeOpened = true;
                  return store;
                },
            Ctl::defaultApi);
    return Hactl.run(args, env);
  }
}
