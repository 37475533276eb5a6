package io.hagent.agent.postgres;

import java.util.Locale;

/** Replication slot names derived from member names (§6.1), identical to Patroni's. */
public final class SlotNames {
  /** PostgreSQL's NAMEDATALEN - 1. */
  public static final int MAX_LENGTH = 63;

  private SlotNames() {}

  /**
   * Lower-cases the name, maps {@code -} and {@code .} to {@code _}, replaces every other character
   * outside {@code [a-z0-9_]} with {@code u} + its 4-digit decimal code point, truncates to 63.
   */
  public static String slotName(String memberName) {
    String lowered = memberName.toLowerCase(Locale.ROOT).replace('-', '_').replace('.', '_');
    StringBuilder out = new StringBuilder();
    lowered
        .codePoints()
        .forEach(
            cp -> {
              if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '_') {
                out.appendCodePoint(cp);
              } else {
                out.append('u').append(String.format(Locale.ROOT, "%04d", cp));
              }
            });
    return out.length() > MAX_LENGTH ? out.substring(0, MAX_LENGTH) : out.toString();
  }

  /** Whether {@code name} is acceptable to pg_create_physical_replication_slot. */
  public static boolean isValid(String name) {
    return name != null && name.matches("[a-z0-9_]{1,63}");
  }
}
