package io.hagent.agent.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GucUnitsTest {

  @ParameterizedTest(name = "{0} ({1}, {2}) -> {3}")
  @CsvSource(
      nullValues = "null",
      value = {
        // pg_settings values in their base unit
        "16384, integer, 8kB, 128MB",
        "1, integer, 8kB, 8kB",
        "4096, integer, kB, 4MB",
        "1000, integer, kB, 1000kB",
        "1048576, integer, kB, 1GB",
        "2048, integer, B, 2kB",
        "100, integer, B, 100B",
        "60, integer, s, 1min",
        "90, integer, s, 90s",
        "3600, integer, s, 1h",
        "1500, integer, ms, 1500ms",
        "-1, integer, kB, -1",
        "0, integer, ms, 0",
        // configured values, with or without a unit
        "64MB, integer, 8kB, 64MB",
        "65536kB, integer, 8kB, 64MB",
        "10min, integer, ms, 10min",
        "120, integer, null, 120",
        // left as they are
        "100, integer, null, 100",
        "on, bool, null, on",
        "replica, enum, null, replica",
        "0.5, real, null, 0.5",
        "abc, integer, kB, abc",
        "64XB, integer, kB, 64XB",
        "64MB, integer, ms, 64MB",
      })
  void humanReadable(String value, String vartype, String unit, String expected) {
    assertEquals(expected, GucUnits.humanReadable(value, vartype, unit));
  }

  @Test
  void nullStaysNull() {
    assertNull(GucUnits.humanReadable(null, "integer", "8kB"));
  }
}
