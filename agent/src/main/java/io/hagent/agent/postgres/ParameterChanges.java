package io.hagent.agent.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The log lines Patroni prints when a configuration change reaches postgresql.conf: {@code Changed
 * work_mem from 4096 to 12MB}, with {@code (restart might be required)} for settings PostgreSQL
 * reads only at start. The old value is the server's current {@code setting} (in its base unit, as
 * Patroni prints it); a parameter taken out of the configuration is changed "to None".
 */
final class ParameterChanges {

  /** A row of pg_settings. */
  record ServerSetting(String setting, String context) {}

  private ParameterChanges() {}

  /**
   * @param before the parameters written to postgresql.conf before the change
   * @param after the parameters written now
   * @param server pg_settings by name (PostgreSQL's lower-case names); names not in it (unknown to
   *     this server) are not reported, as Patroni does
   */
  static List<String> describe(
      Map<String, String> before, Map<String, String> after, Map<String, ServerSetting> server) {
    List<String> lines = new ArrayList<>();
    TreeSet<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    names.addAll(before.keySet());
    names.addAll(after.keySet());
    Map<String, String> old = caseInsensitive(before);
    Map<String, String> now = caseInsensitive(after);
    for (String name : names) {
      String next = now.get(name);
      if (Objects.equals(old.get(name), next)) {
        continue;
      }
      ServerSetting current = server.get(name.toLowerCase(Locale.ROOT));
      if (current == null) {
        continue;
      }
      String line =
          "Changed "
              + name
              + " from "
              + current.setting()
              + " to "
              + (next == null ? "None" : next);
      lines.add(
          "postmaster".equals(current.context()) ? line + " (restart might be required)" : line);
    }
    return lines;
  }

  private static Map<String, String> caseInsensitive(Map<String, String> m) {
    Map<String, String> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    out.putAll(m);
    return out;
  }
}
