package io.hagent.common.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every configuration problem, each prefixed by its YAML path, so all are shown at once;
 * and the warnings (the file loads, but something in it is probably not what its author meant).
 */
final class Problems {
  private final List<String> list = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  void warn(String path, String message) {
    warnings.add(path.isEmpty() ? message : path + ": " + message);
  }

  List<String> warnings() {
    return List.copyOf(warnings);
  }

  void add(String path, String message) {
    list.add(path.isEmpty() ? message : path + ": " + message);
  }

  boolean isEmpty() {
    return list.isEmpty();
  }

  List<String> list() {
    return List.copyOf(list);
  }

  /** A value as it may appear in a message: secrets are never echoed. */
  static String shown(String path, Object value) {
    String lower = path.toLowerCase();
    if (lower.contains("password") || lower.endsWith(".key")) {
      return "<hidden>";
    }
    String s = String.valueOf(value);
    return "'" + (s.length() > 80 ? s.substring(0, 80) + "..." : s) + "'";
  }
}
