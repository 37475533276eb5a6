package io.hagent.common.config;

import io.hagent.common.cluster.Tags;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dynamic configuration (DCS {@code config} key, §3.6) with Patroni's defaults and the timeout
 * sanity rule of §3.1 applied.
 *
 * @param raw the JSON as stored (what GET /config returns)
 * @param warnings adjustments made by the sanity rule, and the settings turned on here that hagent
 *     does not implement yet ({@link UnimplementedSettings}); logged when the config key changes
 */
public record DynamicConfig(
    int ttl,
    int loopWait,
    int retryTimeout,
    long maximumLagOnFailover,
    int primaryStartTimeout,
    int primaryStopTimeout,
    boolean pause,
    boolean checkTimeline,
    String synchronousMode,
    boolean synchronousModeStrict,
    boolean failsafeMode,
    boolean usePgRewind,
    boolean useSlots,
    Map<String, Object> parameters,
    List<String> pgHba,
    Map<String, Object> raw,
    List<String> warnings) {

  public static final DynamicConfig DEFAULTS = from(Map.of());

  /** Applies defaults and the §3.1 timeout sanity rule; never throws on odd values. */
  public static DynamicConfig from(Map<String, Object> json) {
    Map<String, Object> j = json == null ? Map.of() : json;
    List<String> warnings = new java.util.ArrayList<>();
    // Patroni's Config._validate_and_adjust_timeouts: minimums first, then the rule
    // loop_wait + 2*retry_timeout <= ttl (which guarantees that a leader whose DCS calls fail
    // demotes before its key can expire), shrinking loop_wait before retry_timeout
    int minLoopWait = 1;
    int loopWait = atLeast("loop_wait", intOf(j.get("loop_wait"), 10), minLoopWait, warnings);
    int retry = atLeast("retry_timeout", intOf(j.get("retry_timeout"), 10), 3, warnings);
    int ttl = atLeast("ttl", intOf(j.get("ttl"), 30), 20, warnings);
    if (minLoopWait + 2 * retry > ttl) {
      int newRetry = (ttl - minLoopWait) / 2;
      warnings.add(
          String.format(
              "Violated the rule \"loop_wait + 2*retry_timeout <= ttl\", where ttl=%d. Adjusting"
                  + " loop_wait from %d to %d and retry_timeout from %d to %d",
              ttl, loopWait, minLoopWait, retry, newRetry));
      loopWait = minLoopWait;
      retry = newRetry;
    } else if (loopWait + 2 * retry > ttl) {
      int newLoopWait = ttl - 2 * retry;
      warnings.add(
          String.format(
              "Violated the rule \"loop_wait + 2*retry_timeout <= ttl\", where ttl=%d and"
                  + " retry_timeout=%d. Adjusting loop_wait from %d to %d",
              ttl, retry, loopWait, newLoopWait));
      loopWait = newLoopWait;
    }
    Map<String, Object> pg = mapOf(j.get("postgresql"));
    Object sync = j.get("synchronous_mode");
    String syncMode =
        sync == null
            ? "off"
            : "quorum".equals(String.valueOf(sync)) ? "quorum" : Tags.truthy(sync) ? "on" : "off";
    Object startTimeout =
        j.containsKey("primary_start_timeout")
            ? j.get("primary_start_timeout")
            : j.get("master_start_timeout");
    Object stopTimeout =
        j.containsKey("primary_stop_timeout")
            ? j.get("primary_stop_timeout")
            : j.get("master_stop_timeout");
    warnings.addAll(UnimplementedSettings.inDynamic(j));
    @SuppressWarnings("unchecked")
    List<String> hba = pg.get("pg_hba") instanceof List<?> l ? (List<String>) l : null;
    return new DynamicConfig(
        ttl,
        loopWait,
        retry,
        longOf(j.get("maximum_lag_on_failover"), 1048576L),
        intOf(startTimeout, 300),
        intOf(stopTimeout, 0),
        Tags.truthy(j.get("pause")),
        Tags.truthy(j.get("check_timeline")),
        syncMode,
        Tags.truthy(j.get("synchronous_mode_strict")),
        Tags.truthy(j.get("failsafe_mode")),
        Tags.truthy(pg.get("use_pg_rewind")),
        !pg.containsKey("use_slots") || Tags.truthy(pg.get("use_slots")),
        Map.copyOf(nonNull(mapOf(pg.get("parameters")))),
        hba,
        j,
        List.copyOf(warnings));
  }

  /**
   * primary_race_backoff (seconds, default 0 = off): how long a replica whose WAL still arrives
   * stays out of the leader race (§5.3 step 1).
   */
  public int primaryRaceBackoff() {
    return Math.max(0, intOf(raw.get("primary_race_backoff"), 0));
  }

  /**
   * fast_failover (hagent's own, default true): a replica removes the leader key of a leader whose
   * REST API and PostgreSQL refuse connections after its WAL stream closed, rather than waiting for
   * the lease (docs/crash-detection.md).
   */
  public boolean fastFailover() {
    return !raw.containsKey("fast_failover") || Tags.truthy(raw.get("fast_failover"));
  }

  public boolean synchronous() {
    return !"off".equals(synchronousMode);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> mapOf(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  private static Map<String, Object> nonNull(Map<String, Object> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach(
        (k, v) -> {
          if (v != null) {
            out.put(k, v);
          }
        });
    return out;
  }

  /** Patroni's minimum for a timeout, with its warning when the value had to be raised. */
  private static int atLeast(String name, int value, int min, List<String> warnings) {
    if (value < min) {
      warnings.add(String.format("%s=%d can't be smaller than %d, adjusting...", name, value, min));
      return min;
    }
    return value;
  }

  static int intOf(Object o, int dflt) {
    return (int) longOf(o, dflt);
  }

  static long longOf(Object o, long dflt) {
    if (o instanceof Number n) {
      return n.longValue();
    }
    if (o != null) {
      try {
        return Long.parseLong(o.toString().trim());
      } catch (NumberFormatException e) {
        return dflt;
      }
    }
    return dflt;
  }
}
