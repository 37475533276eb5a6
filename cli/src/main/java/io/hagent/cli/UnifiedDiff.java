package io.hagent.cli;

import java.util.ArrayList;
import java.util.List;

/** A unified diff of two texts (difflib.unified_diff style, 3 lines of context). */
final class UnifiedDiff {
  private static final int CONTEXT = 3;

  private UnifiedDiff() {}

  static String diff(String before, String after) {
    List<String> a = before.lines().toList();
    List<String> b = after.lines().toList();
    int n = a.size();
    int m = b.size();
    int[][] lcs = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        lcs[i][j] =
            a.get(i).equals(b.get(j))
                ? lcs[i + 1][j + 1] + 1
                : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    // edit script: ' ' keep, '-' delete, '+' insert, with positions in a and b
    List<char[]> ops = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    List<int[]> pos = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a.get(i).equals(b.get(j))) {
        ops.add(new char[] {' '});
        texts.add(a.get(i));
        pos.add(new int[] {i++, j++});
      } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        // deletions before insertions, as difflib prints a replaced block
        ops.add(new char[] {'-'});
        texts.add(a.get(i));
        pos.add(new int[] {i++, j});
      } else {
        ops.add(new char[] {'+'});
        texts.add(b.get(j));
        pos.add(new int[] {i, j++});
      }
    }
    StringBuilder out = new StringBuilder("--- \n+++ \n");
    int k = 0;
    while (k < ops.size()) {
      if (ops.get(k)[0] == ' ') {
        k++;
        continue;
      }
      int start = Math.max(0, k - CONTEXT);
      int end = k;
      int lastChange = k;
      while (end < ops.size()) {
        if (ops.get(end)[0] != ' ') {
          lastChange = end;
        } else if (end - lastChange > 2 * CONTEXT) {
          break;
        }
        end++;
      }
      end = Math.min(ops.size(), lastChange + CONTEXT + 1);
      int aStart = pos.get(start)[0];
      int bStart = pos.get(start)[1];
      int aLen = 0;
      int bLen = 0;
      StringBuilder hunk = new StringBuilder();
      for (int h = start; h < end; h++) {
        char op = ops.get(h)[0];
        aLen += op != '+' ? 1 : 0;
        bLen += op != '-' ? 1 : 0;
        hunk.append(op).append(texts.get(h)).append('\n');
      }
      out.append("@@ -")
          .append(range(aStart, aLen))
          .append(" +")
          .append(range(bStart, bLen))
          .append(" @@\n");
      out.append(hunk);
      k = end;
    }
    return out.toString();
  }

  private static String range(int start, int length) {
    if (length == 1) {
      return String.valueOf(start + 1);
    }
    return (length == 0 ? start : start + 1) + "," + length;
  }
}
