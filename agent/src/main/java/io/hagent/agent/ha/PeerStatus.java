package io.hagent.agent.ha;

import io.hagent.common.cluster.Tags;
import java.util.Map;

/**
 * What another member said about itself on GET /patroni during a leader race (§5.6), or that it
 * could not be reached.
 */
public record PeerStatus(
    String name,
    boolean reachable,
    String role,
    String state,
    long walPosition,
    boolean nofailover,
    int failoverPriority,
    boolean watchdogFailed) {

  public static PeerStatus unreachable(String name) {
    return new PeerStatus(name, false, null, null, 0, true, 0, false);
  }

  /** Interprets a /patroni status body (§1.3). */
  @SuppressWarnings("unchecked")
  public static PeerStatus fromStatusJson(String name, Map<String, Object> json) {
    Map<String, Object> xlog =
        json.get("xlog") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    long wal;
    boolean primary = xlog.containsKey("location") || "primary".equals(json.get("role"));
    if (xlog.get("location") instanceof Number n) {
      wal = n.longValue();
    } else {
      wal = Math.max(num(xlog.get("received_location")), num(xlog.get("replayed_location")));
    }
    Tags tags =
        new Tags(json.get("tags") instanceof Map<?, ?> t ? (Map<String, Object>) t : Map.of());
    String role = primary ? "primary" : String.valueOf(json.get("role"));
    return new PeerStatus(
        name,
        true,
        role,
        String.valueOf(json.get("state")),
        wal,
        tags.nofailover(),
        tags.failoverPriority(),
        Tags.truthy(json.get("watchdog_failed")));
  }

  private static long num(Object o) {
    return o instanceof Number n ? n.longValue() : 0;
  }
}
