package io.hagent.agent.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.postgres.Divergence.LocalKind;
import org.junit.jupiter.api.Test;

class DivergenceTest {
  private static final String HISTORY =
      "1\t0/3000060\tno recovery target specified\n2\t0/5000000\tno recovery target specified\n";

  @Test
  void parsesSwitchpoints() {
    assertEquals(0x3000060L, Divergence.switchpoint(HISTORY, 1));
    assertEquals(0x5000000L, Divergence.switchpoint(HISTORY, 2));
    assertNull(Divergence.switchpoint(HISTORY, 3));
  }

  @Test
  void decisions() {
    // Same timeline: nothing to do; ahead of the leader: diverged.
    assertFalse(Divergence.needsRewind(2, 1, LocalKind.REPLICA, null, 2, null));
    assertTrue(Divergence.needsRewind(3, 1, LocalKind.REPLICA, null, 2, null));
    // Replica: only if it replayed past the switch point.
    assertFalse(Divergence.needsRewind(1, 0x3000060L, LocalKind.REPLICA, null, 3, HISTORY));
    assertTrue(Divergence.needsRewind(1, 0x3000061L, LocalKind.REPLICA, null, 3, HISTORY));
    // Former primary: its shutdown checkpoint must end exactly at the switch point.
    assertFalse(
        Divergence.needsRewind(1, 0x3000028L, LocalKind.FORMER_PRIMARY, 0x3000060L, 2, HISTORY));
    assertTrue(
        Divergence.needsRewind(1, 0x3000028L, LocalKind.FORMER_PRIMARY, 0x3000070L, 2, HISTORY));
    assertTrue(
        Divergence.needsRewind(1, 0x3000060L, LocalKind.FORMER_PRIMARY, 0x30000D8L, 2, HISTORY));
    assertTrue(Divergence.needsRewind(1, 0x3000028L, LocalKind.FORMER_PRIMARY, null, 2, HISTORY));
    // My timeline is not in the leader's history.
    assertTrue(Divergence.needsRewind(4, 1, LocalKind.REPLICA, null, 5, HISTORY));
  }
}
