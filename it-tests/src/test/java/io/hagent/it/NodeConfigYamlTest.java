package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The generated node config is Patroni YAML with the keys and types Patroni expects. */
class NodeConfigYamlTest {
  private final Credentials creds = Credentials.random();

  private NodeConfig config(ClusterSpec spec) {
    return new NodeConfig(
        "batman", "node2", Path.of("/tmp/it/node2"), 8009, 5433, "127.0.0.1:2379", spec, creds);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> m, String key) {
    Object v = m.get(key);
    assertTrue(v instanceof Map, key + " is not a mapping: " + v);
    return (Map<String, Object>) v;
  }

  @Test
  void rendersPatroniSections() {
    Map<String, Object> y = new Yaml().load(config(ClusterSpec.threeNodes()).yaml());
    assertEquals("batman", y.get("scope"));
    assertEquals("node2", y.get("name"));
    assertEquals("127.0.0.1:8009", map(y, "restapi").get("listen"));
    assertEquals(List.of("127.0.0.1:2379"), map(y, "etcd3").get("hosts"));

    Map<String, Object> dcs = map(map(y, "bootstrap"), "dcs");
    assertEquals(20, dcs.get("ttl"));
    assertEquals(2, dcs.get("loop_wait"));
    assertEquals(5, dcs.get("retry_timeout"));
    assertEquals(1048576, dcs.get("maximum_lag_on_failover"));
    Map<String, Object> dcsPg = map(dcs, "postgresql");
    assertEquals(true, dcsPg.get("use_pg_rewind"));
    assertEquals(true, dcsPg.get("use_slots"));
    Map<String, Object> params = map(dcsPg, "parameters");
    assertEquals("on", params.get("wal_log_hints"));
    assertFalse(params.containsKey("synchronous_standby_names"));
    assertEquals(
        List.of(Map.of("encoding", "UTF8"), "data-checksums"), map(y, "bootstrap").get("initdb"));

    Map<String, Object> pg = map(y, "postgresql");
    assertEquals("127.0.0.1:5433", pg.get("listen"));
    assertEquals("127.0.0.1:5433", pg.get("connect_address"));
    assertEquals("/tmp/it/node2/data", pg.get("data_dir"));
    assertEquals("/usr/lib/postgresql/15/bin", pg.get("bin_dir"));
    assertEquals("/tmp/it/node2/pgpass", pg.get("pgpass"));
    Map<String, Object> auth = map(pg, "authentication");
    assertEquals("postgres", map(auth, "superuser").get("username"));
    assertEquals(creds.superuserPassword(), map(auth, "superuser").get("password"));
    assertEquals("replicator", map(auth, "replication").get("username"));
    assertEquals(creds.rewindPassword(), map(auth, "rewind").get("password"));
    assertEquals("/tmp/it/node2", map(pg, "parameters").get("unix_socket_directories"));
    assertEquals(
        List.of(
            "local all all trust",
            "host replication replicator 127.0.0.1/32 scram-sha-256",
            "host all all 127.0.0.1/32 scram-sha-256"),
        pg.get("pg_hba"));
    assertEquals(false, map(y, "tags").get("nofailover"));
  }

  @Test
  void syncCommitOptionAddsSynchronousStandbyNames() {
    Map<String, Object> y =
        new Yaml().load(config(ClusterSpec.threeNodes().withSyncCommitToAnyStandby()).yaml());
    Map<String, Object> params =
        map(map(map(map(y, "bootstrap"), "dcs"), "postgresql"), "parameters");
    assertEquals("*", params.get("synchronous_standby_names"));
  }

  @Test
  void bootstrapDcsLinesLandInBootstrapDcsNextToTheTimings() {
    Map<String, Object> y =
        new Yaml()
            .load(
                config(
                        ClusterSpec.threeNodes()
                            .withHaproxy()
                            .withBootstrapDcs(
                                """
                                synchronous_mode: true
                                synchronous_mode_strict: true
                                synchronous_node_count: 1
                                """))
                    .yaml());
    Map<String, Object> dcs = map(map(y, "bootstrap"), "dcs");
    assertEquals(true, dcs.get("synchronous_mode"));
    assertEquals(true, dcs.get("synchronous_mode_strict"));
    assertEquals(1, dcs.get("synchronous_node_count"));
    assertEquals(20, dcs.get("ttl"));
    assertEquals(true, map(dcs, "postgresql").get("use_pg_rewind"));
    // the other with...() copies keep the lines
    assertEquals(
        "synchronous_mode: quorum",
        ClusterSpec.threeNodes()
            .withBootstrapDcs("synchronous_mode: quorum")
            .withNodes(2)
            .withSyncCommitToAnyStandby()
            .bootstrapDcsYaml());
  }

  @Test
  void restApiSecurityRendersAuthenticationAndTlsUnderRestapi() {
    RestApiSecurity auth = RestApiSecurity.basicAuth();
    Map<String, Object> y =
        new Yaml().load(config(ClusterSpec.threeNodes().withRestApi(auth)).yaml());
    Map<String, Object> restapi = map(y, "restapi");
    assertEquals("127.0.0.1:8009", restapi.get("listen"));
    assertEquals("admin", map(restapi, "authentication").get("username"));
    assertEquals(auth.password(), map(restapi, "authentication").get("password"));
    assertFalse(auth.toString().contains(auth.password()));

    TestCertificates certs =
        new TestCertificates(
            Path.of("/c/ca.crt"),
            Path.of("/c/server.crt"),
            Path.of("/c/server.key"),
            Path.of("/c/client.crt"),
            Path.of("/c/client.key"),
            Path.of("/c/client.p12"));
    Map<String, Object> tls =
        map(
            new Yaml()
                .load(
                    config(
                            ClusterSpec.threeNodes()
                                .withRestApi(RestApiSecurity.tls(certs, "required")))
                        .yaml()),
            "restapi");
    assertEquals("/c/server.crt", tls.get("certfile"));
    assertEquals("/c/server.key", tls.get("keyfile"));
    assertEquals("/c/ca.crt", tls.get("cafile"));
    assertEquals("required", tls.get("verify_client"));
    assertFalse(tls.containsKey("authentication"));
    assertFalse(map(y, "etcd3").isEmpty());
  }

  @Test
  void credentialsNeverPrintThemselves() {
    assertFalse(creds.toString().contains(creds.superuserPassword()));
  }
}
