package io.hagent.agent.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SlotNamesTest {

  @ParameterizedTest
  @CsvSource({
    "node1, node1",
    "Node-1, node_1",
    "pg.db-02.example, pg_db_02_example",
    "node 1, nodeu00321",
    "a+b, au0043b",
    "café, cafu0233",
    "under_score, under_score"
  })
  void mapsMemberNamesLikePatroni(String member, String slot) {
    assertEquals(slot, SlotNames.slotName(member));
  }

  @Test
  void truncatesTo63Characters() {
    String slot = SlotNames.slotName("x".repeat(70));
    assertEquals(63, slot.length());
    assertTrue(SlotNames.isValid(slot));
  }

  @Test
  void validity() {
    assertTrue(SlotNames.isValid("node_1"));
    assertFalse(SlotNames.isValid("Node"));
    assertFalse(SlotNames.isValid(""));
    assertFalse(SlotNames.isValid("a'b"));
  }
}
