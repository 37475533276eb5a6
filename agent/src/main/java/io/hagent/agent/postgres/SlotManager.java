package io.hagent.agent.postgres;

import io.hagent.common.config.SlotsConfig;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out slot upkeep on the local instance (Patroni's {@code SlotsHandler}): reads {@code
 * pg_replication_slots}, asks {@link SlotDiff} what to change and does it. Decides nothing itself.
 * Every failure is logged and leaves the other slots alone; the next cycle tries again.
 */
final class SlotManager {
  private static final Logger LOG = LoggerFactory.getLogger(SlotManager.class);

  static final String SLOTS_QUERY =
      "SELECT slot_name, slot_type, database, plugin, active, xmin IS NOT NULL AS has_xmin,"
          + " pg_catalog.pg_wal_lsn_diff(restart_lsn, '0/0')::bigint AS restart_lsn,"
          + " pg_catalog.pg_wal_lsn_diff(confirmed_flush_lsn, '0/0')::bigint AS confirmed_flush,"
          + " wal_status FROM pg_catalog.pg_replication_slots WHERE NOT temporary";

  private final LocalInstance pg;

  SlotManager(LocalInstance pg) {
    this.pg = pg;
  }

  /** See {@link Postgres#createMemberSlots}: creates the missing ones, drops nothing. */
  void createMissing(Set<String> slotNames) {
    try {
      Set<String> have = new java.util.HashSet<>();
      for (ExistingSlot s : read()) {
        have.add(s.name());
      }
      for (String name : slotNames) {
        if (!have.contains(name)) {
          createPhysical(name);
        }
      }
    } catch (SQLException e) {
      LOG.error("Failed to synchronize replication slots: {}", e.getMessage());
    }
  }

  /** See {@link Postgres#syncSlots}. */
  Map<String, Long> sync(
      Map<String, SlotSpec> desired,
      SlotsConfig config,
      boolean paused,
      boolean primary,
      boolean cleanInactive) {
    try {
      List<ExistingSlot> existing = read();
      SlotDiff.Actions actions =
          SlotDiff.plan(desired, existing, config, paused, primary, cleanInactive);
      if (!actions.isEmpty()) {
        apply(actions);
        existing = read();
      }
      Map<String, Long> positions = new LinkedHashMap<>();
      for (ExistingSlot s : existing) {
        if (desired.containsKey(s.name()) && s.position() != null) {
          positions.put(s.name(), s.position());
        }
      }
      return positions;
    } catch (SQLException e) {
      LOG.error("Exception when changing replication slots: {}", e.getMessage());
      return Map.of();
    }
  }

  List<ExistingSlot> read() throws SQLException {
    List<ExistingSlot> out = new ArrayList<>();
    for (Map<String, Object> r : pg.local().query(SLOTS_QUERY)) {
      out.add(
          new ExistingSlot(
              String.valueOf(r.get("slot_name")),
              String.valueOf(r.get("slot_type")),
              (String) r.get("database"),
              (String) r.get("plugin"),
              Boolean.TRUE.equals(r.get("active")),
              r.get("restart_lsn") instanceof Number n ? n.longValue() : null,
              r.get("confirmed_flush") instanceof Number n ? n.longValue() : null,
              (String) r.get("wal_status"),
              Boolean.TRUE.equals(r.get("has_xmin"))));
    }
    return out;
  }

  private void apply(SlotDiff.Actions actions) {
    for (SlotDiff.Drop d : actions.drop()) {
      LOG.info("{}", d.why());
      drop(d.name());
    }
    for (SlotSpec s : actions.createPhysical()) {
      createPhysical(s.name());
    }
    for (SlotSpec s : actions.createLogical()) {
      createLogical(s);
    }
    actions
        .advance()
        .forEach(
            (name, lsn) -> {
              try {
                pg.local()
                    .execute(
                        "SELECT pg_catalog.pg_replication_slot_advance("
                            + LocalConnection.literal(name)
                            + ", "
                            + LocalConnection.literal(SlotDiff.formatLsn(lsn))
                            + ")",
                        LocalConnection.DEFAULT_TIMEOUT_SECONDS);
              } catch (SQLException e) {
                LOG.error(
                    "Error while advancing replication slot {} to position '{}': {}",
                    name,
                    SlotDiff.formatLsn(lsn),
                    e.getMessage());
              }
            });
  }

  /** Drops an inactive slot; an active one stays (Patroni's query, one round trip). */
  private void drop(String name) {
    String lit = LocalConnection.literal(name);
    try {
      List<Map<String, Object>> rows =
          pg.local()
              .query(
                  "WITH slots AS (SELECT slot_name, active FROM pg_catalog.pg_replication_slots"
                      + " WHERE slot_name = "
                      + lit
                      + "), dropped AS (SELECT pg_catalog.pg_drop_replication_slot(slot_name),"
                      + " true AS dropped FROM slots WHERE not active)"
                      + " SELECT active, COALESCE(dropped, false) AS dropped FROM slots"
                      + " FULL OUTER JOIN dropped ON true");
      boolean active = !rows.isEmpty() && Boolean.TRUE.equals(rows.get(0).get("active"));
      boolean dropped = !rows.isEmpty() && Boolean.TRUE.equals(rows.get(0).get("dropped"));
      if (dropped) {
        LOG.info("Dropped replication slot '{}'", name);
      } else if (active) {
        LOG.warn("Unable to drop replication slot '{}', slot is active", name);
      } else {
        LOG.error("Failed to drop replication slot '{}'", name);
      }
    } catch (SQLException e) {
      LOG.error("Failed to drop replication slot '{}': {}", name, e.getMessage());
    }
  }

  private void createPhysical(String name) {
    if (!SlotNames.isValid(name)) {
      LOG.error("Invalid replication slot name '{}'", name);
      return;
    }
    String lit = LocalConnection.literal(name);
    try {
      pg.local()
          .execute(
              "SELECT pg_catalog.pg_create_physical_replication_slot("
                  + lit
                  + ", true) WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots"
                  + " WHERE slot_type = 'physical' AND slot_name = "
                  + lit
                  + ")",
              LocalConnection.DEFAULT_TIMEOUT_SECONDS);
      LOG.info("Created physical replication slot '{}'", name);
    } catch (SQLException e) {
      LOG.error("Failed to create physical replication slot '{}': {}", name, e.getMessage());
    }
  }

  /** A logical slot must be created from a connection to its own database. */
  private void createLogical(SlotSpec s) {
    String lit = LocalConnection.literal(s.name());
    try (LocalConnection db =
        new LocalConnection(
            pg.pg().localHost(), pg.pg().port(), s.database(), pg.pg().superuser(), false)) {
      db.execute(
          "SELECT pg_catalog.pg_create_logical_replication_slot("
              + lit
              + ", "
              + LocalConnection.literal(s.plugin())
              + ") WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots"
              + " WHERE slot_type = 'logical' AND slot_name = "
              + lit
              + ")",
          LocalConnection.DEFAULT_TIMEOUT_SECONDS);
      LOG.info("Created logical replication slot '{}' plugin='{}'", s.name(), s.plugin());
    } catch (SQLException e) {
      LOG.error(
          "Failed to create logical replication slot '{}' plugin='{}': {}",
          s.name(),
          s.plugin(),
          e.getMessage());
    }
  }
}
