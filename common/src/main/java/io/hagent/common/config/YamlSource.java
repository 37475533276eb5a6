package io.hagent.common.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads Patroni YAML (YAML 1.1 like PyYAML, so {@code on}/{@code yes} are booleans) from a file, a
 * directory of files or a string, into a mutable tree of string-keyed maps.
 */
final class YamlSource {
  private YamlSource() {}

  /** A file, or every *.yml/*.yaml of a directory merged in alphabetical order. */
  static Map<String, Object> load(Path file, Problems problems) {
    if (Files.isDirectory(file)) {
      List<Path> files;
      try (Stream<Path> s = Files.list(file)) {
        files =
            s.filter(p -> p.getFileName().toString().matches(".*\\.ya?ml"))
                .filter(Files::isRegularFile)
                .sorted()
                .toList();
      } catch (IOException e) {
        problems.add(file.toString(), "cannot read directory: " + e.getMessage());
        return new LinkedHashMap<>();
      }
      Map<String, Object> merged = null;
      for (Path f : files) {
        Map<String, Object> one = loadFile(f, problems);
        merged = merged == null ? one : deepMerge(merged, one);
      }
      return merged == null ? new LinkedHashMap<>() : merged;
    }
    return loadFile(file, problems);
  }

  private static Map<String, Object> loadFile(Path file, Problems problems) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      problems.add(file.toString(), "cannot read: " + e.getClass().getSimpleName());
      return new LinkedHashMap<>();
    }
    return parse(text, file.toString(), problems);
  }

  /** Parses one YAML document whose top level must be a mapping (empty text gives an empty map). */
  static Map<String, Object> parse(String text, String origin, Problems problems) {
    Object doc;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setWarnOnDuplicateKeys(false); // reported below, in our words, instead of via JUL
      Node tree = new Yaml(new SafeConstructor(options)).compose(new StringReader(text));
      if (tree != null) {
        DuplicateKeys.report(tree, origin, problems);
      }
      doc = new Yaml(new SafeConstructor(options)).load(text);
    } catch (MarkedYAMLException e) {
      // Only the problem and position: SnakeYAML's snippet could echo a password line.
      Mark m = e.getProblemMark();
      problems.add(
          origin,
          "invalid YAML: "
              + e.getProblem()
              + (m == null
                  ? ""
                  : " (line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + ")"));
      return new LinkedHashMap<>();
    } catch (YAMLException e) {
      problems.add(origin, "invalid YAML");
      return new LinkedHashMap<>();
    }
    if (doc == null) {
      return new LinkedHashMap<>();
    }
    if (!(doc instanceof Map<?, ?>)) {
      problems.add(origin, "expected a YAML mapping at the top level");
      return new LinkedHashMap<>();
    }
    return normalise(doc);
  }

  /** Copies the tree with string keys everywhere (YAML 1.1 may yield numbers/booleans as keys). */
  @SuppressWarnings("unchecked")
  static <T> T normalise(Object o) {
    if (o instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), normalise(v)));
      return (T) out;
    }
    if (o instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(normalise(v)));
      return (T) out;
    }
    return (T) o;
  }

  /**
   * Patroni's merge: mappings merge recursively, anything else in {@code over} replaces, and an
   * explicit null in {@code over} removes the key.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> deepMerge(Map<String, Object> base, Map<String, Object> over) {
    Map<String, Object> out = new LinkedHashMap<>(base);
    over.forEach(
        (k, v) -> {
          Object old = out.get(k);
          if (v == null) {
            out.remove(k);
          } else if (v instanceof Map<?, ?> vm && old instanceof Map<?, ?> om) {
            out.put(k, deepMerge((Map<String, Object>) om, (Map<String, Object>) vm));
          } else {
            out.put(k, v);
          }
        });
    return out;
  }
}
