package io.hagent.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
