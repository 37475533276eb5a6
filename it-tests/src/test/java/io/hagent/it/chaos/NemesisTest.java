package io.hagent.it.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How combined faults are injected and healed, without containers: the heal must undo all. */
class NemesisTest {
  private final List<String> log = new ArrayList<>();

  private Nemesis.Heal part(String name) {
    log.add("inject " + name);
    return () -> log.add("heal " + name);
  }

  @Test
  void aCombinationHealsEveryPartInReverseOrder() {
    Nemesis.Heal heal = Nemesis.together(() -> part("a"), () -> part("b"));
    heal.heal();
    assertEquals(List.of("inject a", "inject b", "heal b", "heal a"), log);
  }

  @Test
  void aFailingHealDoesNotKeepTheOtherPartsFromBeingHealed() {
    IllegalStateException boom = new IllegalStateException("unpause failed");
    Nemesis.Heal heal =
        Nemesis.together(
            () -> part("a"),
            () -> {
              log.add("inject b");
              return () -> {
                throw boom;
              };
            });
    assertSame(boom, assertThrows(IllegalStateException.class, heal::heal));
    assertEquals(List.of("inject a", "inject b", "heal a"), log);
  }

  @Test
  void aFailedInjectionHealsWhatWasAlreadyInjectedAndFails() {
    IllegalStateException boom = new IllegalStateException("iptables failed");
    assertSame(
        boom,
        assertThrows(
            IllegalStateException.class,
            () ->
                Nemesis.together(
                    () -> part("a"),
                    () -> {
                      throw boom;
                    },
                    () -> part("c"))));
    assertEquals(List.of("inject a", "heal a"), log);
  }

  @Test
  void everyLabelIsUniqueAndFindsItsFault() {
    List<String> labels = Nemesis.labels();
    assertEquals(labels.size(), new HashSet<>(labels).size());
    for (Nemesis n : Nemesis.values()) {
      assertSame(n, Nemesis.byLabel(n.label()));
    }
    assertSame(Nemesis.KILL_BOTH_ETCD_MEMBER_DOWN, Nemesis.byLabel("kill-both+etcd-member-down"));
  }
}
