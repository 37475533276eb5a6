package io.hagent.agent.ha;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Whether a replica has enough evidence that the leader's processes are gone to remove its leader
 * key before the lease expires (docs/crash-detection.md). Pure: the detector gathers the facts,
 * this decides.
 */
public final class CrashEvidence {

  /** Fewest probe rounds, all refused, before the verdict. */
  static final int MIN_ROUNDS = 3;

  /** Shortest time between the first and the last of those rounds. */
  static final long MIN_SPAN_NANOS = TimeUnit.MILLISECONDS.toNanos(1000);

  private CrashEvidence() {}

  /** What one TCP connect to an address of the leader gave. */
  public enum Probe {
    /** RST: the host's kernel answered and nothing listens there. */
    REFUSED,
    /** No answer in time: packets dropped, host off or partitioned. */
    TIMEOUT,
    /** ICMP host/net unreachable or administratively prohibited. */
    UNREACHABLE,
    /** Something listens (maybe frozen: the kernel still completes the handshake). */
    CONNECTED,
    /** Anything else (name resolution, local errors): unknown, so not evidence. */
    FAILED
  }

  /**
   * One probe round: the REST API, then PostgreSQL only when the API refused (a live PostgreSQL
   * would log bare connects).
   *
   * @param pg null when not probed
   */
  public record Round(long atNanos, Probe api, Probe pg) {}

  public enum Verdict {
    /** Switched off, or this replica's own WAL stream from the leader does not say anything. */
    NOT_SUSPECTED,
    /** A probe did not get a refusal: the leader may be alive (frozen, partitioned, busy). */
    ALIVE_OR_UNKNOWN,
    /** Every probe so far refused, but too few or over too short a time. */
    PROBE_MORE,
    /** Enough: the leader's agent and PostgreSQL are gone while its host answers. */
    CRASHED
  }

  /**
   * @param enabled dynamic {@code fast_failover}
   * @param streamedFromLeader this replica's WAL receiver was seen streaming from the current
   *     holder of the leader key (same holder, same key revision)
   * @param streamingNow the WAL receiver streams now
   * @param rounds the probe rounds since the stream was seen closed, oldest first
   */
  public static Verdict judge(
      boolean enabled, boolean streamedFromLeader, boolean streamingNow, List<Round> rounds) {
    if (!enabled || !streamedFromLeader || streamingNow) {
      return Verdict.NOT_SUSPECTED;
    }
    for (Round r : rounds) {
      if (r.api() != Probe.REFUSED || r.pg() != Probe.REFUSED) {
        return Verdict.ALIVE_OR_UNKNOWN;
      }
    }
    if (rounds.size() < MIN_ROUNDS) {
      return Verdict.PROBE_MORE;
    }
    long span = rounds.get(rounds.size() - 1).atNanos() - rounds.get(0).atNanos();
    return span >= MIN_SPAN_NANOS ? Verdict.CRASHED : Verdict.PROBE_MORE;
  }

  /** How a failed connect is counted: only a refusal is evidence. */
  public static Probe classify(IOException e) {
    if (e instanceof SocketTimeoutException) {
      return Probe.TIMEOUT;
    }
    if (e instanceof NoRouteToHostException) {
      return Probe.UNREACHABLE; // EHOSTUNREACH: ICMP host unreachable or prohibited
    }
    if (e instanceof ConnectException) {
      String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      if (m.contains("refused")) {
        return Probe.REFUSED;
      }
      if (m.contains("timed out")) {
        return Probe.TIMEOUT;
      }
      return Probe.UNREACHABLE; // "Network is unreachable" and the like
    }
    return Probe.FAILED;
  }

  /** For the log: "3 probes over 1.2 s". */
  public static String describe(List<Round> rounds) {
    if (rounds.isEmpty()) {
      return "no probes";
    }
    long span = rounds.get(rounds.size() - 1).atNanos() - rounds.get(0).atNanos();
    return String.format(
        Locale.ROOT, "%d probes over %.1f s", rounds.size(), span / 1_000_000_000.0);
  }
}
