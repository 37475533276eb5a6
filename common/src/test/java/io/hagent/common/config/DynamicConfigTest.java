package io.hagent.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DynamicConfigTest {

  @Test
  void defaults() {
    DynamicConfig d = DynamicConfig.DEFAULTS;
    assertEquals(30, d.ttl());
    assertEquals(10, d.loopWait());
    assertEquals(10, d.retryTimeout());
    assertEquals(1048576L, d.maximumLagOnFailover());
    assertEquals(300, d.primaryStartTimeout());
    assertEquals(0, d.primaryStopTimeout());
    assertFalse(d.pause());
    assertFalse(d.checkTimeline());
    assertEquals("off", d.synchronousMode());
    assertFalse(d.synchronous());
    assertFalse(d.failsafeMode());
    assertFalse(d.usePgRewind());
    assertTrue(d.useSlots());
    assertEquals(Map.of(), d.parameters());
    assertNull(d.pgHba());
    assertEquals(List.of(), d.warnings());
  }

  @Test
  void fastFailoverIsOnUnlessSwitchedOff() {
    assertEquals(true, DynamicConfig.DEFAULTS.fastFailover());
    assertEquals(true, DynamicConfig.from(Map.of("fast_failover", true)).fastFailover());
    assertEquals(false, DynamicConfig.from(Map.of("fast_failover", false)).fastFailover());
    assertEquals(false, DynamicConfig.from(Map.of("fast_failover", "off")).fastFailover());
  }

  @Test
  void legacyMasterTimeoutsAreHonouredAndPrimaryWins() {
    assertEquals(0, DynamicConfig.from(Map.of("master_start_timeout", 0)).primaryStartTimeout());
    assertEquals(20, DynamicConfig.from(Map.of("master_stop_timeout", 20)).primaryStopTimeout());
    assertEquals(
        60,
        DynamicConfig.from(Map.of("master_start_timeout", 0, "primary_start_timeout", 60))
            .primaryStartTimeout());
  }

  @Test
  void postgresqlSectionAndSynchronousModes() {
    DynamicConfig d =
        DynamicConfig.from(
            Map.of(
                "synchronous_mode",
                "quorum",
                "postgresql",
                Map.of(
                    "use_pg_rewind",
                    true,
                    "use_slots",
                    false,
                    "parameters",
                    Map.of("max_connections", 200),
                    "pg_hba",
                    List.of("host all all 0.0.0.0/0 md5"))));
    assertEquals("quorum", d.synchronousMode());
    assertTrue(d.usePgRewind());
    assertFalse(d.useSlots());
    assertEquals(Map.of("max_connections", 200), d.parameters());
    assertEquals(List.of("host all all 0.0.0.0/0 md5"), d.pgHba());
    assertEquals("on", DynamicConfig.from(Map.of("synchronous_mode", true)).synchronousMode());
  }

  /** §3.1: minimums, then loop_wait + 2*retry_timeout <= ttl. */
  @ParameterizedTest(name = "ttl={0} loop_wait={1} retry={2}")
  @MethodSource("sanity")
  void timeoutSanityRule(
      int ttl, int loopWait, int retry, int expTtl, int expLoop, int expRetry, boolean warned) {
    DynamicConfig d =
        DynamicConfig.from(Map.of("ttl", ttl, "loop_wait", loopWait, "retry_timeout", retry));
    assertEquals(expTtl, d.ttl());
    assertEquals(expLoop, d.loopWait());
    assertEquals(expRetry, d.retryTimeout());
    assertTrue(d.loopWait() + 2 * d.retryTimeout() <= d.ttl());
    assertEquals(warned, !d.warnings().isEmpty());
  }

  static Stream<Arguments> sanity() {
    return Stream.of(
        Arguments.of(30, 10, 10, 30, 10, 10, false),
        Arguments.of(5, 0, 1, 20, 1, 3, true), // minimums: ttl 20, loop_wait 1, retry 3
        Arguments.of(30, 15, 10, 30, 10, 10, true), // loop_wait reduced to ttl - 2*retry
        Arguments.of(20, 10, 10, 20, 1, 9, true)); // retry too big: loop_wait 1, retry (ttl-1)/2
  }

  /** The warnings word for word as Patroni's Config._validate_and_adjust_timeouts logs them. */
  @Test
  void timeoutWarningsInPatronisWords() {
    assertEquals(
        List.of(
            "loop_wait=0 can't be smaller than 1, adjusting...",
            "retry_timeout=1 can't be smaller than 3, adjusting...",
            "ttl=5 can't be smaller than 20, adjusting..."),
        DynamicConfig.from(Map.of("ttl", 5, "loop_wait", 0, "retry_timeout", 1)).warnings());
    assertEquals(
        List.of(
            "Violated the rule \"loop_wait + 2*retry_timeout <= ttl\", where ttl=30 and"
                + " retry_timeout=10. Adjusting loop_wait from 15 to 10"),
        DynamicConfig.from(Map.of("ttl", 30, "loop_wait", 15, "retry_timeout", 10)).warnings());
    assertEquals(
        List.of(
            "Violated the rule \"loop_wait + 2*retry_timeout <= ttl\", where ttl=20. Adjusting"
                + " loop_wait from 10 to 1 and retry_timeout from 10 to 9"),
        DynamicConfig.from(Map.of("ttl", 20, "loop_wait", 10, "retry_timeout", 10)).warnings());
    // the smallest settings that satisfy the rule as they are: no warning
    assertEquals(
        List.of(),
        DynamicConfig.from(Map.of("ttl", 20, "loop_wait", 2, "retry_timeout", 9)).warnings());
  }

  @Test
  void oddValuesNeverThrow() {
    DynamicConfig d = DynamicConfig.from(Map.of("ttl", "abc", "loop_wait", "5"));
    assertEquals(30, d.ttl());
    assertEquals(5, d.loopWait());
  }
}
