package io.hagent.agent.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hagent.common.config.SlotsConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The slot reconciliation rules, one row each: desired + existing -> drop/create/advance. */
class SlotDiffTest {

  private static final SlotsConfig IGNORE_EXT =
      SlotsConfig.from(
          Map.of(
              "ignore_slots",
              List.of(Map.of("name", "ext"), Map.of("type", "logical", "plugin", "wal2json"))));
  private static final SlotsConfig NONE = SlotsConfig.from(Map.of());

  static ExistingSlot phys(String name, Long restart) {
    return new ExistingSlot(name, "physical", null, null, false, restart, null, "reserved", false);
  }

  static ExistingSlot active(String name) {
    return new ExistingSlot(name, "physical", null, null, true, 100L, null, "reserved", false);
  }

  static ExistingSlot logical(String name, String db, String plugin) {
    return new ExistingSlot(name, "logical", db, plugin, false, 90L, 100L, "reserved", false);
  }

  static ExistingSlot lost(String name) {
    return new ExistingSlot(name, "physical", null, null, false, 100L, null, "lost", false);
  }

  static ExistingSlot xmin(String name) {
    return new ExistingSlot(name, "physical", null, null, false, 100L, null, "reserved", true);
  }

  static Map<String, SlotSpec> want(SlotSpec... specs) {
    Map<String, SlotSpec> m = new LinkedHashMap<>();
    for (SlotSpec s : specs) {
      m.put(s.name(), s);
    }
    return m;
  }

  /** Actions rendered as "drop:a create:b logical:c advance:d@lsn". */
  static String render(SlotDiff.Actions a) {
    StringBuilder sb = new StringBuilder();
    a.drop().forEach(d -> sb.append(" drop:").append(d.name()));
    a.createPhysical().forEach(s -> sb.append(" create:").append(s.name()));
    a.createLogical().forEach(s -> sb.append(" logical:").append(s.name()));
    a.advance().forEach((n, l) -> sb.append(" advance:").append(n).append('@').append(l));
    a.advanceLogical()
        .forEach((n, l) -> sb.append(" advanceLogical:").append(n).append('@').append(l));
    a.copyLogical().forEach(s -> sb.append(" copy:").append(s.name()));
    return sb.toString().trim();
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of(
            "missing member slot is created",
            want(SlotSpec.physical("node2", null, true)),
            List.of(),
            NONE,
            false,
            true,
            "create:node2"),
        Arguments.of(
            "stray slot is dropped",
            want(),
            List.of(phys("stray", 10L)),
            NONE,
            false,
            true,
            "drop:stray"),
        Arguments.of(
            "stray slot kept while paused",
            want(),
            List.of(phys("stray", 10L)),
            NONE,
            true,
            true,
            ""),
        Arguments.of(
            "ignore_slots by name: untouched",
            want(),
            List.of(phys("ext", 10L)),
            IGNORE_EXT,
            false,
            true,
            ""),
        Arguments.of(
            "ignore_slots by type+plugin: only the matching plugin is untouched",
            want(),
            List.of(logical("a", "app", "wal2json"), logical("b", "app", "pgoutput")),
            IGNORE_EXT,
            false,
            true,
            "drop:b"),
        Arguments.of(
            "permanent logical slot created on the primary",
            want(SlotSpec.logical("cdc", "app", "test_decoding", null)),
            List.of(),
            NONE,
            false,
            true,
            "logical:cdc"),
        Arguments.of(
            "permanent logical slot not created on a replica",
            want(SlotSpec.logical("cdc", "app", "test_decoding", null)),
            List.of(),
            NONE,
            false,
            false,
            ""),
        Arguments.of(
            "replica: permanent logical slot copied from the primary once it has a position",
            want(SlotSpec.logical("cdc", "app", "test_decoding", 500L)),
            List.of(),
            NONE,
            false,
            false,
            "copy:cdc"),
        Arguments.of(
            "replica: logical copy advanced to the primary's confirmed position",
            want(SlotSpec.logical("cdc", "app", "test_decoding", 500L)),
            List.of(logical("cdc", "app", "test_decoding")),
            NONE,
            false,
            false,
            "advanceLogical:cdc@500"),
        Arguments.of(
            "primary: its own logical slot is moved by its consumer only",
            want(SlotSpec.logical("cdc", "app", "test_decoding", 500L)),
            List.of(logical("cdc", "app", "test_decoding")),
            NONE,
            false,
            true,
            ""),
        Arguments.of(
            "logical slot with another plugin is dropped (re-created next cycle)",
            want(SlotSpec.logical("cdc", "app", "test_decoding", null)),
            List.of(logical("cdc", "app", "pgoutput")),
            NONE,
            false,
            true,
            "drop:cdc"),
        Arguments.of(
            "physical wanted where a logical one is: dropped",
            want(SlotSpec.physical("cdc", null, true)),
            List.of(logical("cdc", "app", "pgoutput")),
            NONE,
            false,
            true,
            "drop:cdc"),
        Arguments.of(
            "WAL lost: dropped",
            want(SlotSpec.physical("backup", null, true)),
            List.of(lost("backup")),
            NONE,
            false,
            true,
            "drop:backup"),
        Arguments.of(
            "not expected active: advanced to the published position",
            want(SlotSpec.physical("backup", 500L, false)),
            List.of(phys("backup", 100L)),
            NONE,
            false,
            false,
            "advance:backup@500"),
        Arguments.of(
            "never moved backwards",
            want(SlotSpec.physical("backup", 50L, false)),
            List.of(phys("backup", 100L)),
            NONE,
            false,
            false,
            ""),
        Arguments.of(
            "expected active: not advanced (its client moves it)",
            want(SlotSpec.physical("backup", 500L, true)),
            List.of(phys("backup", 100L)),
            NONE,
            false,
            true,
            ""),
        Arguments.of(
            "retained slot (expected_active unknown) advanced",
            want(new SlotSpec("gone", "physical", null, null, 500L, null)),
            List.of(phys("gone", 100L)),
            NONE,
            false,
            true,
            "advance:gone@500"),
        Arguments.of(
            "active slot is not advanced",
            want(SlotSpec.physical("node2", 500L, false)),
            List.of(active("node2")),
            NONE,
            false,
            false,
            ""),
        Arguments.of(
            "slot with no restart_lsn (made by someone else) dropped",
            want(SlotSpec.physical("backup", 500L, false)),
            List.of(phys("backup", null)),
            NONE,
            false,
            false,
            "drop:backup"),
        Arguments.of(
            "inactive slot holding xmin, not expected active: dropped",
            want(SlotSpec.physical("node2", 500L, false)),
            List.of(xmin("node2")),
            NONE,
            false,
            false,
            "drop:node2"),
        Arguments.of(
            "stray slot matching ignore_slots stays even when paused is off and others go",
            want(SlotSpec.physical("node2", null, true)),
            List.of(phys("ext", 1L), phys("stray", 1L), phys("node2", 1L)),
            IGNORE_EXT,
            false,
            true,
            "drop:stray"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void plan(
      String why,
      Map<String, SlotSpec> desired,
      List<ExistingSlot> existing,
      SlotsConfig config,
      boolean paused,
      boolean primary,
      String expected) {
    assertEquals(
        expected, render(SlotDiff.plan(desired, existing, config, paused, primary, true)), why);
  }

  @org.junit.jupiter.api.Test
  void formatsLsnLikePostgres() {
    assertEquals("0/16B3748", SlotDiff.formatLsn(0x16B3748L));
    assertEquals("1/0", SlotDiff.formatLsn(1L << 32));
  }
}
