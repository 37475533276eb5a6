package io.hagent.agent.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hagent.common.config.SlotsConfig;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** What the leader publishes in the status key's slots. */
class SlotKeeperTest {
  private static final Map<String, Long> ON_LEADER =
      Map.of("node2", 100L, "backup", 90L, "cdc", 80L);

  @Test
  void withRetentionEveryManagedSlotAndOurOwnAtTheFlushPosition() {
    SlotsConfig cfg =
        SlotsConfig.from(Map.of("slots", Map.of("backup", Map.of(), "cdc", logical())));
    assertEquals(
        "{backup=90, cdc=80, node1=500, node2=100}",
        new TreeMap<>(SlotKeeper.published("node1", ON_LEADER, cfg, 500)).toString());
  }

  @Test
  void withoutRetentionOnlyPermanentSlots() {
    SlotsConfig cfg =
        SlotsConfig.from(
            Map.of("member_slots_ttl", 0, "slots", Map.of("backup", Map.of(), "cdc", logical())));
    assertEquals(
        "{backup=90, cdc=80}",
        new TreeMap<>(SlotKeeper.published("node1", ON_LEADER, cfg, 500)).toString());
  }

  @Test
  void withoutRetentionOurOwnSlotWhenItIsPermanent() {
    SlotsConfig cfg =
        SlotsConfig.from(Map.of("member_slots_ttl", 0, "slots", Map.of("node1", Map.of())));
    assertEquals(
        "{node1=500}",
        new TreeMap<>(SlotKeeper.published("node1", ON_LEADER, cfg, 500)).toString());
  }

  private static Map<String, Object> logical() {
    return Map.of("type", "logical", "database", "app", "plugin", "test_decoding");
  }
}
