package io.hagent.agent.postgres;

import java.util.List;

/**
 * What the primary knows about its synchronous replication, read once per cycle while synchronous
 * mode is managed: the setting in effect, the walsenders, and the flush position from which a
 * standby newly listed in {@code synchronous_standby_names} counts as caught up.
 *
 * @param standbyNames synchronous_standby_names as the server runs with it now
 * @param synchronousCommit synchronous_commit (decides which LSN of a walsender counts)
 * @param flushLsn pg_current_wal_flush_lsn() now
 * @param confirmedFrom the primary's flush LSN when the current synchronous_standby_names was first
 *     seen in effect: commits acknowledged under the previous value are all at or below it
 * @param senders pg_stat_replication, one row per walsender
 * @param managed hagent has set synchronous_standby_names itself (false: the user's value or none)
 */
public record SyncStatus(
    String standbyNames,
    String synchronousCommit,
    long flushLsn,
    long confirmedFrom,
    List<WalSender> senders,
    boolean managed) {

  public SyncStatus {
    senders = List.copyOf(senders);
  }

  /**
   * One pg_stat_replication row.
   *
   * @param state walsender state: streaming, catchup, startup, backup, stopping
   * @param syncState async, potential, sync, quorum
   */
  public record WalSender(
      int pid,
      String applicationName,
      String state,
      String syncState,
      Long writeLsn,
      Long flushLsn,
      Long replayLsn) {

    /** The position that counts for synchronous_commit (Patroni's choice of column). */
    public Long lsnFor(String synchronousCommit) {
      return switch (synchronousCommit == null ? "" : synchronousCommit) {
        case "remote_apply" -> replayLsn;
        case "remote_write" -> writeLsn;
        default -> flushLsn;
      };
    }
  }
}
