package io.hagent.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/configuration.md from drifting: every key the loader accepts in a section must be
 * named there (in backquotes), so a key added to the code without a line in the reference fails the
 * build.
 */
class ConfigReferenceTest {
  private static final Path REFERENCE = Path.of("..", "docs", "configuration.md");

  @Test
  void everyAcceptedKeyIsDocumented() throws IOException {
    String doc = Files.readString(REFERENCE);
    Map<String, Set<String>> sections =
        Map.of(
            "top level", ConfigLoader.MODELLED,
            "restapi", AgentSectionsParser.RESTAPI_KEYS,
            "ctl", AgentSectionsParser.CTL_KEYS,
            "log", AgentSectionsParser.LOG_KEYS,
            "bootstrap", BootstrapSectionParser.KNOWN,
            "postgresql", PostgresqlSectionParser.KNOWN);
    Set<String> missing = new TreeSet<>();
    sections.forEach(
        (section, keys) ->
            keys.stream()
                .filter(k -> !doc.contains("`" + k + "`") && !doc.contains("`" + k + "."))
                .forEach(k -> missing.add(section + ": " + k)));
    assertEquals(List.of(), List.copyOf(missing), "keys missing from " + REFERENCE);
  }
}
