package io.hagent.agent.postgres;

import io.hagent.common.config.BootstrapConfig;
import io.hagent.common.config.Credentials;
import io.hagent.common.config.HagentConfig;
import io.hagent.common.config.PostgresqlConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Builds configuration records directly (the YAML loader is not needed for these tests). */
final class TestConfigs {
  static final String BIN_DIR = "/usr/lib/postgresql/15/bin";
  static final String SUPERUSER_PASSWORD = "Sup3r:s3cret'pw\\x";
  static final String REPLICATION_PASSWORD = "R3pl-pa55word";
  static final List<String> HBA =
      List.of(
          "local all all trust",
          "host all all 127.0.0.1/32 scram-sha-256",
          "host replication all 127.0.0.1/32 scram-sha-256");

  private TestConfigs() {}

  static HagentConfig node(
      String name,
      Path dataDir,
      int port,
      Path pgpass,
      Map<String, Object> localParameters,
      String postBootstrap) {
    return node(
        name,
        dataDir,
        port,
        pgpass,
        localParameters,
        postBootstrap,
        new Credentials("postgres", SUPERUSER_PASSWORD, Map.of()));
  }

  /** The same with other superuser credentials (a wrong password, an sslmode). */
  static HagentConfig node(
      String name,
      Path dataDir,
      int port,
      Path pgpass,
      Map<String, Object> localParameters,
      String postBootstrap,
      Credentials superuser) {
    PostgresqlConfig pg =
        new PostgresqlConfig(
            "127.0.0.1",
            port,
            "127.0.0.1:" + port,
            null,
            dataDir.toString(),
            null,
            BIN_DIR,
            Map.of(),
            pgpass.toString(),
            "postgres",
            superuser,
            new Credentials("replicator", REPLICATION_PASSWORD, Map.of()),
            null,
            localParameters,
            null,
            Map.of(),
            List.of("basebackup"),
            List.of(),
            null,
            false,
            false,
            Map.of(),
            60,
            false,
            null,
            null);
    BootstrapConfig bootstrap =
        new BootstrapConfig(
            Map.of(), List.of("--encoding=UTF8", "--data-checksums"), HBA, Map.of(), postBootstrap);
    return new HagentConfig(
        "testscope",
        "/service",
        name,
        null,
        null,
        null,
        bootstrap,
        pg,
        Map.of(),
        null,
        null,
        Map.of());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
