package io.hagent.agent.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParameterBuilderTest {

  private static HagentConfig local(Map<String, Object> params) {
    return TestConfigs.node("n1", Path.of("/tmp/x"), 5433, Path.of("/tmp/pgpass"), params, null);
  }

  private static DynamicConfig dynamic(Map<String, Object> params) {
    return DynamicConfig.from(Map.of("postgresql", Map.of("parameters", params)));
  }

  @Test
  void defaultsOfTheCommandLineGucs() {
    var e = ParameterBuilder.build(local(Map.of()), DynamicConfig.DEFAULTS, 15, null);
    Map<String, String> p = e.parameters();
    assertEquals("replica", p.get("wal_level"));
    assertEquals("on", p.get("hot_standby"));
    assertEquals("100", p.get("max_connections"));
    assertEquals("10", p.get("max_wal_senders"));
    assertEquals("128MB", p.get("wal_keep_size"));
    assertFalse(p.containsKey("wal_keep_segments"));
    assertEquals("10", p.get("max_replication_slots"));
    assertEquals("8", p.get("max_worker_processes"));
    assertEquals("64", p.get("max_locks_per_transaction"));
    assertEquals("0", p.get("max_prepared_transactions"));
    assertEquals("off", p.get("track_commit_timestamp"));
    assertEquals("on", p.get("wal_log_hints"));
    assertEquals("testscope", p.get("cluster_name"));
    assertEquals("127.0.0.1", p.get("listen_addresses"));
    assertEquals("5433", p.get("port"));
    assertTrue(e.warnings().isEmpty());
    assertEquals(List.copyOf(p.keySet()), p.keySet().stream().sorted().toList(), "sorted");
  }

  @ParameterizedTest
  @CsvSource({
    "wal_level, hot_standby, replica",
    "wal_level, logical, logical",
    "wal_level, minimal, replica",
    "hot_standby, off, on",
    "max_connections, 10, 100",
    "max_connections, 200, 200",
    "max_connections, lots, 100",
    "max_wal_senders, 2, 10",
    "max_locks_per_transaction, 31, 64",
    "max_replication_slots, 3, 10",
    "max_worker_processes, 1, 8",
    "max_prepared_transactions, -1, 0",
    "track_commit_timestamp, true, on",
    "track_commit_timestamp, maybe, off",
    "wal_log_hints, off, off",
    "wal_keep_size, 8MB, 128MB",
    "wal_keep_size, 1GB, 1GB"
  })
  void dynamicValuesAreValidated(String name, String value, String expected) {
    var e = ParameterBuilder.build(local(Map.of()), dynamic(Map.of(name, value)), 15, null);
    assertEquals(expected, e.parameters().get(name));
    boolean accepted =
        expected.equals(value)
            || (name.equals("wal_level") && value.equals("hot_standby"))
            || (name.equals("track_commit_timestamp") && value.equals("true"));
    assertEquals(!accepted, !e.warnings().isEmpty(), e.warnings().toString());
  }

  @Test
  void walKeepSegmentsIsConvertedOn13Plus() {
    var e =
        ParameterBuilder.build(local(Map.of()), dynamic(Map.of("wal_keep_segments", 20)), 15, null);
    assertEquals("320MB", e.parameters().get("wal_keep_size"));
    assertFalse(e.parameters().containsKey("wal_keep_segments"));
    var old =
        ParameterBuilder.build(local(Map.of()), dynamic(Map.of("wal_keep_size", "1GB")), 12, null);
    assertEquals("64", old.parameters().get("wal_keep_segments"));
    assertFalse(old.parameters().containsKey("wal_keep_size"));
  }

  @Test
  void localOverridesDynamicButNotCommandLineGucs() {
    var e =
        ParameterBuilder.build(
            local(Map.of("work_mem", "8MB", "max_connections", 500, "cluster_name", "evil")),
            dynamic(Map.of("work_mem", "4MB", "shared_buffers", "256MB", "port", 1)),
            15,
            null);
    assertEquals("8MB", e.parameters().get("work_mem"));
    assertEquals("256MB", e.parameters().get("shared_buffers"));
    assertEquals("100", e.parameters().get("max_connections"));
    assertEquals("testscope", e.parameters().get("cluster_name"));
    assertEquals("5433", e.parameters().get("port"));
  }

  @Test
  void booleansAreRenderedOnOff() {
    var e =
        ParameterBuilder.build(
            local(Map.of("fsync", false)), dynamic(Map.of("jit", true)), 15, null);
    assertEquals("off", e.parameters().get("fsync"));
    assertEquals("on", e.parameters().get("jit"));
  }

  @Test
  void replicaKeepsLargerControldataValues() {
    var e =
        ParameterBuilder.build(
            local(Map.of()),
            DynamicConfig.DEFAULTS,
            15,
            Map.of("max_connections setting", "300", "max_worker_processes setting", "4"));
    assertEquals("300", e.parameters().get("max_connections"));
    assertEquals("8", e.parameters().get("max_worker_processes"));
  }
}
