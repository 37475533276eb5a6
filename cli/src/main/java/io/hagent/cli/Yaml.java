package io.hagent.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/** YAML in and out like PyYAML's safe_load/safe_dump (YAML 1.1, keys sorted, block style). */
final class Yaml {
  private Yaml() {}

  /** {@code yaml.safe_dump(data, default_flow_style=flow)}: ends with a newline. */
  static String dump(Object data, boolean flow) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(
        flow ? DumperOptions.FlowStyle.FLOW : DumperOptions.FlowStyle.BLOCK);
    options.setWidth(Integer.MAX_VALUE);
    options.setAllowUnicode(true);
    options.setIndent(2);
    options.setIndicatorIndent(0);
    options.setSplitLines(false);
    return new org.yaml.snakeyaml.Yaml(options).dump(sorted(data));
  }

  /** Parses YAML text; a syntax error becomes a one-line CtlException naming the source. */
  static Object load(String text, String source) {
    try {
      return new org.yaml.snakeyaml.Yaml(new LoaderOptions()).load(text);
    } catch (MarkedYAMLException e) {
      String where =
          e.getProblemMark() == null
              ? ""
              : " at line "
                  + (e.getProblemMark().getLine() + 1)
                  + ", column "
                  + (e.getProblemMark().getColumn() + 1);
      throw new CtlException("Invalid YAML in " + source + where + ": " + e.getProblem());
    } catch (YAMLException e) {
      throw new CtlException("Invalid YAML in " + source + ": " + firstLine(e.getMessage()));
    }
  }

  static Object sorted(Object data) {
    if (data instanceof Map<?, ?> m) {
      Map<String, Object> out = new TreeMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), sorted(v)));
      return out;
    }
    if (data instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(sorted(v)));
      return out;
    }
    return data;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
