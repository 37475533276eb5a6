package io.hagent.common.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code failover} key: a requested switchover (leader set) or failover (only member set),
 * possibly scheduled. {@code {}} means "none"; {@link #isEmpty()} tells.
 */
public record Failover(String leader, String member, String scheduledAt, long modRevision) {

  public static Failover fromJson(Map<String, Object> json, long modRevision) {
    return new Failover(
        str(json.get("leader")),
        str(json.get(json.containsKey("member") ? "member" : "candidate")),
        str(json.get("scheduled_at")),
        modRevision);
  }

  public boolean isEmpty() {
    return leader == null && member == null;
  }

  /** The JSON Patroni writes: absent fields omitted. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (leader != null) {
      m.put("leader", leader);
    }
    if (member != null) {
      m.put("member", member);
    }
    if (scheduledAt != null) {
      m.put("scheduled_at", scheduledAt);
    }
    return m;
  }

  private static String str(Object v) {
    return v == null || v.toString().isEmpty() ? null : v.toString();
  }
}
