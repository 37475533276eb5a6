package io.hagent.agent.postgres;

/** Conversions between PostgreSQL's textual LSN ({@code 16/B374D848}) and byte positions. */
final class Lsn {
  private Lsn() {}

  /** Parses {@code X/Y} (hex); null for null, blank or malformed input. */
  static Long parse(String text) {
    if (text == null) {
      return null;
    }
    String t = text.trim();
    int slash = t.indexOf('/');
    if (slash <= 0) {
      return null;
    }
    try {
      return (Long.parseLong(t.substring(0, slash), 16) << 32)
          | Long.parseLong(t.substring(slash + 1), 16);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static String format(long lsn) {
    return String.format("%X/%X", lsn >>> 32, lsn & 0xFFFFFFFFL);
  }
}
