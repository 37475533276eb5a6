package io.hagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hactl without -c: the agent's file on a database server, then patronictl's default. */
class ConfigDiscoveryTest {
  @TempDir Path dir;

  private ConfigDiscovery.Choice find(Map<String, String> env, String option, Set<Path> present) {
    return new ConfigDiscovery(env, dir.resolve("default-hagent"), present::contains).find(option);
  }

  @Test
  void anExplicitChoiceWinsAndNeedNotExist() {
    ConfigDiscovery.Choice c =
        find(
            Map.of("PATRONICTL_CONFIG_FILE", "/x/env.yml", "HOME", "/home/dba"),
            "~/cli.yml",
            Set.of(ConfigDiscovery.AGENT_CONFIG));
    assertEquals(Optional.of(Path.of("/home/dba/cli.yml")), c.file());
    assertTrue(c.explicit());
    c = find(Map.of("PATRONICTL_CONFIG_FILE", "/x/env.yml"), null, Set.of());
    assertEquals(Optional.of(Path.of("/x/env.yml")), c.file());
    assertTrue(c.explicit());
  }

  @Test
  void theAgentsConfigComesBeforePatronictlsDefault() {
    Path personal = Path.of("/home/dba/.config/patroni/patronictl.yaml");
    ConfigDiscovery.Choice c =
        find(Map.of("HOME", "/home/dba"), null, Set.of(ConfigDiscovery.AGENT_CONFIG, personal));
    assertEquals(Optional.of(ConfigDiscovery.AGENT_CONFIG), c.file());
    assertFalse(c.explicit());
    // unreadable (postgres-only) agent file: patronictl's default
    assertEquals(
        Optional.of(personal), find(Map.of("HOME", "/home/dba"), null, Set.of(personal)).file());
  }

  @Test
  void patronictlsDefaultFollowsXdgConfigHome() {
    Path xdg = Path.of("/cfg/patroni/patronictl.yaml");
    assertEquals(
        Optional.of(xdg),
        find(Map.of("HOME", "/home/dba", "XDG_CONFIG_HOME", "/cfg"), null, Set.of(xdg)).file());
  }

  @Test
  void theUnitsEnvironmentFileNamesTheAgentsConfig() throws IOException {
    Path defaults = dir.resolve("default-hagent");
    Files.writeString(
        defaults,
        "# comment\nHAGENT_CONFIG=\"/etc/hagent/conf.d\"\nHAGENT_JAVA_OPTS=\"-Xmx64m\"\n");
    Path confD = Path.of("/etc/hagent/conf.d");
    assertEquals(
        Optional.of(confD), find(Map.of("HOME", "/h"), null, Set.of(defaults, confD)).file());
    // the variable in the environment (as under the unit) wins over the file
    Path mine = Path.of("/srv/hagent.yml");
    assertEquals(
        Optional.of(mine),
        find(Map.of("HOME", "/h", "HAGENT_CONFIG", "/srv/hagent.yml"), null, Set.of(defaults, mine))
            .file());
  }

  @Test
  void nothingFoundLeavesTheDcsToOptions() {
    ConfigDiscovery.Choice c = find(Map.of("HOME", "/home/dba"), null, Set.of());
    assertEquals(Optional.empty(), c.file());
  }
}
