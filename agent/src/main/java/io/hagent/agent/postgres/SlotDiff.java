package io.hagent.agent.postgres;

import io.hagent.common.config.SlotsConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to do to make the local slots match the desired ones (Patroni's {@code SlotsHandler.sync}
 * without the I/O): a pure function, so every rule is a table test. {@link SlotManager} carries the
 * result out.
 *
 * <p>Rules, in Patroni's order: a slot nobody wants is dropped unless an {@code ignore_slots}
 * matcher covers it or the cluster is paused; a wanted slot whose type, database or plugin changed
 * is dropped (re-created next cycle); a slot whose WAL is lost is dropped (re-created, so the
 * client at least gets an error rather than a silent gap); a physical slot nothing should consume
 * here that holds an xmin is dropped (it would hold the vacuum horizon forever); missing slots are
 * created (logical ones on the primary only); physical slots nothing consumes here are advanced to
 * the position the leader published.
 */
public final class SlotDiff {

  private SlotDiff() {}

  /** One drop, with the sentence to log before it. */
  public record Drop(String name, String why) {}

  /** The actions, to be carried out in this order: drop, create, advance. */
  /**
   * @param advance physical slots to advance, to the position
   * @param advanceLogical logical slots to advance (replica), to the position
   * @param copyLogical logical slots a replica must copy from the primary (they cannot be created
   *     in recovery, and a fresh one would not start where the primary's consumer is)
   */
  public record Actions(
      List<Drop> drop,
      List<SlotSpec> createPhysical,
      List<SlotSpec> createLogical,
      Map<String, Long> advance,
      Map<String, Long> advanceLogical,
      List<SlotSpec> copyLogical) {
    public boolean isEmpty() {
      return drop.isEmpty()
          && createPhysical.isEmpty()
          && createLogical.isEmpty()
          && advance.isEmpty()
          && advanceLogical.isEmpty();
    }
  }

  /**
   * @param primary this node runs as primary (logical slots are created only there)
   * @param cleanInactive drop physical slots not expected to be active that hold an xmin (Patroni:
   *     not while the cluster has no leader, nor on a leader still in recovery)
   */
  public static Actions plan(
      Map<String, SlotSpec> desired,
      List<ExistingSlot> existing,
      SlotsConfig config,
      boolean paused,
      boolean primary,
      boolean cleanInactive) {
    List<Drop> drop = new ArrayList<>();
    List<SlotSpec> createPhysical = new ArrayList<>();
    List<SlotSpec> createLogical = new ArrayList<>();
    Map<String, Long> advance = new LinkedHashMap<>();
    Map<String, Long> advanceLogical = new LinkedHashMap<>();
    List<SlotSpec> copyLogical = new ArrayList<>();
    Map<String, ExistingSlot> have = new LinkedHashMap<>();
    for (ExistingSlot s : existing) {
      SlotSpec want = desired.get(s.name());
      if (want == null) {
        if (!paused && !config.ignores(s.name(), s.type(), s.database(), s.plugin())) {
          drop.add(
              new Drop(s.name(), "Trying to drop unknown replication slot '" + s.name() + "'"));
        }
        continue;
      }
      if (!sameKind(want, s)) {
        drop.add(
            new Drop(
                s.name(),
                "Trying to drop replication slot '"
                    + s.name()
                    + "' because value is changing from "
                    + describe(s.type(), s.database(), s.plugin())
                    + " to "
                    + describe(want.type(), want.database(), want.plugin())));
        continue;
      }
      if ("lost".equals(s.walStatus())) {
        drop.add(
            new Drop(
                s.name(), "Dropping replication slot '" + s.name() + "' because its WAL is lost"));
        continue;
      }
      if (s.physical()
          && cleanInactive
          && Boolean.FALSE.equals(want.expectedActive())
          && s.hasXmin()
          && !s.active()) {
        drop.add(
            new Drop(
                s.name(),
                "Dropping physical replication slot " + s.name() + " because of its xmin value"));
        continue;
      }
      have.put(s.name(), s);
    }
    for (SlotSpec want : desired.values()) {
      ExistingSlot s = have.get(want.name());
      if (s == null) {
        if (drop.stream().anyMatch(d -> d.name().equals(want.name()))) {
          continue; // re-created next cycle, once the drop is done
        }
        if (want.physical()) {
          createPhysical.add(want);
        } else if (primary) {
          createLogical.add(want);
        } else if (want.lsn() != null) {
          copyLogical.add(want); // only once the primary published its position
        }
        continue;
      }
      if (!want.physical()) {
        if (!primary
            && !s.active()
            && want.lsn() != null
            && (s.confirmedFlushLsn() == null || s.confirmedFlushLsn() < want.lsn())) {
          advanceLogical.put(s.name(), want.lsn());
        }
        continue;
      }
      if (Boolean.TRUE.equals(want.expectedActive()) || s.active()) {
        continue;
      }
      if (s.hasXmin()) {
        continue;
      }
      if (s.restartLsn() == null) {
        drop.add(
            new Drop(
                s.name(),
                "Dropping physical replication slot "
                    + s.name()
                    + " because it has no restart_lsn. This slot was probably not created by"
                    + " Patroni, but by an external agent."));
        continue;
      }
      if (want.lsn() != null && want.lsn() > s.restartLsn()) {
        advance.put(s.name(), want.lsn());
      }
    }
    return new Actions(
        List.copyOf(drop),
        List.copyOf(createPhysical),
        List.copyOf(createLogical),
        advance,
        advanceLogical,
        List.copyOf(copyLogical));
  }

  private static boolean sameKind(SlotSpec want, ExistingSlot s) {
    return want.type().equals(s.type())
        && (want.physical()
            || Objects.equals(want.database(), s.database())
                && Objects.equals(want.plugin(), s.plugin()));
  }

  private static String describe(String type, String database, String plugin) {
    return "physical".equals(type)
        ? "{'type': 'physical'}"
        : "{'type': '" + type + "', 'database': '" + database + "', 'plugin': '" + plugin + "'}";
  }

  /** "0/16B3748" for a byte position. */
  public static String formatLsn(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase(java.util.Locale.ROOT)
        + "/"
        + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase(java.util.Locale.ROOT);
  }
}
