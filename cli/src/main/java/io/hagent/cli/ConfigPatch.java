package io.hagent.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Changes to the dynamic config: {@code --set k.path=yaml} pairs and recursive YAML merges. */
final class ConfigPatch {
  private ConfigPatch() {}

  /**
   * Applies {@code key.path=value} pairs; {@code null} deletes; keys under postgresql.parameters
   * keep dots.
   */
  static Map<String, Object> applyPairs(Map<String, Object> config, List<String> pairs) {
    Map<String, Object> result = deepCopy(config);
    for (String pair : pairs) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new CtlException("Invalid parameter setting " + pair);
      }
      List<String> path = new ArrayList<>(Arrays.asList(pair.substring(0, eq).trim().split("\\.")));
      if (path.size() > 2 && path.get(0).equals("postgresql") && path.get(1).equals("parameters")) {
        String param = String.join(".", path.subList(2, path.size()));
        path = new ArrayList<>(List.of("postgresql", "parameters", param));
      }
      if (path.stream().anyMatch(String::isEmpty)) {
        throw new CtlException("Invalid parameter setting " + pair);
      }
      Object value = Yaml.load(pair.substring(eq + 1), "value of " + pair.substring(0, eq));
      setPath(result, path, value);
    }
    return result;
  }

  @SuppressWarnings("unchecked")
  private static void setPath(Map<String, Object> root, List<String> path, Object value) {
    Map<String, Object> node = root;
    for (int i = 0; i < path.size() - 1; i++) {
      Object child = node.get(path.get(i));
      if (!(child instanceof Map)) {
        if (value == null) {
          return; // nothing to delete
        }
        child = new LinkedHashMap<String, Object>();
        node.put(path.get(i), child);
      }
      node = (Map<String, Object>) child;
    }
    String last = path.get(path.size() - 1);
    if (value == null) {
      node.remove(last);
    } else {
      node.put(last, value);
    }
  }

  /** Patroni's patch_config: recursive merge, None deletes. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> merge(Map<String, Object> config, Map<String, Object> patch) {
    Map<String, Object> result = deepCopy(config);
    patch.forEach(
        (k, v) -> {
          if (v == null) {
            result.remove(k);
          } else if (v instanceof Map<?, ?> pm && result.get(k) instanceof Map<?, ?> cm) {
            result.put(k, merge((Map<String, Object>) cm, (Map<String, Object>) pm));
          } else {
            result.put(k, deepCopyValue(v));
          }
        });
    return result;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> deepCopy(Map<String, Object> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (m != null) {
      m.forEach((k, v) -> out.put(k, deepCopyValue(v)));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Object deepCopyValue(Object v) {
    if (v instanceof Map<?, ?> m) {
      return deepCopy((Map<String, Object>) m);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(deepCopyValue(x)));
      return out;
    }
    return v;
  }
}
