package io.hagent.common.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code sync} key: {"leader":name,"quorum":int,"sync_standby":"a,b"|null}. */
public record SyncState(String leader, List<String> syncStandbys, int quorum, long modRevision) {

  public static SyncState fromJson(Map<String, Object> json, long modRevision) {
    List<String> standbys = new ArrayList<>();
    Object s = json.get("sync_standby");
    if (s != null) {
      for (String part : s.toString().split(",")) {
        if (!part.isBlank()) {
          standbys.add(part.trim());
        }
      }
    }
    Object q = json.get("quorum");
    int quorum = q instanceof Number n ? n.intValue() : 0;
    Object leader = json.get("leader");
    return new SyncState(
        leader == null ? null : leader.toString(), List.copyOf(standbys), quorum, modRevision);
  }

  public boolean matches(String name) {
    return name != null && (name.equals(leader) || syncStandbys.contains(name));
  }

  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("leader", leader);
    m.put("quorum", quorum);
    m.put("sync_standby", syncStandbys.isEmpty() ? null : String.join(",", syncStandbys));
    return m;
  }
}
