package io.hagent.agent.ha;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A copied logical slot is safe once the primary protects its catalog rows (Patroni's rule). */
class SlotReadinessTest {

  private static Map<String, Long> primary(Long physical, Long logical) {
    Map<String, Long> m = new HashMap<>();
    m.put("node2", physical);
    m.put("cdc", logical);
    return m;
  }

  @Test
  void safeOncePhysicalCatalogXminCoversTheCopy() {
    SlotReadiness r = new SlotReadiness();
    r.queue(List.of("cdc"));
    r.check(names -> primary(null, 700L), "node2", Map.of("cdc", 690L));
    assertFalse(r.isEmpty(), "no feedback from this replica yet");
    r.check(names -> primary(695L, 700L), "node2", Map.of("cdc", 690L));
    assertFalse(r.isEmpty(), "feedback newer than the copy needs: not protected");
    r.check(names -> primary(700L, 720L), "node2", Map.of("cdc", 705L));
    assertTrue(r.isEmpty(), "700 <= 700 <= 705");
  }

  @Test
  void primaryUnreachableOrOurSlotMissingKeepsItPending() {
    SlotReadiness r = new SlotReadiness();
    r.queue(List.of("cdc"));
    r.check(names -> null, "node2", Map.of("cdc", 1L));
    r.check(names -> Map.of("cdc", 1L), "node2", Map.of("cdc", 1L));
    assertFalse(r.isEmpty());
    r.onPromote();
    assertTrue(r.isEmpty(), "promotion warns and forgets");
  }

  @Test
  void aSlotThatIsGoneLocallyIsNoLongerPending() {
    SlotReadiness r = new SlotReadiness();
    r.queue(List.of("cdc"));
    r.check(names -> primary(5L, 5L), "node2", Map.of());
    assertTrue(r.isEmpty());
  }
}
