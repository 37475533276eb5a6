package io.hagent.cli;

import io.hagent.common.json.JsonTree;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** patronictl's print_output: one table in pretty, tsv, json or yaml form (§2.2). */
final class Output {
  static final Set<String> FORMATS = Set.of("pretty", "tsv", "json", "yaml", "yml", "topology");

  private Output() {}

  /**
   * @param header the title over the top border of a member listing; when set, empty cells are left
   *     out of json/yaml and the leading Cluster column is not shown in pretty form
   */
  static void print(
      PrintWriter out,
      List<String> columns,
      List<List<Object>> rows,
      Set<String> rightAligned,
      String fmt,
      String header) {
    switch (fmt) {
      case "json", "yaml", "yml" -> {
        List<Map<String, Object>> elements = new ArrayList<>();
        for (List<Object> row : rows) {
          Map<String, Object> e = new LinkedHashMap<>();
          for (int i = 0; i < columns.size(); i++) {
            Object v = row.get(i);
            if (header == null || (v != null && !str(v).isEmpty())) {
              e.put(columns.get(i), v);
            }
          }
          elements.add(e);
        }
        out.println("json".equals(fmt) ? JsonTree.dumps(elements) : Yaml.dump(elements, false));
      }
      case "tsv" -> {
        List<List<Object>> formatted = formatTags(columns, rows, header, true);
        out.println(String.join("\t", columns));
        for (List<Object> row : formatted) {
          out.println(String.join("\t", row.stream().map(Output::str).toList()));
        }
      }
      default -> {
        List<List<Object>> formatted = formatTags(columns, rows, header, false);
        boolean listing = header != null && !columns.isEmpty() && columns.get(0).equals("Cluster");
        int skip = listing ? 1 : 0;
        List<String> shown = new ArrayList<>();
        for (String c : columns.subList(skip, columns.size())) {
          shown.add(c.equals("Receive Lag") || c.equals("Replay Lag") ? "Lag" : c);
        }
        PrettyTable table = new PrettyTable(shown, rightAligned, header);
        for (List<Object> row : formatted) {
          table.addRow(row.subList(skip, row.size()).stream().map(Output::str).toList());
        }
        out.println(table.render());
      }
    }
  }

  /** Member tags are shown as YAML: block style in pretty tables, flow style in tsv. */
  private static List<List<Object>> formatTags(
      List<String> columns, List<List<Object>> rows, String header, boolean flow) {
    int tags = columns.indexOf("Tags");
    if (header == null || tags < 0) {
      return rows;
    }
    List<List<Object>> out = new ArrayList<>();
    for (List<Object> row : rows) {
      List<Object> copy = new ArrayList<>(row);
      Object v = copy.get(tags);
      if (v instanceof Map<?, ?> m && !m.isEmpty()) {
        copy.set(tags, Yaml.dump(m, flow).strip());
      }
      out.add(copy);
    }
    return out;
  }

  /** Python's str() of a cell. */
  static String str(Object v) {
    if (v == null) {
      return "";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    return v.toString();
  }
}
