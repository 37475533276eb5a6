package io.hagent.common.cluster;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code status} key: {"optime": lsn, "slots": {slot: lsn}, "retain_slots": [...]}. */
public record ClusterStatus(long optime, Map<String, Long> slots, List<String> retainSlots) {

  public static final ClusterStatus EMPTY = new ClusterStatus(0, Map.of(), List.of());

  public static ClusterStatus fromJson(Map<String, Object> json) {
    long optime = json.get("optime") instanceof Number n ? n.longValue() : 0;
    Map<String, Long> slots = new LinkedHashMap<>();
    if (json.get("slots") instanceof Map<?, ?> m) {
      m.forEach(
          (k, v) -> {
            if (v instanceof Number n) {
              slots.put(k.toString(), n.longValue());
            }
          });
    }
    List<String> retain =
        json.get("retain_slots") instanceof List<?> l
            ? l.stream().map(Object::toString).toList()
            : List.of();
    return new ClusterStatus(optime, Map.copyOf(slots), retain);
  }

  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("optime", optime);
    if (!slots.isEmpty()) {
      m.put("slots", slots);
    }
    if (!retainSlots.isEmpty()) {
      m.put("retain_slots", retainSlots);
    }
    return m;
  }
}
