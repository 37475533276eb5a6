package io.hagent.agent.ha;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a replica's copy of a logical slot is safe to use after a failover (Patroni's {@code
 * check_logical_slots_readiness}). A copy only decodes correctly if the primary kept the catalog
 * rows it needs: that is the case once this replica's physical slot on the primary carries a
 * catalog_xmin (hot_standby_feedback) that is not older than the primary's logical slot's as it was
 * when that protection began, and not newer than the copy's own. Until then the slot is "pending";
 * a promotion with pending slots logs a warning, as Patroni does.
 */
final class SlotReadiness {
  private static final Logger LOG = LoggerFactory.getLogger(SlotReadiness.class);

  /** Pending slot -> the primary's logical catalog_xmin once protection began (null: not yet). */
  private final Map<String, Long> pending = new LinkedHashMap<>();

  synchronized void queue(Collection<String> names) {
    names.forEach(n -> pending.putIfAbsent(n, null));
  }

  synchronized boolean isEmpty() {
    return pending.isEmpty();
  }

  /**
   * One replica cycle.
   *
   * @param askPrimary catalog_xmin of the named slots on the primary (null: could not ask)
   * @param mySlot our physical slot's name on the primary
   * @param localCatalogXmin catalog_xmin of our local logical slots
   */
  synchronized void check(
      Function<List<String>, Map<String, Long>> askPrimary,
      String mySlot,
      Map<String, Long> localCatalogXmin) {
    if (pending.isEmpty()) {
      return;
    }
    List<String> ask = new ArrayList<>();
    pending.forEach(
        (name, xmin) -> {
          if (xmin == null) {
            ask.add(name);
          }
        });
    ask.add(mySlot);
    Map<String, Long> answer = askPrimary.apply(ask);
    if (answer == null) {
      return;
    }
    Map<String, Long> onPrimary = new LinkedHashMap<>(answer);
    if (!onPrimary.containsKey(mySlot)) {
      LOG.warn("Physical slot {} does not exist on the primary", mySlot);
      return;
    }
    Long physical = onPrimary.remove(mySlot);
    if (physical == null) {
      return; // not streaming yet, or hot_standby_feedback is off
    }
    onPrimary.forEach(
        (name, xmin) -> {
          if (xmin != null && pending.containsKey(name) && pending.get(name) == null) {
            pending.put(name, xmin);
          }
        });
    for (String name : new ArrayList<>(pending.keySet())) {
      Long primaryLogical = pending.get(name);
      Long standby = localCatalogXmin.get(name);
      if (!localCatalogXmin.containsKey(name)) {
        pending.remove(name); // no such slot here (any more)
      } else if (primaryLogical != null
          && standby != null
          && primaryLogical <= physical
          && physical <= standby) {
        pending.remove(name);
        LOG.info("Logical slot {} is safe to be used after a failover", name);
      }
    }
  }

  /** We are being promoted: slots still pending may not decode correctly. */
  synchronized void onPromote() {
    if (!pending.isEmpty()) {
      LOG.warn(
          "Logical replication slots that might be unsafe to use after promote: {}",
          pending.keySet().stream()
              .map(n -> "'" + n + "'")
              .collect(Collectors.joining(", ", "{", "}")));
      pending.clear();
    }
  }
}
