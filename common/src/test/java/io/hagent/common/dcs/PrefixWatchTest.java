package io.hagent.common.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrefixWatchTest {

  @ParameterizedTest(name = "failure {0} -> restart after {1} ms")
  @CsvSource({"0, 1000", "1, 1000", "2, 2000", "3, 4000", "4, 8000", "5, 8000", "1000, 8000"})
  void restartsBackOffToEightSeconds(int failures, long delayMs) {
    assertEquals(delayMs, PrefixWatch.restartDelayMs(failures));
  }
}
