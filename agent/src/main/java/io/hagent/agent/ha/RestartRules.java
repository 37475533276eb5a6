package io.hagent.agent.ha;

import io.hagent.agent.node.RestartRequest;
import io.hagent.agent.postgres.LocalState;

/** POST /restart's conditions (§1.7): role, pending restart, PostgreSQL version. */
final class RestartRules {
  private RestartRules() {}

  /** Whether a restart asked with {@code req}'s filters applies to this running instance. */
  static boolean matches(RestartRequest req, LocalState s) {
    String myRole = s.isPrimary() ? "primary" : "replica";
    boolean roleOk = req.role() == null || req.role().equals(myRole);
    boolean pendingOk = !Boolean.TRUE.equals(req.restartPending()) || s.pendingRestart();
    boolean versionOk =
        req.postgresVersion() == null
            || s.serverVersion() == null
            || s.serverVersion() < versionNumber(req.postgresVersion());
    return roleOk && pendingOk && versionOk;
  }

  /** "15.4" -> 150004, "9.6.3" -> 90603 (server_version_num). */
  static int versionNumber(String v) {
    String[] p = v.split("\\.");
    int major = Integer.parseInt(p[0]);
    if (major >= 10) {
      return major * 10000 + (p.length > 1 ? Integer.parseInt(p[1]) : 0);
    }
    return major * 10000
        + (p.length > 1 ? Integer.parseInt(p[1]) * 100 : 0)
        + (p.length > 2 ? Integer.parseInt(p[2]) : 0);
  }
}
