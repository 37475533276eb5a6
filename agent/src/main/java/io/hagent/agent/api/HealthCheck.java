package io.hagent.agent.api;

import io.hagent.agent.node.NodeSnapshot;
import io.hagent.agent.node.Role;
import io.hagent.agent.postgres.LocalState;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.DynamicConfig;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Patroni's health-check status codes (§1.2, §1.4) as pure functions of a snapshot, the request
 * path and query, and the monotonic time. No I/O: everything comes from the snapshot.
 */
public final class HealthCheck {

  public static final int OK = 200;
  public static final int UNAVAILABLE = 503;

  private static final Pattern SIZE =
      Pattern.compile("\\s*(-?\\d+(?:\\.\\d+)?)\\s*([A-Za-z]*)\\s*");

  private HealthCheck() {}

  /**
   * The code of a generic health check (any GET path without a dedicated handler, and HEAD/OPTIONS
   * on every path).
   *
   * @param path request path without the query string
   * @param query decoded query parameters (first value counts)
   */
  public static int evaluate(
      NodeSnapshot s, String path, Map<String, List<String>> query, long nowNanos) {
    String p = "/".equals(path) ? "/primary" : path;
    String role = StatusJson.role(s);
    String state = StatusJson.state(s);
    LocalState pg = s.pg();
    boolean up = pg != null && pg.running();

    long leaderOptime = leaderOptime(s);
    long replayed = up && pg.isReplica() && pg.replayLsn() != null ? pg.replayLsn() : 0;
    long maxLag = parseSize(first(query, "lag"), Long.MAX_VALUE);
    boolean lagging = leaderOptime != 0 && leaderOptime - replayed > maxLag;
    String wantedReplicationState = first(query, "replication_state");
    String replicationState = up && pg.isReplica() ? pg.replicationState() : null;
    boolean replicationStateMatches =
        wantedReplicationState == null || wantedReplicationState.equals(replicationState);

    int replica =
        !new Tags(s.tags() == null ? Map.of() : s.tags()).noloadbalance()
                && !lagging
                && "replica".equals(role)
                && "running".equals(state)
                && replicationStateMatches
            ? OK
            : UNAVAILABLE;

    int leader;
    int primary;
    int standbyLeader;
    if (s.cluster() == null && s.paused()) {
      leader = "primary".equals(role) || "standby_leader".equals(role) ? OK : UNAVAILABLE;
      primary = "primary".equals(role) ? OK : UNAVAILABLE;
      standbyLeader = "standby_leader".equals(role) ? OK : UNAVAILABLE;
    } else if (s.isLeader(nowNanos)) {
      leader = OK;
      if (StatusJson.standbyCluster(s)) {
        primary = UNAVAILABLE;
        replica = UNAVAILABLE;
        standbyLeader = "replica".equals(role) || "standby_leader".equals(role) ? OK : UNAVAILABLE;
      } else {
        primary = OK;
        standbyLeader = UNAVAILABLE;
      }
    } else {
      leader = UNAVAILABLE;
      primary = UNAVAILABLE;
      standbyLeader = UNAVAILABLE;
    }
    boolean leaderish = primary == OK || standbyLeader == OK;

    int code = UNAVAILABLE;
    boolean ignoreTags = false;
    if (p.contains("standby_leader") || p.contains("standby-leader")) {
      code = standbyLeader;
      ignoreTags = true;
    } else if (p.contains("leader")) {
      code = leader;
      ignoreTags = true;
    } else if (p.contains("master") || p.contains("primary") || p.contains("read-write")) {
      code = primary;
      ignoreTags = true;
    } else if (p.contains("replica")) {
      code = replica;
    } else if (p.contains("read-only") && !p.contains("sync") && !p.contains("quorum")) {
      code = leaderish ? OK : replica;
    } else if (p.contains("health")) {
      code = "running".equals(state) ? OK : UNAVAILABLE;
    } else if (s.cluster() != null) {
      boolean sync = StatusJson.isSyncStandby(s);
      boolean quorum = StatusJson.isQuorumStandby(s);
      if ((p.equals("/sync") || p.equals("/synchronous")) && sync) {
        code = replica;
      } else if (p.equals("/quorum") && quorum) {
        code = replica;
      } else if ((p.equals("/async") || p.equals("/asynchronous")) && !sync && !quorum) {
        code = replica;
      } else if (p.equals("/read-only-quorum")) {
        code = leaderish ? OK : quorum ? replica : UNAVAILABLE;
      } else if (p.equals("/read-only-sync") || p.equals("/read-only-synchronous")) {
        code = leaderish ? OK : sync ? replica : UNAVAILABLE;
      }
    }
    if (!ignoreTags && code == OK && !tagsMatch(s.tags(), query)) {
      code = UNAVAILABLE;
    }
    return code;
  }

  /**
   * GET /liveness: the HA loop is not overdue (ttl on a running primary, else 2*ttl), or paused.
   */
  public static int liveness(NodeSnapshot s, long nowNanos) {
    if (s.paused()) {
      return OK;
    }
    boolean runningPrimary = s.role() == Role.PRIMARY && s.pg() != null && s.pg().running();
    long ttlNanos = (long) config(s).ttl() * 1_000_000_000L;
    long threshold = runningPrimary ? ttlNanos : 2 * ttlNanos;
    return s.nextRunNanos() + threshold - nowNanos > 0 ? OK : UNAVAILABLE;
  }

  /** GET /readiness?lag=&mode=apply|write (§1.4). */
  public static int readiness(NodeSnapshot s, Map<String, List<String>> query, long nowNanos) {
    if (s.isLeader(nowNanos)) {
      return OK;
    }
    LocalState pg = s.pg();
    if (pg == null || !"running".equals(pg.state())) {
      return UNAVAILABLE;
    }
    if (!pg.isReplica() || !"streaming".equals(pg.replicationState())) {
      return UNAVAILABLE;
    }
    long latestEnd = pg.latestEndLsn() == null ? 0 : pg.latestEndLsn();
    if (s.cluster() == null && latestEnd == 0) {
      return s.failsafeActive() ? OK : UNAVAILABLE;
    }
    boolean write = "write".equals(first(query, "mode"));
    Long replay = pg.replayLsn();
    Long location = write ? (pg.receiveLsn() != null ? pg.receiveLsn() : replay) : replay;
    long lag = leaderOptime(s) - (location == null ? 0 : location);
    long limit = parseSize(first(query, "lag"), config(s).maximumLagOnFailover());
    return lag > limit ? UNAVAILABLE : OK;
  }

  /** max(optime in the cached {@code status} key, the WAL receiver's latest_end_lsn). */
  static long leaderOptime(NodeSnapshot s) {
    long optime =
        s.cluster() != null && s.cluster().status() != null ? s.cluster().status().optime() : 0;
    LocalState pg = s.pg();
    long latestEnd =
        pg != null && pg.isReplica() && pg.latestEndLsn() != null ? pg.latestEndLsn() : 0;
    return Math.max(optime, latestEnd);
  }

  /**
   * Parses a byte size as Patroni's {@code parse_int(value, 'B')}: an integer number of bytes or a
   * number with a case-sensitive unit B, kB, MB, GB, TB (1024-based). Absent or unparsable values
   * give {@code dflt}.
   */
  public static long parseSize(String value, long dflt) {
    if (value == null) {
      return dflt;
    }
    Matcher m = SIZE.matcher(value);
    if (!m.matches()) {
      return dflt;
    }
    long multiplier;
    switch (m.group(2)) {
      case "", "B" -> multiplier = 1L;
      case "kB" -> multiplier = 1L << 10;
      case "MB" -> multiplier = 1L << 20;
      case "GB" -> multiplier = 1L << 30;
      case "TB" -> multiplier = 1L << 40;
      default -> {
        return dflt;
      }
    }
    try {
      return new java.math.BigDecimal(m.group(1))
          .multiply(java.math.BigDecimal.valueOf(multiplier))
          .setScale(0, java.math.RoundingMode.HALF_EVEN)
          .longValueExact();
    } catch (ArithmeticException e) {
      return dflt;
    }
  }

  /** Every {@code tag_<k>=<v>} must equal the local tag k (non-strings lower-cased). */
  private static boolean tagsMatch(Map<String, Object> tags, Map<String, List<String>> query) {
    Map<String, Object> local = StatusJson.effectiveTags(tags);
    for (Map.Entry<String, List<String>> e : query.entrySet()) {
      if (!e.getKey().startsWith("tag_") || e.getValue().isEmpty()) {
        continue;
      }
      Object actual = local.get(e.getKey().substring(4));
      if (actual == null) {
        return false;
      }
      String text = actual instanceof String str ? str : actual.toString().toLowerCase();
      if (!text.equals(e.getValue().get(0))) {
        return false;
      }
    }
    return true;
  }

  private static DynamicConfig config(NodeSnapshot s) {
    return s.config() == null ? DynamicConfig.DEFAULTS : s.config();
  }

  static String first(Map<String, List<String>> query, String key) {
    List<String> values = query.get(key);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
