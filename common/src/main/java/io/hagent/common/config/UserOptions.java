package io.hagent.common.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders Patroni's tool option lists ({@code bootstrap.initdb}, {@code postgresql.basebackup}) as
 * long options: list form ({@code - data-checksums}, {@code - encoding: UTF8}) or dict form.
 * Options Patroni sets itself are refused.
 */
final class UserOptions {
  private UserOptions() {}

  static List<String> render(Section parent, String key, Set<String> forbidden) {
    Object v = parent.raw(key);
    String path = parent.path(key);
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (v instanceof Map<?, ?> m) {
      Section.asStringMap(m)
          .forEach((k, val) -> option(path + "." + k, k, val, forbidden, parent, out));
    } else if (v instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        Object item = l.get(i);
        String itemPath = path + "." + i;
        if (item instanceof Map<?, ?> m) {
          if (m.size() != 1) {
            parent.problem(key + "." + i, "expected a single 'option: value' entry");
            continue;
          }
          Section.asStringMap(m)
              .forEach((k, val) -> option(itemPath, k, val, forbidden, parent, out));
        } else if (item instanceof String s && !s.isBlank()) {
          option(itemPath, s, null, forbidden, parent, out);
        } else {
          parent.problem(key + "." + i, "expected an option name or 'option: value'");
        }
      }
    } else {
      parent.problem(key, "expected a list or a mapping of options");
    }
    return out;
  }

  private static void option(
      String path,
      String name,
      Object value,
      Set<String> forbidden,
      Section parent,
      List<String> out) {
    String n = name.trim().replaceFirst("^--", "");
    if (forbidden.contains(n)) {
      parent.problemAt(path, "option '" + n + "' is not allowed (hagent sets it itself)");
      return;
    }
    if (value instanceof Map<?, ?> || value instanceof List<?>) {
      parent.problemAt(path, "expected a scalar value for option '" + n + "'");
      return;
    }
    out.add(value == null ? "--" + n : "--" + n + "=" + value);
  }
}
