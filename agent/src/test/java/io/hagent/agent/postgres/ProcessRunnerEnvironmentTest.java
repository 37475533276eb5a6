package io.hagent.agent.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every child of the agent gets an environment without systemd's socket and the agent's secrets.
 */
class ProcessRunnerEnvironmentTest {
  private static final Map<String, String> AGENT_ENV =
      Map.ofEntries(
          Map.entry("PATH", "/usr/bin:/bin"),
          Map.entry("LANG", "en_US.UTF-8"),
          Map.entry("HOME", "/var/lib/postgresql"),
          Map.entry("NOTIFY_SOCKET", "/run/systemd/notify"),
          Map.entry("LISTEN_FDS", "1"),
          Map.entry("LISTEN_PID", "4242"),
          Map.entry("WATCHDOG_USEC", "30000000"),
          Map.entry("WATCHDOG_PID", "4242"),
          Map.entry("PATRONI_SUPERUSER_PASSWORD", "s3cret"),
          Map.entry("PATRONI_REPLICATION_PASSWORD", "r3pl"),
          Map.entry("PATRONI_CONFIGURATION", "postgresql: {authentication: {}}"),
          Map.entry("PGPASSWORD", "s3cret"),
          Map.entry("PGHOST", "elsewhere"),
          Map.entry("PGSSLKEY", "/home/dba/.postgresql/other.key"),
          Map.entry("PGDATA", "/somewhere/else"),
          Map.entry("PGBACKREST_CONFIG", "/etc/pgbackrest/main.conf"),
          Map.entry("PGBACKREST_REPO1_CIPHER_PASS", "repo-key"),
          Map.entry("MALLOC_ARENA_MAX", "2"));

  @Test
  void systemdVariablesSecretsAndLibpqSettingsAreNotInheritedButPgBackRestOptionsAre() {
    Map<String, String> env = ProcessRunner.childEnvironment(AGENT_ENV, Map.of());
    assertEquals(
        Map.of(
            "PATH", "/usr/bin:/bin",
            "LANG", "en_US.UTF-8",
            "HOME", "/var/lib/postgresql",
            "MALLOC_ARENA_MAX", "2",
            // pgBackRest's options: archive-push/-get and restore run as the agent's children
            "PGBACKREST_CONFIG", "/etc/pgbackrest/main.conf",
            "PGBACKREST_REPO1_CIPHER_PASS", "repo-key"),
        env);
  }

  @Test
  void whatTheCallerPassesOnPurposeIsKept() {
    Map<String, String> env =
        ProcessRunner.childEnvironment(
            AGENT_ENV, Map.of("PGPASSFILE", "/tmp/pgpass", "PGOPTIONS", "-c statement_timeout=0"));
    assertEquals("/tmp/pgpass", env.get("PGPASSFILE"));
    assertEquals("-c statement_timeout=0", env.get("PGOPTIONS"));
    assertFalse(env.containsKey("PGPASSWORD"));
    assertFalse(env.containsKey("NOTIFY_SOCKET"));
  }

  @Test
  void aCallerCannotHandTheNotifySocketToAChild() {
    assertThrows(
        IllegalArgumentException.class,
        () -> ProcessRunner.childEnvironment(Map.of(), Map.of("NOTIFY_SOCKET", "/run/x")));
  }

  @Test
  void theRuleIsAppliedToARealChild() {
    ProcessRunner runner = new ProcessRunner();
    ProcessRunner.Result r =
        runner.run(
            List.of("env"), Map.of("PGPASSFILE", "/tmp/pgpass"), Duration.ofSeconds(10), null);
    assertTrue(r.ok(), r.output());
    Set<String> names =
        Arrays.stream(r.output().split("\n"))
            .map(l -> l.substring(0, Math.max(0, l.indexOf('='))))
            .collect(Collectors.toSet());
    assertTrue(names.contains("PGPASSFILE"), names.toString());
    assertTrue(names.contains("PATH"), names.toString());
    for (String name : names) {
      assertFalse(
          ProcessRunner.scrubbed(name) && !name.equals("PGPASSFILE"), name + " reached the child");
    }
  }
}
