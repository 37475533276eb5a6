package io.hagent.agent.postgres;

import java.sql.SQLException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's physical replication slots (Patroni's {@code SlotsHandler}): one per member that
 * streams from it. Room for permanent and logical slots next to it.
 */
final class SlotManager {
  private static final Logger LOG = LoggerFactory.getLogger(SlotManager.class);

  private final LocalInstance pg;

  SlotManager(LocalInstance pg) {
    this.pg = pg;
  }

  /** See {@link Postgres#syncReplicationSlots}. */
  void sync(Set<String> slotNames) {
    LocalConnection local = pg.local();
    try {
      Set<String> existing = new HashSet<>();
      for (Map<String, Object> s :
          local.query(
              "SELECT slot_name, active FROM pg_catalog.pg_replication_slots"
                  + " WHERE slot_type = 'physical'")) {
        String name = String.valueOf(s.get("slot_name"));
        existing.add(name);
        if (!slotNames.contains(name) && !Boolean.TRUE.equals(s.get("active"))) {
          local.execute(
              "SELECT pg_catalog.pg_drop_replication_slot(" + LocalConnection.literal(name) + ")",
              LocalConnection.DEFAULT_TIMEOUT_SECONDS);
          LOG.info("Dropped physical replication slot '{}'", name);
        }
      }
      for (String name : slotNames) {
        if (existing.contains(name)) {
          continue;
        }
        if (!SlotNames.isValid(name)) {
          LOG.error("Invalid replication slot name '{}'", name);
          continue;
        }
        local.execute(
            "SELECT pg_catalog.pg_create_physical_replication_slot("
                + LocalConnection.literal(name)
                + ", true)",
            LocalConnection.DEFAULT_TIMEOUT_SECONDS);
        LOG.info("Created physical replication slot '{}'", name);
      }
    } catch (SQLException e) {
      LOG.error("Failed to synchronize replication slots: {}", e.getMessage());
    }
  }
}
