package io.hagent.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A setting hagent does not act on is never ignored silently: the loader (start, --validate-config)
 * and the dynamic configuration (DCS config key) name it in a WARNING. Delete a row here when its
 * feature lands.
 */
class UnimplementedSettingsTest {
  @TempDir Path tmp;

  private static final Map<String, String> ENV = Map.of("HOME", "/home/hagent");

  private List<String> warnings(String extraYaml) throws Exception {
    Path p = tmp.resolve("patroni.yml");
    Files.writeString(p, ConfigLoaderTest.MINIMAL + extraYaml);
    return ConfigLoader.loadWithWarnings(p, ENV).warnings();
  }

  static Stream<Arguments> localSettings() {
    return Stream.of(
        row("bootstrap:\n  method: wal_g\n  wal_g:\n    command: /bin/restore\n"),
        row("bootstrap:\n  method: initdb\n"),
        // implemented (#11): no warning any more
        row("bootstrap:\n  dcs:\n    synchronous_mode: true\n    synchronous_mode_strict: on\n"),
        row("bootstrap:\n  dcs:\n    synchronous_mode: quorum\n"),
        row(
            "bootstrap:\n  dcs:\n    primary_stop_timeout: 30\n",
            "bootstrap.dcs.primary_stop_timeout: 30 is not implemented yet: a primary in"
                + " synchronous mode that is slow to stop is not escalated to an immediate stop"),
        row("bootstrap:\n  dcs:\n    synchronous_mode: off\n    failsafe_mode: false\n"),
        row("bootstrap:\n  dcs:\n    failsafe_mode: true\n"),
        // hagent's own crash detection switch (docs/crash-detection.md): a dynamic setting; at
        // the top level of a local file it is accepted like Patroni's dynamic keys, and said so
        row("bootstrap:\n  dcs:\n    fast_failover: false\n"),
        row(
            "fast_failover: false\n",
            "fast_failover: false in the local file is not implemented yet: hagent reads it from"
                + " the dynamic configuration only (bootstrap.dcs, hactl edit-config)"),
        row("bootstrap:\n  dcs:\n    standby_cluster:\n      host: 10.1.0.1\n      port: 5432\n"),
        row(
            "bootstrap:\n  dcs:\n    slots:\n      debezium:\n        type: logical\n"
                + "        database: app\n        plugin: pgoutput\n"
                + "    ignore_slots:\n      - name: ext\n"),
        row(
            "bootstrap:\n  dcs:\n    member_slots_ttl: 30min\n    max_timelines_history: 5\n",
            "bootstrap.dcs.max_timelines_history: 5 is not implemented yet: the history key keeps"
                + " every timeline"),
        row("bootstrap:\n  dcs:\n    member_slots_ttl: 0\n"),
        row(
            "bootstrap:\n  dcs:\n    postgresql:\n      recovery_conf:\n"
                + "        restore_command: cp /a/%f %p\n"),
        row(
            "  create_replica_methods: [pgbackrest, basebackup]\n"
                + "  pgbackrest:\n    command: /usr/bin/pgbackrest restore\n"),
        row("  create_replica_methods: [basebackup]\n"),
        row("  callbacks:\n    on_start: /bin/cb\n    on_role_change: /bin/cb\n"),
        row("  pre_promote: /usr/local/bin/fence\n  before_stop: /usr/local/bin/drain\n"),
        row(
            "  use_unix_socket: true\n  pg_ident:\n    - map1 sys1 pg1\n",
            "postgresql.use_unix_socket: true is not implemented yet: hagent connects to"
                + " PostgreSQL over TCP (the first listen address)"),
        row(
            "  pg_ident_replica:\n    - map1 sys1 pg1\n",
            "postgresql.pg_ident_replica: [map1 sys1 pg1] is not implemented yet: pg_ident.conf"
                + " is left as it is"),
        row(
            "  parameters:\n    max_connections: 500\n    work_mem: 8MB\n",
            "postgresql.parameters.max_connections: 500 is ignored here, as by Patroni: set it in"
                + " the dynamic configuration (bootstrap.dcs.postgresql.parameters, hactl"
                + " edit-config)"),
        row("watchdog:\n  mode: required\n"),
        row("watchdog:\n  mode: automatic\n"),
        row("watchdog:\n  mode: off\n"),
        row("tags:\n  replicatefrom: pg2\n  nostream: true\n  nosync: true\n"),
        row(
            "log:\n  static_fields:\n    app: patroni\n  max_queue_size: 1000\n",
            "log.max_queue_size: 1000 has no effect in hagent: hagent writes log lines"
                + " synchronously, without a queue",
            "log.static_fields (app) is not implemented yet: JSON log lines carry no static"
                + " fields"),
        row(
            "thread_pool_size: 10\nrecovery_conf:\n  restore_command: cp /a/%f %p\n",
            "thread_pool_size: 10 has no effect in hagent: a Python thread setting; hagent sizes"
                + " its own threads",
            "recovery_conf (restore_command) is ignored here, as by Patroni: put it under"
                + " postgresql: to have it written"),
        row(
            "ttl: 40\nmaximum_lag_on_failover: 100\nsynchronous_mode: true\n",
            "ttl: 40 is ignored here, as by Patroni: set it in the dynamic configuration"
                + " (bootstrap.dcs, hactl edit-config)",
            "maximum_lag_on_failover: 100 in the local file is not implemented yet: hagent reads"
                + " it from the dynamic configuration only (bootstrap.dcs, hactl edit-config)",
            "synchronous_mode: true in the local file is not implemented yet: hagent reads it"
                + " from the dynamic configuration only (bootstrap.dcs, hactl edit-config)"),
        // hactl decrypts its client key with it: nothing to warn about
        row("ctl:\n  keyfile_password: hunter2\n"),
        row(
            "consul:\n  host: 127.0.0.1:8500\n",
            "consul (host) has no effect in hagent: hagent uses the etcd3/etcd section only"));
  }

  private static Arguments row(String yaml, String... expected) {
    return Arguments.of(yaml, List.of(expected));
  }

  @ParameterizedTest
  @MethodSource("localSettings")
  void localFileWarnsForEverySettingItTurnsOn(String yaml, List<String> expected) throws Exception {
    // Lines indented by two spaces continue MINIMAL's postgresql: section.
    List<String> got = warnings(yaml);
    assertEquals(
        expected.stream().sorted().toList(), got.stream().sorted().toList(), "for:\n" + yaml);
  }

  @Test
  void minimalConfigHasNoWarning() throws Exception {
    assertEquals(List.of(), warnings(""));
  }

  @Test
  void restapiThreadPoolSizeIsHonouredWithoutAWarning() throws Exception {
    Path p = tmp.resolve("patroni.yml");
    Files.writeString(
        p, ConfigLoaderTest.MINIMAL.replace("restapi:\n", "restapi:\n  thread_pool_size: 8\n"));
    ConfigLoader.Loaded loaded = ConfigLoader.loadWithWarnings(p, ENV);
    assertEquals(List.of(), loaded.warnings());
    assertEquals(8, loaded.config().restapi().threadPoolSize());
    assertEquals(List.of(), ConfigLoader.check(p, ENV).warnings());
    assertEquals(List.of(), ConfigLoader.check(p, ENV).problems());
  }

  @Test
  void restapiThreadPoolSizeMustBePositive() throws Exception {
    Path p = tmp.resolve("patroni.yml");
    Files.writeString(
        p, ConfigLoaderTest.MINIMAL.replace("restapi:\n", "restapi:\n  thread_pool_size: 0\n"));
    assertTrue(
        ConfigLoader.check(p, ENV).problems().stream()
            .anyMatch(m -> m.contains("restapi.thread_pool_size")),
        ConfigLoader.check(p, ENV).problems().toString());
  }

  @Test
  void dynamicConfigurationWarnsWhenASettingIsTurnedOnThere() {
    DynamicConfig d =
        DynamicConfig.from(
            Map.of(
                "synchronous_mode",
                "on",
                "failsafe_mode",
                true,
                "ttl",
                30,
                "postgresql",
                Map.of("use_slots", true, "pg_ident", List.of("m s u"))));
    assertEquals(List.of(), d.warnings());
    assertEquals(
        List.of(),
        DynamicConfig.from(Map.of("synchronous_mode", false, "standby_cluster", Map.of()))
            .warnings());
  }

  // ---- the seed configs of real users ----

  private static Path seed(String name) throws URISyntaxException {
    return Path.of(UnimplementedSettingsTest.class.getResource("/seed-configs/" + name).toURI());
  }

  @Test
  void seedConfigsWarnAboutWhatTheyTurnOn() throws Exception {
    // node-1 passes synchronous_standby_names itself and tags nosync: false: nothing turned on.
    assertEquals(
        List.of(), ConfigLoader.loadWithWarnings(seed("seed-000-node-1.yml"), ENV).warnings());
    assertEquals(
        List.of(), ConfigLoader.loadWithWarnings(seed("seed-004-node1.yml"), ENV).warnings());
    // The ZooKeeper seed, on ZooKeeper as written.
    Map<String, String> env = Map.of("HOME", "/home/hagent");
    List<String> got =
        ConfigLoader.loadWithWarnings(seed("seed-003-postgres0-zookeeper.yml"), env).warnings();
    assertEquals(
        List.of(
            "recovery_conf (restore_command) is ignored here, as by Patroni: put it under"
                + " postgresql: to have it written",
            "postgresql.parameters.wal_keep_segments: 64 is ignored here, as by Patroni: set it in"
                + " the dynamic configuration (bootstrap.dcs.postgresql.parameters, hactl"
                + " edit-config)"),
        got);
  }
}
