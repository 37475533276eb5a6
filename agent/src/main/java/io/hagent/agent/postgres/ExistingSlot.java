package io.hagent.agent.postgres;

/**
 * One row of {@code pg_replication_slots} (temporary slots excluded).
 *
 * @param restartLsn null when the slot reserves no WAL
 * @param confirmedFlushLsn logical only
 * @param walStatus {@code reserved}, {@code extended}, {@code unreserved}, {@code lost} (PG 13+)
 * @param hasXmin the slot holds back the xmin horizon (hot_standby_feedback of a former client)
 * @param catalogXmin the oldest catalog transaction the slot needs (logical slots), or null
 */
public record ExistingSlot(
    String name,
    String type,
    String database,
    String plugin,
    boolean active,
    Long restartLsn,
    Long confirmedFlushLsn,
    String walStatus,
    boolean hasXmin,
    Long catalogXmin) {

  public ExistingSlot(
      String name,
      String type,
      String database,
      String plugin,
      boolean active,
      Long restartLsn,
      Long confirmedFlushLsn,
      String walStatus,
      boolean hasXmin) {
    this(
        name,
        type,
        database,
        plugin,
        active,
        restartLsn,
        confirmedFlushLsn,
        walStatus,
        hasXmin,
        null);
  }

  public boolean physical() {
    return "physical".equals(type);
  }

  /** The position published for this slot in the status key (Patroni: restart or confirmed). */
  public Long position() {
    return physical() ? restartLsn : confirmedFlushLsn;
  }
}
