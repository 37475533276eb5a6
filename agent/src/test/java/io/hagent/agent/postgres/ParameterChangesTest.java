package io.hagent.agent.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hagent.agent.postgres.ParameterChanges.ServerSetting;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParameterChangesTest {
  private static final Map<String, ServerSetting> SERVER =
      Map.of(
          "work_mem", new ServerSetting("4096", "user"),
          "shared_buffers", new ServerSetting("16384", "postmaster"),
          "max_connections", new ServerSetting("100", "postmaster"),
          "timezone", new ServerSetting("UTC", "user"),
          "wal_level", new ServerSetting("replica", "postmaster"));

  @Test
  void changedAddedAndRemovedParametersInPatronisWords() {
    Map<String, String> before =
        Map.of("work_mem", "4MB", "shared_buffers", "128MB", "max_connections", "100");
    Map<String, String> after =
        Map.of("work_mem", "12MB", "shared_buffers", "64MB", "TimeZone", "Europe/Paris");
    assertEquals(
        List.of(
            "Changed max_connections from 100 to None (restart might be required)",
            "Changed shared_buffers from 16384 to 64MB (restart might be required)",
            "Changed TimeZone from UTC to Europe/Paris",
            "Changed work_mem from 4096 to 12MB"),
        ParameterChanges.describe(before, after, SERVER));
  }

  @Test
  void unchangedAndUnknownParametersAreNotReported() {
    Map<String, String> before = Map.of("wal_level", "replica", "my_ext.knob", "1");
    Map<String, String> after = Map.of("WAL_LEVEL", "replica", "my_ext.knob", "2");
    assertEquals(List.of(), ParameterChanges.describe(before, after, SERVER));
  }
}
