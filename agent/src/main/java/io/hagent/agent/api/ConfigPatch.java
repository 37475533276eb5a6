package io.hagent.agent.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PATCH /config's merge (§1.7): objects merge recursively, {@code null} deletes a key, and scalar
 * values are compared in their Python string form so that {@code 10} and {@code "10"} count as
 * unchanged (and do not cost a DCS write).
 */
final class ConfigPatch {

  private ConfigPatch() {}

  /** Applies {@code patch} to a deep copy of {@code config}; the inputs are not modified. */
  record Result(Map<String, Object> config, boolean changed) {}

  static Result apply(Map<String, Object> config, Map<String, Object> patch) {
    Map<String, Object> copy = deepCopy(config);
    boolean changed = merge(copy, patch);
    return new Result(copy, changed);
  }

  @SuppressWarnings("unchecked")
  private static boolean merge(Map<String, Object> target, Map<String, Object> patch) {
    boolean changed = false;
    for (Map.Entry<String, Object> e : patch.entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      if (value == null) {
        if (target.remove(key) != null) {
          changed = true;
        }
      } else if (target.containsKey(key)) {
        Object current = target.get(key);
        if (value instanceof Map<?, ?> sub) {
          if (current instanceof Map<?, ?>) {
            changed |= merge((Map<String, Object>) current, (Map<String, Object>) sub);
          } else {
            target.put(key, deepCopy((Map<String, Object>) sub));
            changed = true;
          }
        } else if (!pythonStr(current).equals(pythonStr(value))) {
          target.put(key, value);
          changed = true;
        }
      } else {
        target.put(key, value instanceof Map<?, ?> m ? deepCopy((Map<String, Object>) m) : value);
        changed = true;
      }
    }
    return changed;
  }

  /** str() of a JSON value as Python prints it. */
  static String pythonStr(Object v) {
    if (v == null) {
      return "None";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (v instanceof List<?> l) {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < l.size(); i++) {
        sb.append(i == 0 ? "" : ", ").append(repr(l.get(i)));
      }
      return sb.append(']').toString();
    }
    if (v instanceof Map<?, ?> m) {
      StringBuilder sb = new StringBuilder("{");
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        sb.append(first ? "" : ", ")
            .append(repr(e.getKey()))
            .append(": ")
            .append(repr(e.getValue()));
        first = false;
      }
      return sb.append('}').toString();
    }
    return v.toString();
  }

  private static String repr(Object v) {
    return v instanceof String s ? "'" + s + "'" : pythonStr(v);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> deepCopy(Map<String, Object> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (m != null) {
      m.forEach(
          (k, v) ->
              out.put(k, v instanceof Map<?, ?> sub ? deepCopy((Map<String, Object>) sub) : v));
    }
    return out;
  }
}
