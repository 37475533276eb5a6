package io.hagent.common.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The slot settings of the dynamic configuration (§3.6): permanent slots ({@code slots}, aliases
 * {@code permanent_slots}, {@code permanent_replication_slots}), {@code ignore_slots} and {@code
 * member_slots_ttl}. Read from {@link DynamicConfig#raw()} so the record stays small.
 *
 * @param permanent slot name to its definition, in configuration order
 * @param ignore the {@code ignore_slots} matchers (only name/type/database/plugin are looked at)
 * @param memberSlotsTtlSeconds how long the slot of a member that left is kept (0: not kept)
 * @param errors definitions that were skipped, in Patroni's wording
 */
public record SlotsConfig(
    Map<String, PermanentSlot> permanent,
    List<Map<String, String>> ignore,
    long memberSlotsTtlSeconds,
    List<String> errors) {

  public static final long DEFAULT_MEMBER_SLOTS_TTL = 1800;
  private static final Pattern SLOT_NAME = Pattern.compile("^[a-z0-9_]{1,63}$");
  private static final Pattern DURATION =
      Pattern.compile("^\\s*(-?\\d+)\\s*(ms|s|min|h|d)?\\s*$", Pattern.CASE_INSENSITIVE);

  /**
   * One permanent slot.
   *
   * @param type {@code physical} or {@code logical}
   * @param database logical only
   * @param plugin logical only
   * @param clusterType {@code primary}, {@code standby} or null (both)
   */
  public record PermanentSlot(String type, String database, String plugin, String clusterType) {
    public boolean physical() {
      return "physical".equals(type);
    }
  }

  public static SlotsConfig from(Map<String, Object> raw) {
    Map<String, Object> j = raw == null ? Map.of() : raw;
    Object slots = j.get("slots");
    if (slots == null) {
      slots = j.get("permanent_slots");
    }
    if (slots == null) {
      slots = j.get("permanent_replication_slots");
    }
    List<String> errors = new ArrayList<>();
    Map<String, PermanentSlot> permanent = new LinkedHashMap<>();
    if (slots instanceof Map<?, ?> m) {
      m.forEach((k, v) -> parseSlot(String.valueOf(k), v, permanent, errors));
    } else if (slots instanceof List<?> l) {
      // Patroni also accepts a list of names (physical slots).
      l.forEach(v -> parseSlot(String.valueOf(v), null, permanent, errors));
    }
    List<Map<String, String>> ignore = new ArrayList<>();
    if (j.get("ignore_slots") instanceof List<?> l) {
      for (Object o : l) {
        if (o instanceof Map<?, ?> m) {
          Map<String, String> matcher = new LinkedHashMap<>();
          for (String key : List.of("name", "type", "database", "plugin")) {
            Object v = m.get(key);
            if (v != null && !String.valueOf(v).isEmpty()) {
              matcher.put(key, String.valueOf(v));
            }
          }
          ignore.add(Map.copyOf(matcher));
        }
      }
    }
    long ttl = seconds(j.get("member_slots_ttl"), DEFAULT_MEMBER_SLOTS_TTL);
    return new SlotsConfig(
        java.util.Collections.unmodifiableMap(permanent),
        List.copyOf(ignore),
        Math.max(0, ttl),
        List.copyOf(errors));
  }

  private static void parseSlot(
      String name, Object value, Map<String, PermanentSlot> out, List<String> errors) {
    if (!SLOT_NAME.matcher(name).matches()) {
      errors.add("Invalid permanent replication slot name '" + name + "'");
      return;
    }
    if (value == null || value instanceof Number || "".equals(value)) {
      out.put(name, new PermanentSlot("physical", null, null, null));
      return;
    }
    if (!(value instanceof Map<?, ?> m)) {
      errors.add("Bad value for slot '" + name + "' in permanent_slots: " + value);
      return;
    }
    String database = str(m.get("database"));
    String plugin = str(m.get("plugin"));
    String type = str(m.get("type"));
    if (type == null) {
      type = database != null && plugin != null ? "logical" : "physical";
    }
    String clusterType = str(m.get("cluster_type"));
    if ("physical".equals(type)) {
      out.put(name, new PermanentSlot("physical", null, null, clusterType));
    } else if ("logical".equals(type) && database != null && plugin != null) {
      out.put(name, new PermanentSlot("logical", database, plugin, clusterType));
    } else {
      errors.add("Bad value for slot '" + name + "' in permanent_slots: " + value);
    }
  }

  private static String str(Object o) {
    return o == null || String.valueOf(o).isEmpty() ? null : String.valueOf(o);
  }

  /** Patroni's parse_int with base unit seconds: {@code 600}, {@code "30min"}, {@code "10s"}. */
  static long seconds(Object v, long dflt) {
    if (v == null) {
      return dflt;
    }
    if (v instanceof Number n) {
      return n.longValue();
    }
    Matcher mt = DURATION.matcher(String.valueOf(v));
    if (!mt.matches()) {
      return dflt;
    }
    long n = Long.parseLong(mt.group(1));
    String unit = mt.group(2) == null ? "s" : mt.group(2).toLowerCase(Locale.ROOT);
    return switch (unit) {
      case "ms" -> Math.round(n / 1000.0);
      case "min" -> n * 60;
      case "h" -> n * 3600;
      case "d" -> n * 86400;
      default -> n;
    };
  }

  /** Whether a permanent logical slot is configured. */
  public boolean hasLogical() {
    return permanent.values().stream().anyMatch(p -> !p.physical());
  }

  /** Permanent physical slots that apply outside a standby cluster. */
  public Map<String, PermanentSlot> physical() {
    Map<String, PermanentSlot> out = new LinkedHashMap<>();
    permanent.forEach(
        (k, v) -> {
          if (v.physical() && !"standby".equals(v.clusterType())) {
            out.put(k, v);
          }
        });
    return out;
  }

  /**
   * Whether a slot with these attributes matches an {@code ignore_slots} entry: every attribute the
   * matcher names must be equal.
   */
  public boolean ignores(String name, String type, String database, String plugin) {
    for (Map<String, String> m : ignore) {
      if (eq(m.get("name"), name)
          && eq(m.get("type"), type)
          && eq(m.get("database"), database)
          && eq(m.get("plugin"), plugin)) {
        return true;
      }
    }
    return false;
  }

  private static boolean eq(String want, String have) {
    return want == null || want.equals(have);
  }
}
