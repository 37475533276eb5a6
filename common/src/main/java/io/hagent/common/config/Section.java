package io.hagent.common.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Typed, path-aware access to one mapping of the YAML tree. Wrong types are recorded in {@link
 * Problems} (naming the full path) and the default is returned, so parsing always continues and
 * every problem is reported together.
 */
final class Section {
  private final String path;
  private final Map<String, Object> map;
  private final Problems problems;

  Section(String path, Map<String, Object> map, Problems problems) {
    this.path = path;
    this.map = map == null ? Map.of() : map;
    this.problems = problems;
  }

  String path() {
    return path;
  }

  String path(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  Map<String, Object> map() {
    return map;
  }

  boolean has(String key) {
    return map.get(key) != null;
  }

  Object raw(String key) {
    return map.get(key);
  }

  /** The keys present, in file order. */
  Set<String> keys() {
    return map.keySet();
  }

  void problem(String key, String message) {
    problems.add(key == null ? path : path(key), message);
  }

  /** Something that loads but is probably not what the author meant. */
  void warning(String key, String message) {
    problems.warn(key == null ? path : path(key), message);
  }

  void problemAt(String fullPath, String message) {
    problems.add(fullPath, message);
  }

  /** A sub-mapping; absent or null gives an empty section, a non-mapping is a problem. */
  Section section(String key) {
    return new Section(path(key), mapAt(key), problems);
  }

  Map<String, Object> mapAt(String key) {
    Object v = map.get(key);
    if (v == null) {
      return Map.of();
    }
    if (v instanceof Map<?, ?>) {
      return asStringMap(v);
    }
    problem(key, "expected a mapping, got " + Problems.shown(path(key), v));
    return Map.of();
  }

  String str(String key) {
    Object v = map.get(key);
    if (v == null) {
      return null;
    }
    if (v instanceof Map<?, ?> || v instanceof List<?>) {
      problem(key, "expected a string, got a " + (v instanceof Map<?, ?> ? "mapping" : "list"));
      return null;
    }
    return v.toString();
  }

  String str(String key, String dflt) {
    String s = str(key);
    return s == null ? dflt : s;
  }

  /** A non-blank string; anything else is reported as {@code <path>: required}. */
  String required(String key) {
    String s = str(key);
    if (s == null || s.isBlank()) {
      Object v = map.get(key);
      if (!(v instanceof Map<?, ?> || v instanceof List<?>)) {
        problem(key, "required");
      }
      return null;
    }
    return s;
  }

  long longValue(String key, long dflt) {
    Object v = map.get(key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    if (v instanceof String s) {
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    problem(key, "expected an integer, got " + Problems.shown(path(key), v));
    return dflt;
  }

  int intValue(String key, int dflt) {
    long l = longValue(key, dflt);
    if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
      problem(key, "expected an integer, got " + Problems.shown(path(key), l));
      return dflt;
    }
    return (int) l;
  }

  /** YAML booleans plus the strings Patroni accepts from the environment (on/true/yes/1). */
  boolean bool(String key, boolean dflt) {
    Boolean b = optionalBool(key);
    return b == null ? dflt : b;
  }

  Boolean optionalBool(String key) {
    Object v = map.get(key);
    if (v == null) {
      return null;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    String s = v.toString().trim().toLowerCase();
    if (Set.of("on", "true", "yes", "1", "y").contains(s)) {
      return true;
    }
    if (Set.of("off", "false", "no", "0", "n").contains(s)) {
      return false;
    }
    problem(key, "expected a boolean, got " + Problems.shown(path(key), v));
    return null;
  }

  /** A list of strings, given as a YAML list or a comma-separated string; null if absent. */
  List<String> stringList(String key) {
    Object v = map.get(key);
    if (v == null) {
      return null;
    }
    List<String> out = new ArrayList<>();
    if (v instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        Object item = l.get(i);
        if (item == null || item instanceof Map<?, ?> || item instanceof List<?>) {
          problems.add(path(key) + "." + i, "expected a string");
        } else {
          out.add(item.toString());
        }
      }
      return out;
    }
    if (v instanceof Map<?, ?>) {
      problem(key, "expected a list, got a mapping");
      return null;
    }
    for (String part : v.toString().split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }

  /** A mapping whose values are scalars, rendered as strings (null values dropped). */
  Map<String, String> stringMap(String key) {
    Map<String, String> out = new LinkedHashMap<>();
    mapAt(key)
        .forEach(
            (k, v) -> {
              if (v instanceof Map<?, ?> || v instanceof List<?>) {
                problems.add(path(key) + "." + k, "expected a string");
              } else if (v != null) {
                out.put(k, v.toString());
              }
            });
    return out;
  }

  /**
   * Reports every key that is neither in {@code known} nor accepted by {@code alsoAllowed} (for
   * places where Patroni allows user-named entries, such as custom replica methods).
   */
  void rejectUnknown(Set<String> known, Predicate<String> alsoAllowed) {
    for (String k : map.keySet()) {
      if (!known.contains(k) && !alsoAllowed.test(k)) {
        problems.add(path(k), "unknown key");
      }
    }
  }

  void rejectUnknown(Set<String> known) {
    rejectUnknown(known, k -> false);
  }

  /** YAML mapping keys may be non-strings (numbers, YAML 1.1 booleans): use their text. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> asStringMap(Object o) {
    if (!(o instanceof Map<?, ?> m)) {
      return Map.of();
    }
    boolean allStrings = m.keySet().stream().allMatch(k -> k instanceof String);
    if (allStrings) {
      return (Map<String, Object>) m;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }
}
