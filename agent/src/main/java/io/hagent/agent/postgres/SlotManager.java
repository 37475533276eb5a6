package io.hagent.agent.postgres;

import io.hagent.common.cluster.HostPort;
import io.hagent.common.config.SlotsConfig;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
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
          + " catalog_xmin::text::bigint AS catalog_xmin,"
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
  SlotSync sync(
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
        apply(actions, desired);
        existing = read();
      }
      Map<String, Long> positions = new LinkedHashMap<>();
      for (ExistingSlot s : existing) {
        if (desired.containsKey(s.name()) && s.position() != null) {
          positions.put(s.name(), s.position());
        }
      }
      Map<String, Long> catalogXmin = new LinkedHashMap<>();
      for (ExistingSlot s : existing) {
        if (!s.physical() && s.catalogXmin() != null) {
          catalogXmin.put(s.name(), s.catalogXmin());
        }
      }
      return new SlotSync(positions, actions.copyLogical(), catalogXmin);
    } catch (SQLException e) {
      LOG.error("Exception when changing replication slots: {}", e.getMessage());
      return SlotSync.NONE;
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
              Boolean.TRUE.equals(r.get("has_xmin")),
              r.get("catalog_xmin") instanceof Number n ? n.longValue() : null));
    }
    return out;
  }

  private void apply(SlotDiff.Actions actions, Map<String, SlotSpec> desired) {
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
    advanceLogical(actions.advanceLogical(), desired);
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

  /**
   * Advances logical slot copies on a replica, from a connection to each slot's database (PG clamps
   * the target to what was replayed here).
   */
  private void advanceLogical(Map<String, Long> advance, Map<String, SlotSpec> desired) {
    advance.forEach(
        (name, lsn) -> {
          SlotSpec spec = desired.get(name);
          try (LocalConnection db = connectionTo(spec.database())) {
            db.execute(
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

  private LocalConnection connectionTo(String database) {
    return new LocalConnection(
        pg.pg().localHost(), pg.pg().port(), database, pg.pg().superuser(), false);
  }

  /**
   * Reads the state files of {@code slots} from the primary (Patroni's copy_logical_slots: {@code
   * pg_read_binary_file} over a superuser connection), keeping only those whose type, database and
   * plugin match the configuration.
   *
   * @return slot name to the contents of its {@code pg_replslot/<name>/state}
   */
  Map<String, byte[]> readFromPrimary(HostPort primary, List<SlotSpec> slots) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    StringBuilder names = new StringBuilder();
    for (SlotSpec s : slots) {
      names.append(names.length() == 0 ? "" : ",").append(LocalConnection.literal(s.name()));
    }
    try (LocalConnection remote =
        new LocalConnection(
            primary.host(), primary.port(), pg.database(), pg.pg().superuser(), false)) {
      for (Map<String, Object> r :
          remote.query(
              "SELECT slot_name, slot_type, datname, plugin,"
                  + " pg_catalog.pg_read_binary_file('pg_replslot/' || slot_name || '/state')"
                  + " AS data FROM pg_catalog.pg_get_replication_slots()"
                  + " JOIN pg_catalog.pg_database ON datoid = oid"
                  + " WHERE NOT pg_catalog.pg_is_in_recovery() AND slot_name IN ("
                  + names
                  + ")")) {
        String name = String.valueOf(r.get("slot_name"));
        SlotSpec want = slots.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
        if (want == null || !(r.get("data") instanceof byte[] data)) {
          continue;
        }
        if ("logical".equals(r.get("slot_type"))
            && want.database().equals(r.get("datname"))
            && want.plugin().equals(r.get("plugin"))) {
          out.put(name, data);
        } else {
          LOG.warn("Will not copy the logical slot \"{}\" due to the configuration mismatch", name);
        }
      }
    } catch (SQLException e) {
      LOG.error(
          "Failed to copy logical slots from the primary via postgresql connection: {}",
          e.getMessage());
    }
    return out;
  }

  /**
   * Writes copied slot state files into the stopped data directory: each through a temporary
   * directory renamed into place, fsynced, as PostgreSQL itself saves a slot.
   */
  void writeSlotFiles(Map<String, byte[]> slots) throws IOException {
    Path dir = pg.dataDir().resolve("pg_replslot");
    Set<PosixFilePermission> dirMode = PosixFilePermissions.fromString("rwx------");
    Set<PosixFilePermission> fileMode = PosixFilePermissions.fromString("rw-------");
    for (Map.Entry<String, byte[]> e : slots.entrySet()) {
      Path target = dir.resolve(e.getKey());
      Path tmp = dir.resolve(e.getKey() + ".tmp");
      deleteTree(tmp);
      Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(dirMode));
      Path state = tmp.resolve("state");
      Files.write(state, e.getValue());
      Files.setPosixFilePermissions(state, fileMode);
      fsync(state, false);
      fsync(tmp, true);
      deleteTree(target);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      fsync(target, true);
    }
    fsync(dir, true);
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  private static void fsync(Path p, boolean directory) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      if (!directory) {
        throw e;
      }
      // some file systems refuse to fsync a directory; PostgreSQL tolerates that too
    }
  }

  /**
   * catalog_xmin of the named slots on the primary (Patroni's readiness check of logical slot
   * copies); empty when the primary cannot be asked or is in recovery.
   */
  Map<String, Long> catalogXminOnPrimary(HostPort primary, List<String> names) {
    Map<String, Long> out = new LinkedHashMap<>();
    StringBuilder in = new StringBuilder();
    for (String n : names) {
      in.append(in.length() == 0 ? "" : ",").append(LocalConnection.literal(n));
    }
    try (LocalConnection remote =
        new LocalConnection(
            primary.host(), primary.port(), pg.database(), pg.pg().superuser(), false)) {
      for (Map<String, Object> r :
          remote.query(
              "SELECT slot_name, catalog_xmin::text::bigint AS catalog_xmin"
                  + " FROM pg_catalog.pg_get_replication_slots()"
                  + " WHERE NOT pg_catalog.pg_is_in_recovery() AND slot_name IN ("
                  + in
                  + ")")) {
        out.put(
            String.valueOf(r.get("slot_name")),
            r.get("catalog_xmin") instanceof Number n ? n.longValue() : null);
      }
    } catch (SQLException e) {
      LOG.error("Failed to check logical slots on the primary: {}", e.getMessage());
      return null;
    }
    return out;
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
    try (LocalConnection db = connectionTo(s.database())) {
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
