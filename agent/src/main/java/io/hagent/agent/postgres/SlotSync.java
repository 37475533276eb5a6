package io.hagent.agent.postgres;

import java.util.List;
import java.util.Map;

/**
 * What one slot upkeep ({@link Postgres#syncSlots}) found.
 *
 * @param positions the position of every desired slot that exists afterwards (physical:
 *     restart_lsn, logical: confirmed_flush_lsn), for the status key
 * @param toCopy logical slots this replica must copy from the primary ({@link
 *     Postgres#copyLogicalSlots}, which restarts PostgreSQL)
 * @param catalogXmin catalog_xmin of each local logical slot that has one
 */
public record SlotSync(
    Map<String, Long> positions, List<SlotSpec> toCopy, Map<String, Long> catalogXmin) {
  public static final SlotSync NONE = new SlotSync(Map.of(), List.of(), Map.of());
}
