package io.hagent.agent.postgres;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the primary's synchronous replication state for the planner, and remembers from which flush
 * position a standby newly listed in synchronous_standby_names counts as caught up: the primary's
 * flush LSN in the first cycle at least a second after the value was first seen in effect (every
 * walsender has reloaded by then; until that cycle no new standby counts as confirmed).
 */
final class SyncReplication {
  private static final Logger LOG = LoggerFactory.getLogger(SyncReplication.class);

  private static final String SETTINGS_SQL =
      "SELECT pg_catalog.current_setting('synchronous_standby_names') AS ssn,"
          // the server's value, not this session's (role setup sets it to local here)
          + " (SELECT reset_val FROM pg_catalog.pg_settings WHERE name = 'synchronous_commit')"
          + " AS sc,"
          + " pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_flush_lsn(), '0/0')::bigint"
          + " AS flush";

  private static final String SENDERS_SQL =
      "SELECT pid, application_name, state, sync_state,"
          + " pg_catalog.pg_wal_lsn_diff(write_lsn, '0/0')::bigint AS write_lsn,"
          + " pg_catalog.pg_wal_lsn_diff(flush_lsn, '0/0')::bigint AS flush_lsn,"
          + " pg_catalog.pg_wal_lsn_diff(replay_lsn, '0/0')::bigint AS replay_lsn"
          + " FROM pg_catalog.pg_stat_replication ORDER BY pid";

  private final LocalInstance pg;
  private final ConfigWriter config;

  /** How long a new value must have been in effect before the flush position is recorded. */
  private static final long SETTLE_NANOS = 1_000_000_000L;

  private String lastSeen;
  private long firstSeenNanos;

  /** Long.MAX_VALUE while the value in effect is too new: no standby is confirmed yet. */
  private long confirmedFrom = Long.MAX_VALUE;

  SyncReplication(LocalInstance pg, ConfigWriter config) {
    this.pg = pg;
    this.config = config;
  }

  /** See {@link Postgres#syncStatus()}; null when the server cannot answer as a primary. */
  synchronized SyncStatus status() {
    try {
      LocalConnection db = pg.local();
      Map<String, Object> row = db.query(SETTINGS_SQL).get(0);
      String ssn = String.valueOf(row.get("ssn"));
      long flush = ((Number) row.get("flush")).longValue();
      long now = System.nanoTime();
      if (!Objects.equals(ssn, lastSeen)) {
        lastSeen = ssn;
        firstSeenNanos = now;
        confirmedFrom = Long.MAX_VALUE;
      }
      if (confirmedFrom == Long.MAX_VALUE && now - firstSeenNanos >= SETTLE_NANOS) {
        // every walsender has had a second to reload: commits acknowledged under the previous
        // value are all at or below the flush position from now on
        confirmedFrom = flush;
      }
      List<SyncStatus.WalSender> senders = new ArrayList<>();
      for (Map<String, Object> r : db.query(SENDERS_SQL)) {
        senders.add(
            new SyncStatus.WalSender(
                ((Number) r.get("pid")).intValue(),
                (String) r.get("application_name"),
                (String) r.get("state"),
                (String) r.get("sync_state"),
                asLong(r.get("write_lsn")),
                asLong(r.get("flush_lsn")),
                asLong(r.get("replay_lsn"))));
      }
      return new SyncStatus(
          ssn,
          String.valueOf(row.get("sc")),
          flush,
          confirmedFrom,
          senders,
          config.managedStandbyNames() != null);
    } catch (SQLException | RuntimeException e) {
      LOG.debug("cannot read the synchronous replication state: {}", e.getMessage());
      return null;
    }
  }

  private static Long asLong(Object o) {
    return o instanceof Number n ? n.longValue() : null;
  }
}
