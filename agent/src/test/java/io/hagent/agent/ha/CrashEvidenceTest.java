package io.hagent.agent.ha;

import static io.hagent.agent.ha.CrashEvidence.Probe.CONNECTED;
import static io.hagent.agent.ha.CrashEvidence.Probe.FAILED;
import static io.hagent.agent.ha.CrashEvidence.Probe.REFUSED;
import static io.hagent.agent.ha.CrashEvidence.Probe.TIMEOUT;
import static io.hagent.agent.ha.CrashEvidence.Probe.UNREACHABLE;
import static io.hagent.agent.ha.CrashEvidence.Verdict.ALIVE_OR_UNKNOWN;
import static io.hagent.agent.ha.CrashEvidence.Verdict.CRASHED;
import static io.hagent.agent.ha.CrashEvidence.Verdict.NOT_SUSPECTED;
import static io.hagent.agent.ha.CrashEvidence.Verdict.PROBE_MORE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hagent.agent.ha.CrashEvidence.Probe;
import io.hagent.agent.ha.CrashEvidence.Round;
import io.hagent.agent.ha.CrashEvidence.Verdict;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The evidence rule of docs/crash-detection.md, row by row. */
class CrashEvidenceTest {

  private static final long MS = 1_000_000L;

  /** Rounds 500 ms apart, each with the given api/pg results ("R"=refused, "-"=not probed...). */
  private static List<Round> rounds(String... spec) {
    List<Round> out = new ArrayList<>();
    for (int i = 0; i < spec.length; i++) {
      String[] ap = spec[i].split("/");
      out.add(new Round(i * 500 * MS, probe(ap[0]), probe(ap[1])));
    }
    return out;
  }

  private static Probe probe(String s) {
    return switch (s) {
      case "R" -> REFUSED;
      case "T" -> TIMEOUT;
      case "U" -> UNREACHABLE;
      case "C" -> CONNECTED;
      case "F" -> FAILED;
      default -> null;
    };
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        // enabled, streamed from leader, streaming now, rounds -> verdict
        Arguments.of(
            "all refused, 3 over 1 s", true, true, false, rounds("R/R", "R/R", "R/R"), CRASHED),
        Arguments.of("switch off", false, true, false, rounds("R/R", "R/R", "R/R"), NOT_SUSPECTED),
        Arguments.of(
            "stream still up", true, true, true, rounds("R/R", "R/R", "R/R"), NOT_SUSPECTED),
        Arguments.of(
            "never streamed from this leader",
            true,
            false,
            false,
            rounds("R/R", "R/R", "R/R"),
            NOT_SUSPECTED),
        Arguments.of("too few probes", true, true, false, rounds("R/R", "R/R"), PROBE_MORE),
        Arguments.of("no probe yet", true, true, false, rounds(), PROBE_MORE),
        Arguments.of(
            "api timeout (partition, DROP)",
            true,
            true,
            false,
            rounds("R/R", "T/-", "R/R"),
            ALIVE_OR_UNKNOWN),
        Arguments.of(
            "api unreachable (ICMP host unreachable)",
            true,
            true,
            false,
            rounds("U/-", "R/R", "R/R"),
            ALIVE_OR_UNKNOWN),
        Arguments.of(
            "api connected (frozen process keeps its socket)",
            true,
            true,
            false,
            rounds("R/R", "R/R", "C/-"),
            ALIVE_OR_UNKNOWN),
        Arguments.of(
            "api refused, pg connected (agent gone, postgres up)",
            true,
            true,
            false,
            rounds("R/R", "R/C", "R/R"),
            ALIVE_OR_UNKNOWN),
        Arguments.of(
            "api refused, pg timeout",
            true,
            true,
            false,
            rounds("R/T", "R/R", "R/R"),
            ALIVE_OR_UNKNOWN),
        Arguments.of(
            "api refused, pg not probed",
            true,
            true,
            false,
            rounds("R/-", "R/R", "R/R"),
            ALIVE_OR_UNKNOWN),
        Arguments.of(
            "unknown failure", true, true, false, rounds("F/-", "R/R", "R/R"), ALIVE_OR_UNKNOWN));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void verdict(
      String name,
      boolean enabled,
      boolean streamed,
      boolean streaming,
      List<Round> rounds,
      Verdict expected) {
    assertEquals(expected, CrashEvidence.judge(enabled, streamed, streaming, rounds));
  }

  @org.junit.jupiter.api.Test
  void threeRefusalsTooCloseTogetherAreNotEnough() {
    List<Round> quick =
        List.of(
            new Round(0, REFUSED, REFUSED),
            new Round(300 * MS, REFUSED, REFUSED),
            new Round(600 * MS, REFUSED, REFUSED));
    assertEquals(PROBE_MORE, CrashEvidence.judge(true, true, false, quick));
    List<Round> more = new ArrayList<>(quick);
    more.add(new Round(1000 * MS, REFUSED, REFUSED));
    assertEquals(CRASHED, CrashEvidence.judge(true, true, false, more));
    assertEquals("4 probes over 1.0 s", CrashEvidence.describe(more));
  }

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of(new ConnectException("Connection refused"), REFUSED),
        Arguments.of(new SocketTimeoutException("Connect timed out"), TIMEOUT),
        Arguments.of(new ConnectException("Connection timed out"), TIMEOUT),
        Arguments.of(new NoRouteToHostException("No route to host"), UNREACHABLE),
        Arguments.of(new ConnectException("Network is unreachable"), UNREACHABLE),
        Arguments.of(new UnknownHostException("node9"), FAILED),
        Arguments.of(new IOException("something else"), FAILED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void onlyARefusalCounts(IOException e, Probe expected) {
    assertEquals(expected, CrashEvidence.classify(e));
  }
}
