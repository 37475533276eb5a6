package io.hagent.common.cluster;

import java.util.Map;

/**
 * One {@code members/<name>} key as read from the DCS. {@code data} is the parsed JSON exactly as
 * the member wrote it (Patroni layout, §4); the accessors interpret it.
 */
public record Member(String name, Map<String, Object> data, long modRevision) {

  public String connUrl() {
    return str("conn_url");
  }

  public String apiUrl() {
    return str("api_url");
  }

  public String state() {
    return str("state");
  }

  /** Role with the legacy {@code master} mapped to {@code primary}. */
  public String role() {
    String role = str("role");
    return "master".equals(role) ? "primary" : role;
  }

  public String replicationState() {
    return str("replication_state");
  }

  /** {@code xlog_location}: flush LSN of a primary, max(receive, replay) of a replica. */
  public Long xlogLocation() {
    return lng("xlog_location");
  }

  public Long receiveLsn() {
    return lng("receive_lsn");
  }

  public Long replayLsn() {
    return lng("replay_lsn");
  }

  public Integer timeline() {
    Long tl = lng("timeline");
    return tl == null ? null : tl.intValue();
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> tags() {
    Object tags = data.get("tags");
    return tags instanceof Map ? (Map<String, Object>) tags : Map.of();
  }

  public Tags tagView() {
    return new Tags(tags());
  }

  public boolean pendingRestart() {
    return Boolean.TRUE.equals(data.get("pending_restart"));
  }

  /** Host and port parsed from {@code conn_url} ({@code postgres://host:port/db}). */
  public HostPort hostPort() {
    return HostPort.fromConnUrl(connUrl());
  }

  private String str(String key) {
    Object v = data.get(key);
    return v == null ? null : v.toString();
  }

  private Long lng(String key) {
    Object v = data.get(key);
    if (v instanceof Number n) {
      return n.longValue();
    }
    if (v instanceof String s) {
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }
}
