package io.hagent.agent.api;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How Patroni reads the values of a management request body (§1.7). Patroni's clients (patronictl,
 * Ansible roles, shell scripts with curl) send {@code "True"}, {@code "on"}, {@code 1}, {@code
 * "30s"} or {@code 30.0} where a strict reading wants {@code true} or {@code 30}, and Patroni
 * accepts them; a request that works against Patroni must work here too.
 */
final class PyValues {
  private PyValues() {}

  private static final Pattern HEX = Pattern.compile("^[-+]?0x[0-9a-fA-F]+");
  private static final Pattern OCT = Pattern.compile("^[-+]?0[0-7]*");
  private static final Pattern DEC = Pattern.compile("^[-+]?(0|[1-9][0-9]*)");
  private static final Pattern DBL = Pattern.compile("^[-+]?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?");

  /** Seconds per time unit, largest first; each unit rounds to the next smaller one. */
  private static final List<Map.Entry<String, Double>> TIME_UNITS =
      List.of(
          Map.entry("d", 86400.0),
          Map.entry("h", 3600.0),
          Map.entry("min", 60.0),
          Map.entry("s", 1.0),
          Map.entry("ms", 1.0 / 1000),
          Map.entry("us", 1.0 / 1_000_000));

  /** Python's truth value of a JSON value: null, false, 0, "", [] and {} are false. */
  static boolean truthy(Object v) {
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Number n) {
      return n.doubleValue() != 0;
    }
    if (v instanceof CharSequence s) {
      return s.length() > 0;
    }
    if (v instanceof Collection<?> c) {
      return !c.isEmpty();
    }
    if (v instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    return true;
  }

  /** Python's {@code str()} of a scalar JSON value ({@code True}, {@code None}, {@code 1.0}). */
  static String str(Object v) {
    if (v == null) {
      return "None";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 1e16) {
        return BigDecimal.valueOf(d).toBigInteger() + ".0";
      }
      return Double.toString(d);
    }
    return ConfigPatch.pythonStr(v);
  }

  /**
   * Patroni's parse_bool: {@code on/true/yes/1} (any case) are true, {@code off/false/no/0} false,
   * anything else (also {@code 1.0} or {@code " yes"}) is neither and gives null.
   */
  static Boolean parseBool(Object v) {
    String s = str(v).toLowerCase(Locale.ROOT);
    return switch (s) {
      case "on", "true", "yes", "1" -> Boolean.TRUE;
      case "off", "false", "no", "0" -> Boolean.FALSE;
      default -> null;
    };
  }

  /**
   * Patroni's parse_int(value, 's'): a whole number of seconds from a number, or from text such as
   * {@code "30"}, {@code " 0x1e "}, {@code "1.5min"}, {@code "2500 ms"}, {@code "1e2"}. Fractions
   * round half to even, as Python's round() does. Null when the value is not a number of seconds
   * (also {@code true}: Python prints it as {@code True}). Values beyond an int are capped: Python
   * has no limit and such a timeout never ends either way.
   */
  static Integer parseSeconds(Object v) {
    if (v instanceof Integer || v instanceof Long || v instanceof BigInteger) {
      return capped(new BigDecimal(v.toString()));
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      return Double.isFinite(d) ? capped(new BigDecimal(Math.rint(d))) : null;
    }
    String text = str(v).strip();
    BigDecimal whole = null;
    String rest = text;
    for (Pattern p : List.of(HEX, OCT, DEC)) {
      Matcher m = p.matcher(text);
      if (m.find()) {
        whole = integer(m.group(), p == HEX ? 16 : p == OCT ? 8 : 10);
        rest = text.substring(m.end());
        break;
      }
    }
    Double number = whole == null ? null : whole.doubleValue();
    if (whole == null && rest.startsWith(".")
        || !rest.isEmpty() && ".eE".indexOf(rest.charAt(0)) >= 0) {
      Matcher m = DBL.matcher(text);
      if (!m.find()) {
        return null;
      }
      number = Double.parseDouble(m.group());
      whole = null;
      rest = text.substring(m.end());
    }
    if (number == null) {
      return null;
    }
    String unit = rest.strip();
    if (unit.isEmpty()) {
      if (whole != null) {
        return capped(whole);
      }
      return Double.isFinite(number) ? capped(new BigDecimal(Math.rint(number))) : null;
    }
    for (int i = 0; i < TIME_UNITS.size(); i++) {
      if (!TIME_UNITS.get(i).getKey().equals(unit)) {
        continue;
      }
      double seconds = number * TIME_UNITS.get(i).getValue();
      if (i + 1 < TIME_UNITS.size()) {
        // Patroni first rounds to a whole number of the next smaller unit, then to seconds.
        double step = TIME_UNITS.get(i + 1).getValue();
        seconds = Math.rint(seconds / step) * step;
      }
      return Double.isFinite(seconds) ? capped(new BigDecimal(Math.rint(seconds))) : null;
    }
    return null;
  }

  private static BigDecimal integer(String digits, int radix) {
    String s = digits;
    boolean negative = s.startsWith("-");
    if (s.startsWith("-") || s.startsWith("+")) {
      s = s.substring(1);
    }
    if (radix == 16) {
      s = s.substring(2);
    }
    BigInteger n = s.isEmpty() ? BigInteger.ZERO : new BigInteger(s, radix);
    return new BigDecimal(negative ? n.negate() : n);
  }

  private static Integer capped(BigDecimal n) {
    if (n.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
      return Integer.MAX_VALUE;
    }
    if (n.compareTo(BigDecimal.valueOf(Integer.MIN_VALUE)) < 0) {
      return Integer.MIN_VALUE;
    }
    return n.intValue();
  }
}
