package io.hagent.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every hagent example shipped in config-examples/ passes validation, as users will run it. */
class ConfigExamplesTest {
  private static final Path EXAMPLES = Path.of("..", "config-examples");

  @Test
  void hactlAcceptsAFileWithOnlyTheDcsSection(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path ctl = dir.resolve("patronictl.yaml");
    Files.writeString(ctl, "etcd3:\n  hosts: 127.0.0.1:2379\n");
    HagentConfig c = ConfigLoader.loadForCtl(ctl, Map.of());
    assertEquals(List.of("http://127.0.0.1:2379"), c.etcd().endpoints());
    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class, () -> ConfigLoader.load(ctl, Map.of()));
    assertTrue(e.problems().contains("name: required"), e.problems().toString());
    Files.writeString(ctl, "etcd3:\n  hosts: 127.0.0.1:2379\nbootstrap:\n  dcs:\n    ttl: abc\n");
    ConfigException bad =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class, () -> ConfigLoader.loadForCtl(ctl, Map.of()));
    assertEquals(List.of("bootstrap.dcs.ttl: expected an integer, got 'abc'"), bad.problems());
  }

  @Test
  void everyAgentExampleIsValid() throws IOException {
    List<Path> examples;
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      examples =
          files
              .filter(p -> p.getFileName().toString().matches("hagent-.*\\.ya?ml"))
              .sorted()
              .toList();
    }
    assertFalse(
        examples.isEmpty(), "no hagent-*.yml examples found in " + EXAMPLES.toAbsolutePath());
    for (Path example : examples) {
      assertEquals(List.of(), ConfigLoader.validate(example, Map.of()), example.toString());
    }
  }
}
