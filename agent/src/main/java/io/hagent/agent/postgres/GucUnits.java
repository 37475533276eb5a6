package io.hagent.agent.postgres;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL parameter values in the units people write, for pending_restart_reason: Patroni shows
 * a pending {@code shared_buffers} as {@code 128MB->64MB}, not as pg_settings' {@code 16384} (8 kB
 * pages). A value in a memory or time unit is shown in the largest unit that represents it exactly;
 * anything else is shown as it is.
 */
final class GucUnits {
  private static final Pattern NUMBER_AND_UNIT = Pattern.compile("\\s*(-?\\d+)\\s*([a-zA-Z]*)\\s*");
  private static final Pattern UNIT = Pattern.compile("(\\d*)([a-zA-Z]+)");

  /** Memory units in bytes, largest first; PostgreSQL's unit names are case-sensitive. */
  private static final List<Map.Entry<String, Long>> MEMORY =
      List.of(
          Map.entry("TB", 1L << 40),
          Map.entry("GB", 1L << 30),
          Map.entry("MB", 1L << 20),
          Map.entry("kB", 1L << 10),
          Map.entry("B", 1L));

  /** Time units in microseconds, largest first. */
  private static final List<Map.Entry<String, Long>> TIME =
      List.of(
          Map.entry("d", 86_400_000_000L),
          Map.entry("h", 3_600_000_000L),
          Map.entry("min", 60_000_000L),
          Map.entry("s", 1_000_000L),
          Map.entry("ms", 1_000L),
          Map.entry("us", 1L));

  private GucUnits() {}

  /**
   * @param value a pg_settings {@code setting} (a number in {@code baseUnit}) or a configured value
   *     ({@code 64MB}, {@code 65536kB}, or a bare number meaning {@code baseUnit})
   * @param vartype pg_settings' {@code vartype}; only {@code integer} values are converted
   * @param baseUnit pg_settings' {@code unit}, such as {@code 8kB}, {@code kB}, {@code ms}
   */
  static String humanReadable(Object value, String vartype, String baseUnit) {
    if (value == null) {
      return null;
    }
    String text = String.valueOf(value);
    if (!"integer".equals(vartype) || baseUnit == null || baseUnit.isEmpty()) {
      return text;
    }
    Matcher m = NUMBER_AND_UNIT.matcher(text);
    Scale base = scale(baseUnit);
    if (!m.matches() || base == null) {
      return text;
    }
    BigInteger number = new BigInteger(m.group(1));
    if (number.signum() <= 0) {
      return m.group(1); // 0 and -1 mean "off" or "default", shown without a unit
    }
    Scale given = m.group(2).isEmpty() ? base : scale(m.group(2));
    if (given == null || given.units != base.units) {
      return text;
    }
    BigInteger smallest = number.multiply(BigInteger.valueOf(given.factor));
    for (Map.Entry<String, Long> unit : base.units) {
      BigInteger[] qr = smallest.divideAndRemainder(BigInteger.valueOf(unit.getValue()));
      if (qr[1].signum() == 0) {
        return qr[0] + unit.getKey();
      }
    }
    return text;
  }

  /** A unit as a multiple of the smallest unit of its kind, e.g. 8kB = 8192 bytes. */
  private record Scale(List<Map.Entry<String, Long>> units, long factor) {}

  private static Scale scale(String unit) {
    Matcher m = UNIT.matcher(unit);
    if (!m.matches()) {
      return null;
    }
    long multiple = m.group(1).isEmpty() ? 1 : Long.parseLong(m.group(1));
    for (List<Map.Entry<String, Long>> kind : List.of(MEMORY, TIME)) {
      for (Map.Entry<String, Long> u : kind) {
        if (u.getKey().equals(m.group(2))) {
          return new Scale(kind, multiple * u.getValue());
        }
      }
    }
    return null;
  }
}
