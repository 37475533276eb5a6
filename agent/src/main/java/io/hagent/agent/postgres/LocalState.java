package io.hagent.agent.postgres;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the HA decision needs to know about the local PostgreSQL, gathered once per cycle by
 * {@link Postgres#probe()}. Null means unknown / not applicable (e.g. LSNs while stopped).
 *
 * @param dataDir whether the data directory is usable
 * @param running a postmaster is running and accepts connections
 * @param state Patroni's state string (§0): running, starting, stopped, crashed, ...
 * @param inRecovery pg_is_in_recovery(); null when not running
 * @param timeline current timeline (primary: from the WAL file name; replica: received timeline)
 * @param flushLsn primary only: pg_current_wal_flush_lsn()
 * @param receiveLsn replica: last WAL received (written) position
 * @param replayLsn replica: last WAL replayed position
 * @param latestEndLsn replica: pg_stat_wal_receiver.latest_end_lsn (leader's position as last
 *     reported to us)
 * @param replicationState replica: "streaming" or "in archive recovery", else null
 * @param sysid database system identifier from pg_controldata (null if no data dir)
 * @param controlState "Database cluster state" from pg_controldata, read only while PostgreSQL is
 *     not running (null while it runs): ("in production", "shut down", "shut down in recovery", "in
 *     archive recovery", "in crash recovery", ...)
 * @param serverVersion server_version_num, e.g. 150010
 * @param replication pg_stat_replication rows {usename, application_name, client_addr, state,
 *     sync_state, sync_priority}
 * @param pendingRestartReason GUC -> {old_value, new_value} for settings that need a restart
 */
public record LocalState(
    DataDirState dataDir,
    boolean running,
    String state,
    Boolean inRecovery,
    Integer timeline,
    Long flushLsn,
    Long receiveLsn,
    Long replayLsn,
    Long latestEndLsn,
    String replicationState,
    String sysid,
    String controlState,
    Integer serverVersion,
    Instant postmasterStartTime,
    Boolean replayPaused,
    Instant replayedTimestamp,
    List<Map<String, Object>> replication,
    boolean pendingRestart,
    Map<String, Object> pendingRestartReason) {

  public enum DataDirState {
    /** Missing or empty: needs bootstrap or a clone. */
    EMPTY,
    /** Holds a PostgreSQL cluster (PG_VERSION and global/pg_control present). */
    INITIALIZED,
    /** Not empty but not a usable cluster, or not accessible. */
    INVALID
  }

  /** A snapshot of an instance that is not running (or not answering), from pg_controldata. */
  public static LocalState notRunning(
      DataDirState dataDir, String state, Integer timeline, String sysid, String controlState) {
    return new LocalState(
        dataDir,
        false,
        state,
        null,
        timeline,
        null,
        null,
        null,
        null,
        null,
        sysid,
        controlState,
        null,
        null,
        null,
        null,
        List.of(),
        false,
        Map.of());
  }

  /** This snapshot with another state string (e.g. a background task's "creating replica"). */
  public LocalState withState(String newState) {
    return new LocalState(
        dataDir,
        running,
        newState,
        inRecovery,
        timeline,
        flushLsn,
        receiveLsn,
        replayLsn,
        latestEndLsn,
        replicationState,
        sysid,
        controlState,
        serverVersion,
        postmasterStartTime,
        replayPaused,
        replayedTimestamp,
        replication,
        pendingRestart,
        pendingRestartReason);
  }

  public boolean isPrimary() {
    return running && Boolean.FALSE.equals(inRecovery);
  }

  public boolean isReplica() {
    return running && Boolean.TRUE.equals(inRecovery);
  }

  /** The position used in the leader race: primary flush LSN, else max(receive, replay). */
  public long walPosition() {
    if (isPrimary() && flushLsn != null) {
      return flushLsn;
    }
    return Math.max(receiveLsn == null ? 0 : receiveLsn, replayLsn == null ? 0 : replayLsn);
  }
}
