package io.hagent.common.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** nofailover and failover_priority as Patroni reads them, and its warning when they disagree. */
class TagsTest {

  static Stream<Arguments> rows() {
    return Stream.of(
        // nofailover, failover_priority, -> nofailover(), failoverPriority(), warning
        Arguments.of(null, null, false, 1, null),
        Arguments.of(null, 2, false, 2, null),
        Arguments.of(null, 0, true, 0, null),
        Arguments.of(true, null, true, 0, null),
        Arguments.of(false, null, false, 1, null),
        Arguments.of(true, 0, true, 0, null),
        Arguments.of(false, 3, false, 3, null),
        Arguments.of(
            true,
            1,
            true,
            0,
            "Conflicting configuration between nofailover: True and failover_priority: 1."
                + " Defaulting to nofailover: True"),
        Arguments.of(
            false,
            0,
            false,
            0,
            "Conflicting configuration between nofailover: False and failover_priority: 0."
                + " Defaulting to nofailover: False"));
  }

  @ParameterizedTest(name = "nofailover={0} failover_priority={1}")
  @MethodSource("rows")
  void patroniRules(
      Boolean nofailover, Integer priority, boolean expectNo, int expectPriority, String warning) {
    Map<String, Object> m = new HashMap<>();
    if (nofailover != null) {
      m.put("nofailover", nofailover);
    }
    if (priority != null) {
      m.put("failover_priority", priority);
    }
    Tags t = new Tags(m);
    assertEquals(expectNo, t.nofailover(), "nofailover");
    assertEquals(expectPriority, t.failoverPriority(), "failover_priority");
    assertEquals(warning, t.conflictWarning());
  }
}
