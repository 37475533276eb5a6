package io.hagent.agent.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.hagent.common.cluster.HostPort;
import io.hagent.common.config.Credentials;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL 15 that accepts TCP logins only over TLS with a client certificate ({@code
 * hostssl ... clientcert=verify-ca}), with certificates and keys made by openssl: the agent's own
 * JDBC connection works with each PEM key kind libpq reads, and the connection strings it hands to
 * libpq (pg_basebackup, pg_rewind, primary_conninfo) work unchanged with psql.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientCertificateIT {
  private static final DynamicConfig DYNAMIC =
      DynamicConfig.from(
          Map.of(
              "loop_wait",
              10,
              "postgresql",
              Map.of(
                  "pg_hba",
                  List.of(
                      "local all all trust",
                      "hostssl all all 127.0.0.1/32 scram-sha-256 clientcert=verify-ca",
                      "hostssl replication all 127.0.0.1/32 scram-sha-256 clientcert=verify-ca"))));

  @TempDir static Path tmp;

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final List<PostgresController> controllers = new ArrayList<>();
  private final Map<OpensslPki.Kind, String> clients = new LinkedHashMap<>();
  private OpensslPki pki;
  private int port;
  private Map<String, Object> parameters;

  @BeforeAll
  void bootstrap() throws Exception {
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    pki = new OpensslPki(tmp.resolve("pki"));
    for (OpensslPki.Kind k : OpensslPki.Kind.values()) {
      clients.put(k, pki.client(k, "postgres"));
    }
    port = TestConfigs.freePort();
    parameters =
        Map.of(
            "unix_socket_directories", tmp.toString(),
            "fsync", false,
            "ssl", "on",
            "ssl_cert_file", pki.path("server.crt"),
            "ssl_key_file", pki.path("server.key"),
            "ssl_ca_file", pki.path("ca.crt"));
    PostgresController primary =
        controller(superuser(libpq(OpensslPki.Kind.RSA_PKCS1, "verify-full")));
    assertTrue(primary.bootstrap(DYNAMIC), "bootstrap over TLS with a client certificate");
  }

  @AfterAll
  void tearDown() {
    if (!controllers.isEmpty()) {
      controllers.get(0).stop(Postgres.StopMode.IMMEDIATE, false, 30);
    }
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
  }

  private Map<String, String> libpq(OpensslPki.Kind kind, String sslmode) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("sslmode", sslmode);
    m.put("sslrootcert", pki.path("ca.crt"));
    m.put("sslcert", pki.path(clients.get(kind) + ".crt"));
    m.put("sslkey", pki.path(clients.get(kind) + ".key"));
    if (kind.encrypted()) {
      m.put("sslpassword", OpensslPki.KEY_PASSWORD);
    }
    return m;
  }

  private HagentConfig superuser(Map<String, String> libpq) {
    return TestConfigs.node(
        "node1",
        tmp.resolve("data"),
        port,
        tmp.resolve("pgpass"),
        parameters,
        null,
        new Credentials("postgres", TestConfigs.SUPERUSER_PASSWORD, Map.copyOf(libpq)));
  }

  private PostgresController controller(HagentConfig config) {
    PostgresController c = new PostgresController(config);
    controllers.add(c);
    return c;
  }

  @Test
  void everyPemKeyKindLogsInWithItsCertificate() {
    for (OpensslPki.Kind kind : OpensslPki.Kind.values()) {
      for (String mode : List.of("require", "verify-ca", "verify-full")) {
        PostgresController c = controller(superuser(libpq(kind, mode)));
        assertTrue(c.probe().running(), kind + " with sslmode=" + mode + ": " + warnings());
      }
    }
  }

  @Test
  void withoutAClientCertificateTheServerSaysWhyAndItIsLogged() {
    Map<String, String> noCert = new LinkedHashMap<>(libpq(OpensslPki.Kind.RSA_PKCS8, "verify-ca"));
    noCert.remove("sslcert");
    noCert.remove("sslkey");
    logs.list.clear();
    assertFalse(controller(superuser(noCert)).probe().running());
    assertTrue(warnings().stream().anyMatch(m -> m.contains("certificate")), warnings().toString());
  }

  @Test
  void aMissingRootCertificateIsNamedInTheLog() {
    Map<String, String> m = new LinkedHashMap<>(libpq(OpensslPki.Kind.RSA_PKCS8, "verify-full"));
    m.put("sslrootcert", tmp.resolve("no-such-ca.crt").toString());
    logs.list.clear();
    assertFalse(controller(superuser(m)).probe().running());
    assertTrue(
        warnings().stream().anyMatch(w -> w.contains("root certificate file")),
        warnings().toString());
  }

  @Test
  void aServerOfAnotherCaIsRefusedWithVerifyCa() throws Exception {
    OpensslPki other = new OpensslPki(tmp.resolve("other-pki"));
    Map<String, String> m = new LinkedHashMap<>(libpq(OpensslPki.Kind.EC_SEC1, "verify-ca"));
    m.put("sslrootcert", other.path("ca.crt"));
    logs.list.clear();
    assertFalse(controller(superuser(m)).probe().running());
    assertFalse(warnings().isEmpty());
  }

  @Test
  void theDsnHandedToLibpqToolsConnectsUnchanged() throws Exception {
    Path passfile = tmp.resolve("psql.pgpass");
    Files.writeString(
        passfile,
        "127.0.0.1:" + port + ":*:postgres:" + pgpassEscape(TestConfigs.SUPERUSER_PASSWORD) + "\n");
    Files.setPosixFilePermissions(passfile, PosixFilePermissions.fromString("rw-------"));
    for (OpensslPki.Kind kind : OpensslPki.Kind.values()) {
      Credentials creds =
          new Credentials("postgres", TestConfigs.SUPERUSER_PASSWORD, libpq(kind, "verify-full"));
      String dsn =
          ConnInfo.dsn(new HostPort("127.0.0.1", port), "postgres", creds, passfile, "node1");
      Process p =
          new ProcessBuilder(
                  TestConfigs.BIN_DIR + "/psql",
                  "-XAtq",
                  "-d",
                  dsn,
                  "-c",
                  "SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), kind + ": " + out);
      assertEquals("t|/CN=postgres", out, kind.toString());
    }
  }

  private static String pgpassEscape(String s) {
    return s.replace("\\", "\\\\").replace(":", "\\:");
  }

  private List<String> warnings() {
    return logs.list.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }
}
