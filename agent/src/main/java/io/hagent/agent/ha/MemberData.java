package io.hagent.agent.ha;

import io.hagent.agent.node.Role;
import io.hagent.agent.postgres.LocalState;
import io.hagent.common.Version;
import io.hagent.common.config.HagentConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code members/<name>} value (§4), in the order and shape Patroni writes it. */
final class MemberData {
  private MemberData() {}

  static Map<String, Object> build(HagentConfig config, LocalState pg, Role role, boolean paused) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(
        "conn_url",
        "postgres://"
            + config.postgresql().connectAddress()
            + "/"
            + config.postgresql().database());
    m.put("api_url", config.restapi().apiUrl());
    m.put("state", pg.state());
    m.put("role", role.patroniName());
    m.put("version", Version.PATRONI_COMPAT);
    if (config.postgresql().proxyAddress() != null) {
      m.put("proxy_url", "postgres://" + config.postgresql().proxyAddress() + "/postgres");
    }
    if (pg.running()) {
      if (pg.isPrimary()) {
        if (pg.flushLsn() != null) {
          m.put("xlog_location", pg.flushLsn());
        }
      } else {
        m.put("xlog_location", pg.walPosition());
        if (pg.receiveLsn() != null) {
          m.put("receive_lsn", pg.receiveLsn());
        }
        if (pg.replayLsn() != null) {
          m.put("replay_lsn", pg.replayLsn());
        }
        if (pg.replicationState() != null) {
          m.put("replication_state", pg.replicationState());
        }
      }
      if (pg.timeline() != null) {
        m.put("timeline", pg.timeline());
      }
    }
    Map<String, Object> tags = config.tagView().effective();
    if (!tags.isEmpty()) {
      m.put("tags", tags);
    }
    if (pg.pendingRestart()) {
      m.put("pending_restart", true);
      if (pg.pendingRestartReason() != null && !pg.pendingRestartReason().isEmpty()) {
        m.put("pending_restart_reason", pg.pendingRestartReason());
      }
    }
    if (paused) {
      m.put("pause", true);
    }
    return m;
  }
}
