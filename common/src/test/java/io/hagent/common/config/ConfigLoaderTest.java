package io.hagent.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {

  @TempDir Path tmp;

  /** The smallest valid config; tests add or break one thing at a time. */
  static final String MINIMAL =
      """
      name: pg1
      scope: batman
      restapi:
        listen: 10.0.0.1:8008
      etcd3:
        hosts: 10.0.0.5:2379
      postgresql:
        listen: 10.0.0.1:5432
        data_dir: /var/lib/pg/data
        authentication:
          superuser:
            username: postgres
            password: s3cret-super
          replication:
            username: replicator
            password: s3cret-repl
      """;

  private static final Map<String, String> HOME = Map.of("HOME", "/home/hagent");

  private static Path seed(String name) throws URISyntaxException {
    return Path.of(ConfigLoaderTest.class.getResource("/seed-configs/" + name).toURI());
  }

  private Path write(String name, String yaml) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, yaml);
    return p;
  }

  private HagentConfig load(String yaml) throws Exception {
    return ConfigLoader.load(write("patroni.yml", yaml), HOME);
  }

  private List<String> problems(String yaml, Map<String, String> env) throws IOException {
    return ConfigLoader.validate(write("patroni.yml", yaml), env);
  }

  // ---- real users' configs ----

  @Test
  void seedNode1LoadsUnchanged() throws Exception {
    HagentConfig c = ConfigLoader.load(seed("seed-000-node-1.yml"), HOME);
    assertEquals("postgres", c.scope());
    assertEquals("/db/", c.namespace());
    assertEquals("node-1", c.name());
    assertEquals("/db/postgres/leader", c.keys().leader());
    assertEquals(
        List.of("http://10.131.0.7:2379", "http://10.131.0.8:2379", "http://10.131.0.23:2379"),
        c.etcd().endpoints());
    assertEquals("http://10.131.0.37:8008/patroni", c.restapi().apiUrl());
    assertEquals(List.of("--encoding=UTF8", "--data-checksums"), c.bootstrap().initdbArgs());
    assertEquals(6, c.bootstrap().pgHba().size());
    assertEquals("host all all 0.0.0.0/0 md5", c.bootstrap().pgHba().get(5));
    assertTrue(c.bootstrap().users().containsKey("admin"));
    assertEquals(30, DynamicConfig.from(c.bootstrap().dcs()).ttl());
    assertTrue(DynamicConfig.from(c.bootstrap().dcs()).usePgRewind());
    PostgresqlConfig pg = c.postgresql();
    assertEquals("10.131.0.37", pg.listenAddresses());
    assertEquals(5432, pg.port());
    assertEquals("/mnt/patroni", pg.dataDir());
    assertEquals("postgres", pg.superuser().username());
    assertEquals("postgres%9", pg.superuser().password());
    assertEquals("replicator", pg.replication().username());
    assertEquals(pg.superuser(), pg.rewind());
    assertEquals(Map.of("unix_socket_directories", "."), pg.parameters());
    assertEquals("/home/hagent/pgpass", pg.pgpass());
    assertEquals(Boolean.FALSE, c.tags().get("nofailover"));
    assertFalse(c.tagView().nofailover());
    assertEquals(4, c.tags().size());
  }

  @Test
  void seedNode1WithSingleHostLoadsUnchanged() throws Exception {
    HagentConfig c = ConfigLoader.load(seed("seed-004-node1.yml"), HOME);
    assertEquals("/db/", c.namespace());
    assertEquals(List.of("http://192.168.144.129:2379"), c.etcd().endpoints());
    assertEquals(List.of("--encoding=UTF8", "--data-checksums"), c.bootstrap().initdbArgs());
    assertEquals(5, c.bootstrap().pgHba().size());
    assertTrue(c.bootstrap().users().containsKey("admin"));
    assertEquals("/tmp/pgpass", c.postgresql().pgpass());
    assertEquals("/data/patroni", c.postgresql().dataDir());
    assertEquals(Map.of(), DynamicConfig.from(c.bootstrap().dcs()).parameters());
    assertEquals(4, c.tags().size());
  }

  @Test
  void zookeeperSeedLoadsWithZooKeeperAsTheStore() throws Exception {
    HagentConfig c = ConfigLoader.load(seed("seed-003-postgres0-zookeeper.yml"), HOME);
    assertNull(c.etcd());
    assertEquals(List.of("zoo:2181"), c.zookeeper().hosts());
    assertFalse(c.zookeeper().useSsl());
    assertTrue(c.zookeeper().verify());
  }

  @Test
  void zookeeperSectionAsPatroniReadsIt() throws Exception {
    String yaml =
        MINIMAL.replace(
            "etcd3:\n  hosts: 10.0.0.5:2379",
            """
            zookeeper:
              hosts: z1:2181, z2
              use_ssl: true
              cacert: /etc/zk/ca.pem
              cert: /etc/zk/client.pem
              key: /etc/zk/client.key
              key_password: secret
              verify: false
              set_acls:
                CN=admin: [ALL]
                CN=reader: [READ, create]
              auth_data:
                digest: user:pw""");
    HagentConfig c = ConfigLoader.load(write("patroni.yml", yaml), HOME);
    ZooKeeperConfig z = c.zookeeper();
    assertEquals(List.of("z1:2181", "z2:2181"), z.hosts());
    assertEquals("z1:2181,z2:2181", z.connectString());
    assertTrue(z.useSsl());
    assertFalse(z.verify());
    assertEquals("/etc/zk/ca.pem", z.cacert());
    assertEquals("secret", z.keyPassword());
    assertEquals(List.of("READ", "CREATE"), z.setAcls().get("CN=reader"));
    assertEquals(Map.of("digest", "user:pw"), z.authData());
    assertFalse(z.toString().contains("secret"));
  }

  @Test
  void zookeeperKeysThatDoLessThanInPatroniWarn() throws Exception {
    String tlsNoVerify =
        MINIMAL.replace(
            "etcd3:\n  hosts: 10.0.0.5:2379",
            "zookeeper:\n  hosts: z1\n  use_ssl: true\n  cacert: /ca.pem\n  verify: false");
    List<String> w =
        ConfigLoader.loadWithWarnings(write("patroni.yml", tlsNoVerify), HOME).warnings();
    assertEquals(1, w.size(), w.toString());
    assertTrue(w.get(0).contains("zookeeper.verify: false has no effect"), w.get(0));

    String plain =
        MINIMAL.replace(
            "etcd3:\n  hosts: 10.0.0.5:2379",
            "zookeeper:\n  hosts: z1\n  cert: /c.pem\n  key_password: pw\n  set_acls:\n"
                + "    CN=x: [ALL]");
    w = ConfigLoader.loadWithWarnings(write("patroni.yml", plain), HOME).warnings();
    assertEquals(3, w.size(), w.toString());
    assertTrue(w.stream().anyMatch(s -> s.contains("zookeeper.cert: has no effect")), w.toString());
    assertTrue(
        w.stream().anyMatch(s -> s.contains("zookeeper.key_password: has no effect")),
        w.toString());
    assertTrue(w.stream().anyMatch(s -> s.contains("zookeeper.set_acls: x509")), w.toString());
    assertFalse(w.toString().contains(": pw"), w.toString());
  }

  @Test
  void zookeeperFromTheEnvironment() throws Exception {
    String yaml = MINIMAL.replace("etcd3:\n  hosts: 10.0.0.5:2379\n", "");
    Map<String, String> env =
        Map.of(
            "HOME", "/home/hagent",
            "PATRONI_ZOOKEEPER_HOSTS", "'z1:2181','z2:2182'",
            "PATRONI_ZOOKEEPER_USE_SSL", "false",
            "PATRONI_ZOOKEEPER_SET_ACLS", "{'digest:u:h': [ALL], 'ip:10.0.0.0/8': [READ]}",
            "PATRONI_ZOOKEEPER_AUTH_DATA", "digest: 'u:p'");
    HagentConfig c = ConfigLoader.load(write("patroni.yml", yaml), env);
    assertEquals(List.of("z1:2181", "z2:2182"), c.zookeeper().hosts());
    assertEquals(
        Map.of("digest:u:h", List.of("ALL"), "ip:10.0.0.0/8", List.of("READ")),
        c.zookeeper().setAcls());
    assertEquals(Map.of("digest", "u:p"), c.zookeeper().authData());
  }

  @Test
  void etcdAndZookeeperTogetherIsAnErrorNamingBoth() throws Exception {
    List<String> p = problems(MINIMAL + "zookeeper:\n  hosts: [z1:2181]\n", HOME);
    assertEquals(1, p.size(), p.toString());
    assertTrue(p.get(0).contains("etcd3:") && p.get(0).contains("zookeeper:"), p.get(0));
  }

  @Test
  void zookeeperProblemsAreReportedByPath() throws Exception {
    String yaml =
        MINIMAL.replace(
            "etcd3:\n  hosts: 10.0.0.5:2379",
            "zookeeper:\n  hosts: [z1:2181, 'bad host']\n  set_acls:\n    CN=x: [FLY]\n  port: 1");
    List<String> p = problems(yaml, HOME);
    assertEquals(3, p.size(), p.toString());
    assertTrue(p.stream().anyMatch(s -> s.startsWith("zookeeper.hosts.1:")), p.toString());
    assertTrue(p.stream().anyMatch(s -> s.startsWith("zookeeper.set_acls.CN=x:")), p.toString());
    assertTrue(p.stream().anyMatch(s -> s.startsWith("zookeeper.port")), p.toString());
  }

  @ParameterizedTest
  @MethodSource("otherDcs")
  void otherDcsTypesAreRefused(String section, String display) throws Exception {
    String yaml = MINIMAL.replace("etcd3:\n  hosts: 10.0.0.5:2379", section + ":\n  hosts: h:1");
    assertEquals(
        List.of(
            section
                + ": "
                + display
                + " is not supported yet (hagent supports etcd v3 through the etcd: or etcd3:"
                + " section, and ZooKeeper through zookeeper:)"),
        problems(yaml, HOME));
  }

  static Stream<Arguments> otherDcs() {
    return Stream.of(
        Arguments.of("consul", "Consul"),
        Arguments.of("kubernetes", "Kubernetes"),
        Arguments.of("raft", "Raft"),
        Arguments.of("exhibitor", "Exhibitor"));
  }

  @Test
  void noDcsSectionIsAClearError() throws Exception {
    List<String> p = problems(MINIMAL.replace("etcd3:\n  hosts: 10.0.0.5:2379\n", ""), HOME);
    assertEquals(1, p.size());
    assertTrue(p.get(0).startsWith("etcd3: required"), p.get(0));
  }

  // ---- defaults ----

  @Test
  void patroniDefaultsAreApplied() throws Exception {
    HagentConfig c = load(MINIMAL);
    assertEquals("/service", c.namespace());
    assertEquals("10.0.0.1:8008", c.restapi().connectAddress());
    assertEquals("http://10.0.0.1:8008/patroni", c.restapi().apiUrl());
    assertEquals(List.of(), c.restapi().allowlist());
    PostgresqlConfig pg = c.postgresql();
    assertEquals("10.0.0.1:5432", pg.connectAddress());
    assertEquals("/var/lib/pg/data", pg.configDir());
    assertNull(pg.binDir());
    assertEquals("pg_ctl", pg.binary("pg_ctl"));
    assertEquals("postgres", pg.database());
    assertEquals(60, pg.pgCtlTimeout());
    assertEquals("/home/hagent/pgpass", pg.pgpass());
    assertEquals(List.of("basebackup"), pg.createReplicaMethods());
    assertEquals("postgres", pg.rewind().username());
    assertNull(pg.usePgRewind());
    assertNull(pg.pgHba());
    LogConfig log = c.log();
    assertEquals("plain", log.type());
    assertEquals("INFO", log.level());
    assertEquals("%(asctime)s %(levelname)s: %(message)s", log.format());
    assertEquals(4, log.fileNum());
    assertEquals(25_000_000L, log.fileSize());
    assertNull(log.dir());
    assertEquals(new WatchdogConfig("automatic", "/dev/watchdog", 5), c.watchdog());
    assertEquals(Map.of(), c.tags());
    assertEquals(List.of(), c.bootstrap().initdbArgs());
    assertEquals("http", c.etcd().protocol());
  }

  @Test
  void yaml11BooleansAndWatchdogOff() throws Exception {
    HagentConfig c =
        load(
            MINIMAL
                + """
                  use_pg_rewind: yes
                  remove_data_directory_on_rewind_failure: on
                watchdog:
                  mode: off
                ctl:
                  insecure: yes
                """);
    assertEquals(Boolean.TRUE, c.postgresql().usePgRewind());
    assertTrue(c.postgresql().removeDataDirectoryOnRewindFailure());
    assertEquals("off", c.watchdog().mode());
    assertTrue(c.ctl().insecure());
  }

  @ParameterizedTest
  @CsvSource({
    "require, required",
    "required, required",
    "Auto, automatic",
    "automatic, automatic",
    "disable, off",
    "disabled, off",
    "off, off",
    "false, off"
  })
  void watchdogModeAcceptsPatronisSpellings(String written, String mode) throws Exception {
    HagentConfig c = load(MINIMAL + "watchdog:\n  mode: " + written + "\n  safety_margin: -1\n");
    assertEquals(mode, c.watchdog().mode());
    assertEquals(15, c.watchdog().timeoutFor(30), "safety_margin -1 means ttl/2");
  }

  @Test
  void watchdogDriverIsPatronisKeyWithHagentsFenceAsOneMoreValue() throws Exception {
    assertEquals("default", load(MINIMAL).watchdog().driver());
    String fence = MINIMAL + "watchdog:\n  mode: required\n  driver: fence\n";
    var loaded = ConfigLoader.loadWithWarnings(write("patroni.yml", fence), HOME);
    assertEquals(
        new WatchdogConfig("required", "/dev/watchdog", 5, "fence"), loaded.config().watchdog());
    assertEquals(List.of(), loaded.warnings());
    assertEquals(
        "default",
        load(MINIMAL + "watchdog:\n  driver: default\n  device: /dev/watchdog1\n")
            .watchdog()
            .driver());
  }

  @Test
  void watchdogDriversHagentDoesNotHaveAndDriverOptionsWarn() throws Exception {
    // Patroni hands unknown keys to its driver and runs an unknown driver without a device
    String yaml = MINIMAL + "watchdog:\n  mode: automatic\n  driver: testing\n  interval: 3\n";
    var loaded = ConfigLoader.loadWithWarnings(write("patroni.yml", yaml), HOME);
    assertEquals("none", loaded.config().watchdog().driver());
    List<String> w = loaded.warnings();
    assertEquals(2, w.size(), w.toString());
    assertTrue(
        w.stream().anyMatch(s -> s.contains("watchdog.driver: 'testing' is Patroni's test")),
        w.toString());
    assertTrue(
        w.stream().anyMatch(s -> s.contains("watchdog.interval: is not used")), w.toString());

    yaml = MINIMAL + "watchdog:\n  driver: ipmi\n";
    loaded = ConfigLoader.loadWithWarnings(write("patroni.yml", yaml), HOME);
    assertEquals("none", loaded.config().watchdog().driver());
    assertTrue(
        loaded.warnings().get(0).contains("unknown driver 'ipmi'"), loaded.warnings().toString());
  }

  @Test
  void watchdogTimeoutIsTtlMinusSafetyMargin() throws Exception {
    assertEquals(25, load(MINIMAL).watchdog().timeoutFor(30));
  }

  // ---- sections ----

  @Test
  void postgresqlListenWithSeveralAddressesAndCommandLineGucsDropped() throws Exception {
    HagentConfig c =
        load(
            MINIMAL.replace("listen: 10.0.0.1:5432", "listen: 10.0.0.1,127.0.0.1:5433")
                + """
                  parameters:
                    max_connections: 500
                    wal_level: logical
                    wal_keep_segments: 64
                    port: 6000
                    work_mem: 8MB
                  bin_dir: /usr/lib/postgresql/15/bin
                  bin_name:
                    pg_ctl: pg_ctl15
                  basebackup:
                    - verbose
                    - max-rate: 100M
                  create_replica_methods: [pgbackrest, basebackup]
                  pgbackrest:
                    command: /usr/bin/pgbackrest restore
                    keep_data: true
                  callbacks:
                    on_role_change: /bin/cb.sh
                  recovery_conf:
                    restore_command: cp /a/%f %p
                """);
    PostgresqlConfig pg = c.postgresql();
    assertEquals("10.0.0.1,127.0.0.1", pg.listenAddresses());
    assertEquals(5433, pg.port());
    assertEquals("10.0.0.1:5433", pg.connectAddress());
    assertEquals(Map.of("work_mem", "8MB"), pg.parameters());
    assertEquals("/usr/lib/postgresql/15/bin/pg_ctl15", pg.binary("pg_ctl"));
    assertEquals(List.of("--verbose", "--max-rate=100M"), pg.basebackupArgs());
    assertEquals(List.of("pgbackrest", "basebackup"), pg.createReplicaMethods());
    assertEquals(Map.of("on_role_change", "/bin/cb.sh"), pg.callbacks());
    assertEquals("cp /a/%f %p", pg.recoveryConf().get("restore_command"));
  }

  @Test
  void initdbDictFormAndBootstrapExtras() throws Exception {
    HagentConfig c =
        load(
            MINIMAL
                + """
                bootstrap:
                  dcs:
                    master_start_timeout: 0
                    postgresql:
                      parameters:
                        wal_keep_segments: 8
                  initdb:
                    encoding: UTF8
                    locale: C.UTF-8
                    data-checksums: null
                  post_init: /usr/local/bin/setup.sh
                  method: clone
                  clone:
                    command: /bin/clone.sh
                    keep_existing_recovery_conf: true
                """);
    assertEquals(
        List.of("--encoding=UTF8", "--locale=C.UTF-8", "--data-checksums"),
        c.bootstrap().initdbArgs());
    assertEquals("/usr/local/bin/setup.sh", c.bootstrap().postBootstrap());
    assertEquals(0, DynamicConfig.from(c.bootstrap().dcs()).primaryStartTimeout());
  }

  @Test
  void etcdEndpointForms() throws Exception {
    record Case(String section, List<String> expected) {}
    List<Case> cases =
        List.of(
            new Case("etcd:\n  host: e1", List.of("http://e1:2379")),
            new Case("etcd3:\n  host: e1:2380", List.of("http://e1:2380")),
            new Case(
                "etcd3:\n  hosts: [e1:1, 'e2:2']\n  protocol: https",
                List.of("https://e1:1", "https://e2:2")),
            new Case("etcd3:\n  hosts: e1:1, e2\n", List.of("http://e1:1", "http://e2:2379")),
            new Case("etcd3:\n  url: https://e1:2379/", List.of("https://e1:2379")),
            new Case("etcd3:\n  proxy: http://proxy:2379", List.of("http://proxy:2379")),
            new Case("etcd3:\n  hosts: '[::1]:2379'", List.of("http://[::1]:2379")));
    for (Case k : cases) {
      HagentConfig c = load(MINIMAL.replace("etcd3:\n  hosts: 10.0.0.5:2379", k.section()));
      assertEquals(k.expected(), c.etcd().endpoints(), k.section());
    }
  }

  @Test
  void etcdCredentialsAndTls() throws Exception {
    HagentConfig c =
        load(
            MINIMAL.replace(
                "hosts: 10.0.0.5:2379",
                "hosts: 10.0.0.5:2379\n  username: root\n  password: etcdpw\n"
                    + "  cacert: /ca.pem\n  cert: /c.pem\n  key: /k.pem\n  protocol: https"));
    EtcdConfig e = c.etcd();
    assertEquals(
        new EtcdConfig(
            List.of("https://10.0.0.5:2379"),
            "https",
            "root",
            "etcdpw",
            "/ca.pem",
            "/c.pem",
            "/k.pem"),
        e);
  }

  @Test
  void restapiAndCtlSections() throws Exception {
    HagentConfig c =
        load(
            MINIMAL.replace(
                    "listen: 10.0.0.1:8008",
                    """
                    listen: 0.0.0.0:8008
                      connect_address: pg1.example:8008
                      authentication:
                        username: admin
                        password: apipw
                      certfile: /etc/ssl/api.pem
                      verify_client: optional
                      allowlist: [10.0.0.0/8, 127.0.0.1]
                      allowlist_include_members: true
                      http_extra_headers:
                        X-Frame-Options: SAMEORIGIN
                    """)
                + """
                ctl:
                  authentication:
                    username: ctl
                    password: ctlpw
                  cacert: /ca.pem
                """);
    RestApiConfig r = c.restapi();
    assertEquals("https://pg1.example:8008/patroni", r.apiUrl());
    assertEquals("admin", r.username());
    assertEquals("apipw", r.password());
    assertEquals("optional", r.verifyClient());
    assertEquals(List.of("10.0.0.0/8", "127.0.0.1"), r.allowlist());
    assertTrue(r.allowlistIncludeMembers());
    assertEquals(Map.of("X-Frame-Options", "SAMEORIGIN"), r.httpExtraHeaders());
    assertEquals("ctl", c.ctl().username());
    assertEquals("/ca.pem", c.ctl().cacert());
  }

  @Test
  void keysPatroniAcceptsDoNotBreakLoading() throws Exception {
    HagentConfig c =
        load(
            MINIMAL
                + """
                  use_slots: true
                  pg_ident: [a b c]
                  config_base_name: postgresql
                  use_unix_socket_repl: true
                  custom_conf: /etc/pg/custom.conf
                  parameters_replica: {hot_standby_feedback: on}
                recovery_conf:
                  restore_command: cp x y
                master_start_timeout: 10
                synchronous_mode: true
                thread_pool_size: 5
                log:
                  level: DEBUG
                  traceback_level: DEBUG
                  dir: /var/log/hagent
                  loggers:
                    patroni.postmaster: WARNING
                  deduplicate_heartbeat_logs: true
                tags:
                  failover_priority: 3
                  datacenter: dc1
                """);
    assertEquals("DEBUG", c.log().level());
    assertEquals(Map.of("patroni.postmaster", "WARNING"), c.log().loggers());
    assertEquals("dc1", c.tags().get("datacenter"));
    assertEquals(3, c.tagView().failoverPriority());
    assertEquals(Boolean.TRUE, c.raw().get("synchronous_mode"));
  }

  // ---- sources ----

  @Test
  void directoryIsMergedAlphabetically() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("conf.d"));
    Files.writeString(dir.resolve("10-base.yml"), MINIMAL);
    Files.writeString(
        dir.resolve("20-node.yaml"),
        "name: pg2\npostgresql:\n  data_dir: /data2\n  parameters:\n    work_mem: 4MB\n");
    Files.writeString(dir.resolve("30-ignored.txt"), "name: nope\n");
    HagentConfig c = ConfigLoader.load(dir, HOME);
    assertEquals("pg2", c.name());
    assertEquals("/data2", c.postgresql().dataDir());
    assertEquals("10.0.0.1", c.postgresql().listenAddresses());
    assertEquals("postgres", c.postgresql().superuser().username());
    assertEquals(Map.of("work_mem", "4MB"), c.postgresql().parameters());
  }

  @Test
  void environmentOverridesTheFile() throws Exception {
    Path f = seed("seed-000-node-1.yml");
    HagentConfig c =
        ConfigLoader.load(
            f,
            Map.of(
                "HOME", "/root",
                "PATRONI_NAME", "node-9",
                "PATRONI_ETCD3_HOSTS", "e1:2379,e2:2379",
                "PATRONI_RESTAPI_LISTEN", "0.0.0.0:8009",
                "PATRONI_POSTGRESQL_DATA_DIR", "/srv/pg",
                "PATRONI_SUPERUSER_PASSWORD", "from-env",
                "PATRONI_REPLICATION_SSLMODE", "verify-full",
                "PATRONI_POSTGRESQL_BIN_PG_CTL", "pg_ctl.sh",
                "PATRONI_LOG_LEVEL", "WARNING",
                "PATRONI_RESTAPI_ALLOWLIST", "[10.0.0.1, 10.0.0.2]"));
    assertEquals("node-9", c.name());
    assertEquals(List.of("http://e1:2379", "http://e2:2379"), c.etcd().endpoints());
    assertEquals("0.0.0.0:8009", c.restapi().listen());
    assertEquals("10.131.0.37:8008", c.restapi().connectAddress());
    assertEquals("/srv/pg", c.postgresql().dataDir());
    assertEquals("from-env", c.postgresql().superuser().password());
    assertEquals("postgres", c.postgresql().superuser().username());
    assertEquals(Map.of("sslmode", "verify-full"), c.postgresql().replication().libpq());
    assertEquals("pg_ctl.sh", c.postgresql().binary("pg_ctl"));
    assertEquals("WARNING", c.log().level());
    assertEquals(List.of("10.0.0.1", "10.0.0.2"), c.restapi().allowlist());
  }

  @Test
  void environmentOnlyAndPatroniConfiguration() throws Exception {
    Map<String, String> env =
        Map.ofEntries(
            Map.entry("PATRONI_NAME", "e1"),
            Map.entry("PATRONI_SCOPE", "s"),
            Map.entry("PATRONI_NAMESPACE", "/ns"),
            Map.entry("PATRONI_RESTAPI_LISTEN", "127.0.0.1:8008"),
            Map.entry("PATRONI_RESTAPI_USERNAME", "u"),
            Map.entry("PATRONI_RESTAPI_PASSWORD", "p"),
            Map.entry("PATRONI_ETCD_HOST", "127.0.0.1:2379"),
            Map.entry("PATRONI_POSTGRESQL_LISTEN", "*:5432"),
            Map.entry("PATRONI_POSTGRESQL_DATA_DIR", "/d"),
            Map.entry("PATRONI_POSTGRESQL_PGPASS", "~/.pgpass_x"),
            Map.entry("PATRONI_SUPERUSER_USERNAME", "postgres"),
            Map.entry("PATRONI_REPLICATION_USERNAME", "rep"),
            Map.entry("PATRONI_REWIND_USERNAME", "rew"),
            Map.entry("PATRONI_RESTAPI_ALLOWLIST_INCLUDE_MEMBERS", "on"),
            Map.entry("HOME", "/var/lib/postgresql"));
    HagentConfig c = ConfigLoader.load(null, env);
    assertEquals("e1", c.name());
    assertEquals("/ns", c.namespace());
    assertEquals("u", c.restapi().username());
    assertTrue(c.restapi().allowlistIncludeMembers());
    assertEquals(List.of("http://127.0.0.1:2379"), c.etcd().endpoints());
    assertEquals("*", c.postgresql().listenAddresses());
    assertEquals("127.0.0.1", c.postgresql().localHost());
    assertEquals("rew", c.postgresql().rewind().username());
    assertEquals("/var/lib/postgresql/.pgpass_x", c.postgresql().pgpass());

    // PATRONI_CONFIGURATION replaces the file; Patroni then ignores the other variables.
    HagentConfig fromVar =
        ConfigLoader.load(null, Map.of("PATRONI_CONFIGURATION", MINIMAL, "PATRONI_NAME", "x"));
    assertEquals("pg1", fromVar.name());
  }

  // ---- validation ----

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void invalidConfigsNameThePath(String what, String from, String to, String expected)
      throws Exception {
    String yaml = MINIMAL.replace(from, to);
    assertTrue(!yaml.equals(MINIMAL) || from.isEmpty(), "test replaced nothing: " + what);
    List<String> p = problems(yaml, HOME);
    assertTrue(p.contains(expected), what + ": " + p);
    assertTrue(p.stream().noneMatch(s -> s.contains("invalid YAML")), what + ": " + p);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("no name", "name: pg1\n", "", "name: required"),
        Arguments.of("no scope", "scope: batman\n", "", "scope: required"),
        Arguments.of("no restapi.listen", "listen: 10.0.0.1:8008", "", "restapi.listen: required"),
        Arguments.of(
            "bad restapi.listen",
            "listen: 10.0.0.1:8008",
            "listen: 10.0.0.1",
            "restapi.listen: expected host:port, got '10.0.0.1'"),
        Arguments.of(
            "typo in restapi",
            "listen: 10.0.0.1:8008",
            "lisen: 10.0.0.1:8008",
            "restapi.lisen: unknown key"),
        Arguments.of(
            "no postgresql.listen", "listen: 10.0.0.1:5432", "", "postgresql.listen: required"),
        Arguments.of(
            "bad postgresql.listen",
            "listen: 10.0.0.1:5432",
            "listen: 10.0.0.1:abc",
            "postgresql.listen: expected addr[,addr]:port, got '10.0.0.1:abc'"),
        Arguments.of(
            "no data_dir", "  data_dir: /var/lib/pg/data\n", "", "postgresql.data_dir: required"),
        Arguments.of(
            "no superuser username",
            "      username: postgres\n",
            "",
            "postgresql.authentication.superuser.username: required"),
        Arguments.of(
            "no replication",
            "    replication:\n      username: replicator\n      password: s3cret-repl\n",
            "",
            "postgresql.authentication.replication.username: required"),
        Arguments.of(
            "unknown auth key",
            "username: replicator",
            "username: replicator\n      sslmod: require",
            "postgresql.authentication.replication.sslmod: unknown key"),
        Arguments.of(
            "unknown top-level",
            "scope: batman\n",
            "scope: batman\nscopes: x\n",
            "scopes: unknown key"),
        Arguments.of(
            "bad ttl",
            "scope: batman\n",
            "scope: batman\nbootstrap:\n  dcs:\n    ttl: abc\n",
            "bootstrap.dcs.ttl: expected an integer, got 'abc'"),
        Arguments.of(
            "forbidden initdb option",
            "scope: batman\n",
            "scope: batman\nbootstrap:\n  initdb:\n  - pgdata: /x\n",
            "bootstrap.initdb.0: option 'pgdata' is not allowed (hagent sets it itself)"),
        Arguments.of(
            "forbidden initdb dict option",
            "scope: batman\n",
            "scope: batman\nbootstrap:\n  initdb:\n    nosync: true\n",
            "bootstrap.initdb.nosync: option 'nosync' is not allowed (hagent sets it itself)"),
        Arguments.of(
            "unknown bootstrap key",
            "scope: batman\n",
            "scope: batman\nbootstrap:\n  initd: []\n",
            "bootstrap.initd: unknown key"),
        Arguments.of(
            "forbidden basebackup option",
            "data_dir: /var/lib/pg/data\n",
            "data_dir: /var/lib/pg/data\n  basebackup: [{wal-method: fetch}]\n",
            "postgresql.basebackup.0: option 'wal-method' is not allowed (hagent sets it itself)"),
        Arguments.of(
            "bad pg_ctl_timeout",
            "data_dir: /var/lib/pg/data\n",
            "data_dir: /var/lib/pg/data\n  pg_ctl_timeout: soon\n",
            "postgresql.pg_ctl_timeout: expected an integer, got 'soon'"),
        Arguments.of(
            "bad etcd host",
            "hosts: 10.0.0.5:2379",
            "host: e1:notaport",
            "etcd3.host: expected host:port, got 'e1:notaport'"),
        Arguments.of(
            "etcd srv",
            "hosts: 10.0.0.5:2379",
            "srv: example.com",
            "etcd3.srv: DNS SRV discovery is not supported yet (use host, hosts, url or proxy)"),
        Arguments.of(
            "etcd typo",
            "hosts: 10.0.0.5:2379",
            "hosts: 10.0.0.5:2379\n  hostz: x",
            "etcd3.hostz: unknown key"),
        Arguments.of(
            "watchdog mode",
            "scope: batman\n",
            "scope: batman\nwatchdog:\n  mode: sometimes\n",
            "watchdog.mode: expected off, automatic or required, got 'sometimes'"),
        Arguments.of(
            "log level",
            "scope: batman\n",
            "scope: batman\nlog:\n  level: LOUD\n",
            "log.level: expected a log level (DEBUG, INFO, WARNING, ERROR, CRITICAL)"),
        Arguments.of(
            "section not a mapping",
            "scope: batman\n",
            "scope: batman\ntags: [a, b]\n",
            "tags: expected a mapping, got '[a, b]'"),
        Arguments.of(
            "reserved name",
            "name: pg1",
            "name: __patroni_strict_sync_replica_placeholder__",
            "name: '__patroni_strict_sync_replica_placeholder__' is reserved"),
        Arguments.of(
            "citus",
            "scope: batman\n",
            "scope: batman\ncitus:\n  group: 0\n",
            "citus: Citus is not supported yet"));
  }

  @Test
  void severalProblemsAreReportedTogether() throws Exception {
    String yaml =
        MINIMAL
                .replace("name: pg1\n", "")
                .replace("listen: 10.0.0.1:8008", "listen: nonsense")
                .replace("  data_dir: /var/lib/pg/data\n", "")
            + "bootstrap:\n  dcs:\n    loop_wait: often\n";
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(write("p.yml", yaml), HOME));
    assertEquals(
        List.of(
            "name: required",
            "restapi.listen: expected host:port, got 'nonsense'",
            "bootstrap.dcs.loop_wait: expected an integer, got 'often'",
            "postgresql.data_dir: required"),
        e.problems());
    assertEquals(String.join("\n", e.problems()), e.getMessage());
  }

  @Test
  void passwordsNeverAppearInProblems() throws Exception {
    String yaml =
        MINIMAL
            .replace("password: s3cret-super", "password: [s3cret-super]")
            .replace("hosts: 10.0.0.5:2379", "hosts: 10.0.0.5:2379\n  password: {x: s3cret-etcd}")
            .replace("name: pg1", "name: pg1\nbootstrap:\n  initdb:\n  - pwfile: s3cret-file");
    List<String> p = problems(yaml, Map.of("PATRONI_RESTAPI_HTTP_EXTRA_HEADERS", "s3cret: ["));
    assertFalse(p.isEmpty());
    for (String s : p) {
      assertFalse(s.contains("s3cret"), s);
    }
    // A YAML syntax error on a password line must not echo the line either.
    List<String> syntax =
        problems(MINIMAL.replace("password: s3cret-repl", "password: s3cret-repl: : ["), HOME);
    assertEquals(1, syntax.size(), syntax.toString());
    assertTrue(syntax.get(0).contains("invalid YAML"), syntax.get(0));
    assertFalse(syntax.get(0).contains("s3cret"), syntax.get(0));
  }

  @Test
  void validateReturnsNoProblemsForAValidFile() throws Exception {
    assertEquals(List.of(), ConfigLoader.validate(seed("seed-000-node-1.yml"), HOME));
    assertEquals(
        List.of(tmp.resolve("missing.yml") + ": cannot read: NoSuchFileException"),
        ConfigLoader.validate(tmp.resolve("missing.yml"), HOME));
  }

  @Test
  void credentialsToStringHidesThePassword() throws Exception {
    HagentConfig c = load(MINIMAL);
    assertFalse(c.postgresql().superuser().toString().contains("s3cret"));
  }
}
