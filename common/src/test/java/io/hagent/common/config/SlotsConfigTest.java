package io.hagent.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlotsConfigTest {

  @Test
  void permanentSlotsWithPatronisDefaults() {
    SlotsConfig c =
        SlotsConfig.from(
            Map.of(
                "slots",
                Map.of(
                    "a",
                    Map.of("type", "physical"),
                    "b",
                    Map.of("database", "app", "plugin", "pgoutput"),
                    "BAD-name",
                    Map.of(),
                    "c",
                    Map.of("type", "logical"))));
    assertEquals("physical", c.permanent().get("a").type());
    assertEquals("logical", c.permanent().get("b").type(), "type inferred from database+plugin");
    assertFalse(c.permanent().containsKey("BAD-name"));
    assertFalse(c.permanent().containsKey("c"), "logical without database/plugin");
    assertEquals(2, c.errors().size());
    assertEquals(1800, c.memberSlotsTtlSeconds());
  }

  @Test
  void aliasesAndDurations() {
    assertTrue(
        SlotsConfig.from(Map.of("permanent_slots", Map.of("x", Map.of())))
            .permanent()
            .containsKey("x"));
    assertEquals(10, SlotsConfig.from(Map.of("member_slots_ttl", "10s")).memberSlotsTtlSeconds());
    assertEquals(
        1800, SlotsConfig.from(Map.of("member_slots_ttl", "30min")).memberSlotsTtlSeconds());
    assertEquals(0, SlotsConfig.from(Map.of("member_slots_ttl", 0)).memberSlotsTtlSeconds());
    assertEquals(7200, SlotsConfig.from(Map.of("member_slots_ttl", "2h")).memberSlotsTtlSeconds());
  }

  @Test
  void ignoreMatchersCompareOnlyWhatTheyName() {
    SlotsConfig c =
        SlotsConfig.from(
            Map.of(
                "ignore_slots",
                List.of(Map.of("name", "barman"), Map.of("type", "logical", "database", "app"))));
    assertTrue(c.ignores("barman", "physical", null, null));
    assertTrue(c.ignores("anything", "logical", "app", "pgoutput"));
    assertFalse(c.ignores("anything", "logical", "other", "pgoutput"));
    assertFalse(c.ignores("other", "physical", null, null));
  }
}
