package io.hagent.agent.postgres;

/**
 * A replication slot this node should have (Patroni's value in {@code get_replication_slots}).
 *
 * @param type {@code physical} or {@code logical}
 * @param database logical only
 * @param plugin logical only
 * @param lsn the position the slot should be advanced to when nothing consumes it here (from the
 *     status key, or a cascading member's own position); null: no feedback
 * @param expectedActive a client is expected to stream from this slot on this node, so it is not
 *     advanced here; null for logical slots
 */
public record SlotSpec(
    String name, String type, String database, String plugin, Long lsn, Boolean expectedActive) {

  public static SlotSpec physical(String name, Long lsn, boolean expectedActive) {
    return new SlotSpec(name, "physical", null, null, lsn, expectedActive);
  }

  public static SlotSpec logical(String name, String database, String plugin, Long lsn) {
    return new SlotSpec(name, "logical", database, plugin, lsn, null);
  }

  public boolean physical() {
    return "physical".equals(type);
  }
}
