package io.hagent.cli;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Prints a {@link QueryResult} as patronictl's {@code query} does: cells as Python's {@code str()}
 * shows the values psycopg2 returns ({@code None}, {@code True}, {@code 1.0}), a header line only
 * when the statement returned columns.
 */
final class QueryOutput {
  static final List<String> FORMATS = List.of("pretty", "tsv", "json", "yaml", "yml");

  private QueryOutput() {}

  static void print(PrintWriter out, QueryResult result, String fmt, String delimiter) {
    List<String> columns = result.columns() == null ? List.of() : result.columns();
    switch (fmt) {
      case "tsv" -> {
        if (!columns.isEmpty()) {
          out.println(String.join(delimiter, columns));
        }
        for (List<Object> row : result.rows()) {
          out.println(String.join(delimiter, row.stream().map(QueryOutput::pyStr).toList()));
        }
      }
      case "json", "yaml", "yml" -> {
        List<List<Object>> rows = new ArrayList<>();
        for (List<Object> row : result.rows()) {
          rows.add(row.stream().map(v -> structured(v, fmt.equals("json"))).toList());
        }
        Output.print(out, columns, rows, Set.of(), fmt, null);
      }
      default -> {
        // prettytable names the fields of a table without header "Field 1", "Field 2", ...
        List<String> shown = new ArrayList<>(columns);
        int width = result.rows().isEmpty() ? 0 : result.rows().get(0).size();
        for (int i = shown.size(); i < width; i++) {
          shown.add("Field " + (i + 1));
        }
        List<List<Object>> rows = new ArrayList<>();
        for (List<Object> row : result.rows()) {
          rows.add(row.stream().map(v -> (Object) pyStr(v)).toList());
        }
        Output.print(out, shown, rows, Set.of(), "pretty", null);
      }
    }
  }

  /** A cell for json (numbers stay numbers) or yaml (exact decimals kept as text). */
  private static Object structured(Object v, boolean json) {
    if (v instanceof Double d) {
      return json ? new PyFloat(d) : v;
    }
    if (v instanceof BigDecimal b && !json) {
      return b.toString();
    }
    return v;
  }

  /** Python's {@code str()} of the value psycopg2 would have returned. */
  static String pyStr(Object v) {
    if (v == null) {
      return "None";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (v instanceof Double d) {
      return PyFloat.repr(d);
    }
    return v.toString();
  }

  /**
   * A float that prints like Python's {@code repr(float)}: {@code 1.0}, {@code 1e+16}, {@code nan}.
   */
  static final class PyFloat extends Number {
    private static final long serialVersionUID = 1L;
    private final double value;

    PyFloat(double value) {
      this.value = value;
    }

    static String repr(double d) {
      if (Double.isNaN(d)) {
        return "nan";
      }
      if (Double.isInfinite(d)) {
        return d > 0 ? "inf" : "-inf";
      }
      String s = Double.toString(d);
      int e = s.indexOf('E');
      if (e < 0) {
        return s;
      }
      int exp = Integer.parseInt(s.substring(e + 1));
      if (exp >= -4 && exp < 16) {
        // Java switches to an exponent from 1e7 (and below 1e-3); Python only from 1e16 / 1e-5
        String plain = new BigDecimal(s).stripTrailingZeros().toPlainString();
        return plain.contains(".") ? plain : plain + ".0";
      }
      String mantissa = s.substring(0, e);
      if (mantissa.endsWith(".0")) {
        mantissa = mantissa.substring(0, mantissa.length() - 2);
      }
      return mantissa + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
    }

    /** json.dumps writes NaN and Infinity, not Python's nan/inf. */
    @Override
    public String toString() {
      if (Double.isNaN(value)) {
        return "NaN";
      }
      if (Double.isInfinite(value)) {
        return value > 0 ? "Infinity" : "-Infinity";
      }
      return repr(value);
    }

    @Override
    public int intValue() {
      return (int) value;
    }

    @Override
    public long longValue() {
      return (long) value;
    }

    @Override
    public float floatValue() {
      return (float) value;
    }

    @Override
    public double doubleValue() {
      return value;
    }
  }
}
