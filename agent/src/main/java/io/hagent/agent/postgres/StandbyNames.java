package io.hagent.agent.postgres;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * A {@code synchronous_standby_names} value: {@code FIRST n (...)}, {@code ANY n (...)} or empty.
 * hagent always writes the explicit form with every name double-quoted, so that a member name is
 * matched exactly as PostgreSQL compares application names and never read as a keyword or a
 * wildcard; {@link #parse} also reads the other forms PostgreSQL accepts (a bare list, {@code n
 * (...)}, {@code *}).
 *
 * @param any quorum commit ({@code ANY}) rather than priority ({@code FIRST})
 * @param num how many standbys must acknowledge a commit (0: asynchronous)
 * @param names the listed standbys, lower-case compared
 */
public record StandbyNames(boolean any, int num, List<String> names) {

  /**
   * The name written when strict mode has no member to wait for: no walsender is called that (it is
   * not a valid member name pattern Patroni or hagent would give a node), so commits wait instead
   * of being acknowledged by pg_receivewal or Barman, which {@code *} would allow.
   */
  public static final String PLACEHOLDER = "__hagent_strict_no_sync_standby__";

  public static final StandbyNames NONE = new StandbyNames(false, 0, List.of());

  public StandbyNames {
    names = List.copyOf(names);
  }

  public static StandbyNames first(Collection<String> names) {
    return new StandbyNames(false, names.size(), sorted(names));
  }

  public static StandbyNames any(int num, Collection<String> names) {
    return new StandbyNames(true, num, sorted(names));
  }

  /** Strict mode with nobody to wait for: commits wait until a member is assigned. */
  public static StandbyNames placeholder(boolean any) {
    return new StandbyNames(any, 1, List.of(PLACEHOLDER));
  }

  public boolean isEmpty() {
    return num == 0 || names.isEmpty();
  }

  public boolean isPlaceholder() {
    return names.contains(PLACEHOLDER);
  }

  /** Whether {@code name} is listed (case-insensitive, as PostgreSQL matches). */
  public boolean lists(String name) {
    return names.stream().anyMatch(n -> n.equalsIgnoreCase(name));
  }

  /** The GUC value; the empty string for asynchronous replication. */
  public String value() {
    if (isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder(any ? "ANY " : "FIRST ").append(num).append(" (");
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append('"').append(names.get(i).replace("\"", "\"\"")).append('"');
    }
    return b.append(')').toString();
  }

  /** Names as Python prints a list, for Patroni's log lines: {@code ['a', 'b']}. */
  public static String pyList(Collection<String> names) {
    List<String> quoted = new ArrayList<>();
    for (String n : names) {
      quoted.add("'" + n + "'");
    }
    return "[" + String.join(", ", quoted) + "]";
  }

  /**
   * Reads a value PostgreSQL accepts; an unreadable one gives {@link #NONE} (it is replaced anyway
   * on the next assignment).
   */
  public static StandbyNames parse(String value) {
    if (value == null || value.isBlank()) {
      return NONE;
    }
    String v = value.trim();
    boolean any = false;
    String upper = v.toUpperCase(Locale.ROOT);
    if (upper.startsWith("ANY ")) {
      any = true;
      v = v.substring(4).trim();
    } else if (upper.startsWith("FIRST ")) {
      v = v.substring(6).trim();
    }
    int num = 1;
    int open = v.indexOf('(');
    if (open > 0 && v.endsWith(")")) {
      try {
        num = Integer.parseInt(v.substring(0, open).trim());
      } catch (NumberFormatException e) {
        return NONE;
      }
      v = v.substring(open + 1, v.length() - 1);
    }
    List<String> names = splitNames(v);
    if (names == null) {
      return NONE;
    }
    return new StandbyNames(any, num, names);
  }

  private static List<String> splitNames(String list) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    for (int i = 0; i < list.length(); i++) {
      char c = list.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < list.length() && list.charAt(i + 1) == '"') {
            cur.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
        wasQuoted = true;
      } else if (c == ',') {
        add(out, cur, wasQuoted);
        cur.setLength(0);
        wasQuoted = false;
      } else {
        cur.append(c);
      }
    }
    if (quoted) {
      return null;
    }
    add(out, cur, wasQuoted);
    return out;
  }

  private static void add(List<String> out, StringBuilder cur, boolean wasQuoted) {
    String n = wasQuoted ? cur.toString() : cur.toString().trim();
    if (!n.isEmpty()) {
      out.add(wasQuoted ? n : n.toLowerCase(Locale.ROOT));
    }
  }

  private static List<String> sorted(Collection<String> names) {
    return List.copyOf(new TreeSet<>(names));
  }
}
