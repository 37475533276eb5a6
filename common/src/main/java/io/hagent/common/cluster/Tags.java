package io.hagent.common.cluster;

import java.util.Map;

/** Interpretation of Patroni's member tags (§3.2), shared by the local config and member keys. */
public record Tags(Map<String, Object> values) {

  /**
   * As Patroni: an explicit {@code nofailover} decides; without it, {@code failover_priority} of 0
   * or less means the node never promotes.
   */
  public boolean nofailover() {
    Object explicit = values.get("nofailover");
    if (explicit != null) {
      return truthy(explicit);
    }
    return values.get("failover_priority") != null && failoverPriorityRaw() <= 0;
  }

  /** 0 if nofailover, else the {@code failover_priority} tag, default 1. */
  public int failoverPriority() {
    if (nofailover()) {
      return 0;
    }
    return Math.max(0, failoverPriorityRaw());
  }

  /**
   * Patroni's WARNING when both tags are set and disagree (nofailover true with a positive
   * priority, or false with priority 0), or null when they agree or only one is set.
   */
  public String conflictWarning() {
    Object explicit = values.get("nofailover");
    Object priority = values.get("failover_priority");
    if (explicit == null || priority == null) {
      return null;
    }
    boolean nofailover = truthy(explicit);
    int p = failoverPriorityRaw();
    if (nofailover == (p <= 0)) {
      return null;
    }
    String py = nofailover ? "True" : "False";
    return "Conflicting configuration between nofailover: "
        + py
        + " and failover_priority: "
        + p
        + ". Defaulting to nofailover: "
        + py;
  }

  private int failoverPriorityRaw() {
    Object v = values.get("failover_priority");
    if (v == null) {
      return 1;
    }
    try {
      return Integer.parseInt(v.toString().trim());
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  public boolean noloadbalance() {
    return truthy(values.get("noloadbalance"));
  }

  public boolean clonefrom() {
    return truthy(values.get("clonefrom"));
  }

  public boolean nosync() {
    return truthy(values.get("nosync"));
  }

  public boolean nostream() {
    return truthy(values.get("nostream"));
  }

  public String replicatefrom() {
    Object v = values.get("replicatefrom");
    return v == null ? null : v.toString();
  }

  /** Patroni's boolean tags: published only when truthy. */
  public static final java.util.Set<String> BOOLEAN_TAGS =
      java.util.Set.of("clonefrom", "nofailover", "noloadbalance", "nosync", "nostream");

  /**
   * Tags as Patroni publishes them (member key, REST status): built-in booleans only when truthy,
   * everything else as configured.
   */
  public Map<String, Object> effective() {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    values.forEach(
        (k, v) -> {
          if (BOOLEAN_TAGS.contains(k)) {
            if (truthy(v)) {
              out.put(k, v);
            }
          } else if (v != null) {
            out.put(k, v);
          }
        });
    return out;
  }

  public static boolean truthy(Object v) {
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Number n) {
      return n.doubleValue() != 0;
    }
    String s = v.toString().trim().toLowerCase();
    return s.equals("true") || s.equals("on") || s.equals("yes") || s.equals("1") || s.equals("y");
  }
}
