package io.hagent.it.chaos;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * One fault over all its rounds: the table docs/reliability.md quotes. Percentiles are nearest-rank
 * over the rounds (with fewer than 100 rounds p99 is the maximum), so they say what was measured,
 * never an interpolation.
 *
 * @param lost acknowledged commits missing on the final primary, summed over the rounds that
 *     converged; {@code unknownLost} rounds had no final primary to check
 */
record FaultSummary(
    String fault,
    long heldSeconds,
    int rounds,
    int lost,
    int unknownLost,
    int acceptedAfter,
    long acceptedAfterMillis,
    int inFlight,
    long inFlightMillis,
    long unavailableP50,
    long unavailableP99,
    long unavailableMax,
    long convergeP50,
    long convergeMax,
    int converged) {

  static FaultSummary of(List<FaultResult> rs) {
    FaultResult first = rs.get(0);
    List<FaultResult> ok = rs.stream().filter(FaultResult::converged).toList();
    return new FaultSummary(
        first.fault(),
        first.heldSeconds(),
        rs.size(),
        rs.stream().filter(r -> r.lost() >= 0).mapToInt(FaultResult::lost).sum(),
        (int) rs.stream().filter(r -> r.lost() < 0).count(),
        rs.stream().mapToInt(r -> r.oldPrimary().acceptedAfter()).sum(),
        rs.stream().mapToLong(r -> r.oldPrimary().acceptedAfterMillis()).max().orElse(0),
        rs.stream().mapToInt(r -> r.oldPrimary().inFlight()).sum(),
        rs.stream().mapToLong(r -> r.oldPrimary().inFlightMillis()).max().orElse(0),
        percentile(rs, FaultResult::unavailableMillis, 50),
        percentile(rs, FaultResult::unavailableMillis, 99),
        percentile(rs, FaultResult::unavailableMillis, 100),
        ok.isEmpty() ? -1 : percentile(ok, FaultResult::convergeMillis, 50),
        ok.isEmpty() ? -1 : percentile(ok, FaultResult::convergeMillis, 100),
        ok.size());
  }

  /** Nearest-rank percentile: the smallest value with at least p % of the values at or below. */
  static long percentile(List<FaultResult> rs, ToLongFunction<FaultResult> f, int p) {
    long[] v = rs.stream().mapToLong(f).sorted().toArray();
    int rank = (int) Math.ceil(p / 100.0 * v.length);
    return v[Math.max(0, Math.min(v.length, rank) - 1)];
  }

  static String header() {
    return "| fault | held (s) | rounds | acked commits lost | accepted by old primary after promotion (commits / max ms) | in flight across the promotion (commits / max ms) | write unavailability via HAProxy p50 / p99 / max (ms) | converged after the heal p50 / max (ms) | converged without a human |\n"
        + "|---|---|---|---|---|---|---|---|---|";
  }

  String row() {
    return "| %s | %d | %d | %s | %d / %d | %d / %d | %d / %d / %d | %s | %d/%d%s |"
        .formatted(
            fault,
            heldSeconds,
            rounds,
            lost + (unknownLost > 0 ? " (+%d rounds unknown)".formatted(unknownLost) : ""),
            acceptedAfter,
            acceptedAfterMillis,
            inFlight,
            inFlightMillis,
            unavailableP50,
            unavailableP99,
            unavailableMax,
            convergeP50 < 0 ? "—" : convergeP50 + " / " + convergeMax,
            converged,
            rounds,
            converged == rounds ? " yes" : " **NO**");
  }
}
