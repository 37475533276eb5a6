package io.hagent.common.config;

import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Finds keys written twice in one YAML mapping. Patroni (PyYAML) silently keeps the last value, so
 * hagent does the same, so that every file Patroni runs still runs, but says so with a WARNING
 * naming the key's path and both lines: a second {@code parameters:} block that replaces the first
 * one whole is rarely what its author meant.
 */
final class DuplicateKeys {
  private DuplicateKeys() {}

  static void report(Node root, String origin, Problems problems) {
    walk(root, "", origin, problems, Collections.newSetFromMap(new IdentityHashMap<>()));
  }

  private static void walk(
      Node node, String path, String origin, Problems problems, Set<Node> seen) {
    if (!seen.add(node)) {
      return; // an alias of a node already checked
    }
    if (node instanceof MappingNode m) {
      Map<String, Integer> firstLine = new HashMap<>();
      for (NodeTuple t : m.getValue()) {
        String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
        String child = key == null ? path : path.isEmpty() ? key : path + "." + key;
        if (key != null && !key.equals("<<")) {
          int line = t.getKeyNode().getStartMark().getLine() + 1;
          Integer first = firstLine.putIfAbsent(key, line);
          if (first != null) {
            problems.warn(
                origin,
                "duplicate key "
                    + child
                    + " on lines "
                    + first
                    + " and "
                    + line
                    + ": the value on line "
                    + line
                    + " is used, as Patroni does");
            firstLine.put(key, line);
          }
        }
        walk(t.getValueNode(), child, origin, problems, seen);
      }
    } else if (node instanceof SequenceNode s) {
      for (int i = 0; i < s.getValue().size(); i++) {
        walk(s.getValue().get(i), path + "." + i, origin, problems, seen);
      }
    }
  }
}
