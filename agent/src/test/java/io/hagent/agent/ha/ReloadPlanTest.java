package io.hagent.agent.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.config.ConfigLoader;
import io.hagent.common.config.HagentConfig;
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

/** Which keys a reread file changes, which wait for a restart of hagent, which are refused. */
class ReloadPlanTest {
  @TempDir Path tmp;

  private static final String BASE =
      """
      name: pg1
      scope: batman
      namespace: /service/
      restapi:
        listen: 127.0.0.1:8008
        connect_address: 127.0.0.1:8008
        authentication:
          username: admin
          password: api-s3cret
      etcd3:
        hosts: 127.0.0.1:2379
      log:
        level: INFO
      postgresql:
        listen: 127.0.0.1:5432
        connect_address: 127.0.0.1:5432
        data_dir: /var/lib/pg/data
        bin_dir: /usr/lib/postgresql/15/bin
        authentication:
          superuser:
            username: postgres
            password: super-s3cret
          replication:
            username: replicator
            password: repl-s3cret
        parameters:
          work_mem: 4MB
        pg_hba:
        - host all all 127.0.0.1/32 scram-sha-256
      tags:
        nofailover: false
      """;

  /** Row: what is edited in BASE, then the expected changed / refused / restart-only keys. */
  static Stream<Arguments> edits() {
    return Stream.of(
        row("nothing", "", "", List.of(), List.of(), List.of()),
        row(
            "reloadable GUC",
            "work_mem: 4MB",
            "work_mem: 8MB",
            List.of("postgresql.parameters.work_mem"),
            List.of(),
            List.of()),
        row(
            "new restart-only GUC is still a live change (PostgreSQL marks it pending_restart)",
            "work_mem: 4MB",
            "work_mem: 4MB\n    shared_buffers: 256MB",
            List.of("postgresql.parameters.shared_buffers"),
            List.of(),
            List.of()),
        row(
            "pg_hba list is one change",
            "- host all all 127.0.0.1/32 scram-sha-256",
            "- host all all 10.0.0.0/8 scram-sha-256",
            List.of("postgresql.pg_hba"),
            List.of(),
            List.of()),
        row(
            "replication password",
            "password: repl-s3cret",
            "password: new-repl-s3cret",
            List.of("postgresql.authentication.replication.password"),
            List.of(),
            List.of()),
        row(
            "tag",
            "nofailover: false",
            "nofailover: true\n  noloadbalance: true",
            List.of("tags.nofailover", "tags.noloadbalance"),
            List.of(),
            List.of()),
        row("log level", "level: INFO", "level: DEBUG", List.of("log.level"), List.of(), List.of()),
        row(
            "restapi.listen",
            "listen: 127.0.0.1:8008",
            "listen: 127.0.0.1:8009",
            List.of("restapi.listen"),
            List.of(),
            List.of("restapi.listen")),
        row(
            "restapi password is named, not shown",
            "password: api-s3cret",
            "password: api-other",
            List.of("restapi.authentication.password"),
            List.of(),
            List.of("restapi.authentication.password")),
        row(
            "etcd3 hosts",
            "hosts: 127.0.0.1:2379",
            "hosts: 127.0.0.2:2379",
            List.of("etcd3.hosts"),
            List.of(),
            List.of("etcd3.hosts")),
        row(
            "postgresql listen port",
            "listen: 127.0.0.1:5432",
            "listen: 127.0.0.1:5433",
            List.of("postgresql.listen"),
            List.of(),
            List.of("postgresql.listen")),
        row(
            "bin_dir",
            "bin_dir: /usr/lib/postgresql/15/bin",
            "bin_dir: /usr/lib/postgresql/16/bin",
            List.of("postgresql.bin_dir"),
            List.of(),
            List.of("postgresql.bin_dir")),
        row(
            "watchdog section added",
            "log:",
            "watchdog:\n  mode: 'off'\nlog:",
            List.of("watchdog"),
            List.of(),
            List.of("watchdog")),
        row("name", "name: pg1", "name: pg9", List.of("name"), List.of("name"), List.of()),
        row(
            "scope",
            "scope: batman",
            "scope: robin",
            List.of("scope"),
            List.of("scope"),
            List.of()),
        row(
            "namespace",
            "namespace: /service/",
            "namespace: /other/",
            List.of("namespace"),
            List.of("namespace"),
            List.of()),
        row(
            "namespace spelled differently is the same DCS prefix",
            "namespace: /service/",
            "namespace: /service",
            List.of("namespace"),
            List.of(),
            List.of()),
        row(
            "data_dir",
            "data_dir: /var/lib/pg/data",
            "data_dir: /var/lib/pg/data2",
            List.of("postgresql.data_dir"),
            List.of("postgresql.data_dir"),
            List.of()),
        row(
            "data_dir refused even with live changes next to it",
            "data_dir: /var/lib/pg/data\n",
            "data_dir: /srv/pg\n  use_pg_rewind: true\n",
            List.of("postgresql.data_dir", "postgresql.use_pg_rewind"),
            List.of("postgresql.data_dir"),
            List.of()));
  }

  private static Arguments row(
      String what,
      String from,
      String to,
      List<String> changed,
      List<String> refused,
      List<String> restart) {
    return Arguments.of(what, from, to, changed, refused, restart);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("edits")
  void classifiesEachChangedKey(
      String what,
      String from,
      String to,
      List<String> changed,
      List<String> refused,
      List<String> restart)
      throws Exception {
    assertTrue(BASE.contains(from), "row edits text that is not in BASE: " + from);
    ReloadPlan plan = ReloadPlan.of(load(BASE), load(BASE.replaceFirst(quote(from), to)));
    assertEquals(changed, plan.changed(), "changed");
    assertEquals(refused, plan.refused(), "refused");
    assertEquals(restart, plan.needRestart(), "need restart");
    assertEquals(!refused.isEmpty(), plan.isRefused());
    assertEquals(refused.isEmpty(), plan.applied() != null, "applied only when not refused");
    assertEquals(changed.isEmpty(), plan.nothingChanged());
  }

  @Test
  void appliedConfigTakesLiveChangesAndKeepsStartupSettings() throws Exception {
    HagentConfig running = load(BASE);
    String edited =
        BASE.replace("listen: 127.0.0.1:8008", "listen: 127.0.0.1:8009")
            .replace("hosts: 127.0.0.1:2379", "hosts: 127.0.0.2:2379")
            .replace("listen: 127.0.0.1:5432", "listen: 127.0.0.1:5433")
            .replace("bin_dir: /usr/lib/postgresql/15/bin", "bin_dir: /opt/pg/bin")
            .replace("work_mem: 4MB", "work_mem: 8MB")
            .replace("password: super-s3cret", "password: super-new")
            .replace("nofailover: false", "nofailover: true");
    HagentConfig fresh = load(edited);
    HagentConfig applied = ReloadPlan.of(running, fresh).applied();

    // live
    assertEquals("8MB", String.valueOf(applied.postgresql().parameters().get("work_mem")));
    assertEquals("super-new", applied.postgresql().superuser().password());
    assertTrue(applied.tagView().nofailover());
    // kept until hagent restarts: the typed sections and the raw tree agree with what runs
    assertEquals(running.restapi(), applied.restapi());
    assertEquals(running.etcd(), applied.etcd());
    assertEquals(5432, applied.postgresql().port());
    assertEquals(running.postgresql().listenAddresses(), applied.postgresql().listenAddresses());
    assertEquals("/usr/lib/postgresql/15/bin", applied.postgresql().binDir());
    assertEquals(running.raw().get("restapi"), applied.raw().get("restapi"));
    assertEquals(running.raw().get("etcd3"), applied.raw().get("etcd3"));
    Map<?, ?> pgRaw = (Map<?, ?>) applied.raw().get("postgresql");
    assertEquals("127.0.0.1:5432", pgRaw.get("listen"));
    assertEquals("/usr/lib/postgresql/15/bin", pgRaw.get("bin_dir"));
    assertNotEquals(running.raw().get("tags"), applied.raw().get("tags"));
  }

  @Test
  void refusedPlanAppliesNothing() throws Exception {
    ReloadPlan plan =
        ReloadPlan.of(
            load(BASE), load(BASE.replace("scope: batman", "scope: robin").replace("4MB", "8MB")));
    assertTrue(plan.isRefused());
    assertNull(plan.applied());
    assertFalse(plan.nothingChanged());
  }

  @Test
  void restartOnlyKeysAreRecognisedByPath() {
    assertTrue(ReloadPlan.needsRestart("restapi.certfile"));
    assertTrue(ReloadPlan.needsRestart("etcd.password"));
    assertTrue(ReloadPlan.needsRestart("postgresql.bin_name.pg_ctl"));
    assertTrue(ReloadPlan.needsRestart("postgresql.config_dir"));
    assertFalse(ReloadPlan.needsRestart("postgresql.parameters.listen"));
    assertFalse(ReloadPlan.needsRestart("postgresql.connect_address"));
    assertFalse(ReloadPlan.needsRestart("ctl.certfile"));
    assertFalse(ReloadPlan.needsRestart("restapix"));
  }

  private HagentConfig load(String yaml) throws Exception {
    Path file = Files.createTempFile(tmp, "patroni", ".yml");
    Files.writeString(file, yaml);
    return ConfigLoader.load(file, Map.of("HOME", tmp.toString()));
  }

  private static String quote(String s) {
    return s.isEmpty() ? "\\A" : java.util.regex.Pattern.quote(s);
  }
}
