package io.hagent.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Renders a table the way Python's prettytable does for patronictl: {@code +---+} frame, one space
 * of padding, per-column alignment, multi-line cells, and (Patroni's twist) a title written over
 * the top border from position 1.
 */
final class PrettyTable {
  private final List<String> headers;
  private final Set<String> rightAligned;
  private final String title;
  private final List<List<String>> rows = new ArrayList<>();

  /**
   * @param headers the header texts as printed
   * @param rightAligned indexes-by-header of right aligned columns
   * @param title written over the top border, or null
   */
  PrettyTable(List<String> headers, Set<String> rightAligned, String title) {
    this.headers = headers;
    this.rightAligned = rightAligned;
    this.title = title;
  }

  void addRow(List<String> cells) {
    rows.add(cells);
  }

  String render() {
    int n = headers.size();
    int[] widths = new int[n];
    boolean multiLine = false;
    for (int i = 0; i < n; i++) {
      widths[i] = headers.get(i).length();
    }
    for (List<String> row : rows) {
      for (int i = 0; i < n; i++) {
        for (String line : row.get(i).split("\n", -1)) {
          widths[i] = Math.max(widths[i], line.length());
        }
        multiLine |= row.get(i).contains("\n");
      }
    }
    StringBuilder rule = new StringBuilder("+");
    for (int w : widths) {
      rule.append("-".repeat(w + 2)).append('+');
    }
    String hline = rule.toString();
    StringBuilder out = new StringBuilder();
    String top = hline;
    if (title != null && !title.isEmpty() && n > 0) {
      String t = title.substring(0, Math.min(title.length(), hline.length() - 2));
      top = hline.charAt(0) + t + hline.substring(1 + t.length());
    }
    out.append(top).append('\n');
    out.append(line(headers, widths)).append('\n');
    out.append(hline).append('\n');
    for (int r = 0; r < rows.size(); r++) {
      List<String> row = rows.get(r);
      int height = 1;
      List<String[]> split = new ArrayList<>();
      for (String cell : row) {
        String[] lines = cell.split("\n", -1);
        split.add(lines);
        height = Math.max(height, lines.length);
      }
      for (int h = 0; h < height; h++) {
        List<String> cells = new ArrayList<>();
        for (String[] lines : split) {
          cells.add(h < lines.length ? lines[h] : "");
        }
        out.append(line(cells, widths)).append('\n');
      }
      if (multiLine && r < rows.size() - 1) {
        out.append(hline).append('\n');
      }
    }
    out.append(hline);
    return out.toString();
  }

  private String line(List<String> cells, int[] widths) {
    StringBuilder sb = new StringBuilder("|");
    for (int i = 0; i < widths.length; i++) {
      String c = cells.get(i);
      String pad = " ".repeat(widths[i] - c.length());
      boolean right = rightAligned.contains(headers.get(i)) || rightAligned.contains("#" + i);
      sb.append(' ').append(right ? pad + c : c + pad).append(" |");
    }
    return sb.toString();
  }
}
