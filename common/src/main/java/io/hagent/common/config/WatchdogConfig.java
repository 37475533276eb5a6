package io.hagent.common.config;

/**
 * {@code watchdog:} (§3.2).
 *
 * @param mode off, automatic or required (Patroni's other spellings already mapped to these)
 * @param device the watchdog device file
 * @param safetyMargin seconds the watchdog fires before the leader key expires; -1: at ttl/2
 * @param driver Patroni's {@code default} (the Linux device), hagent's {@code fence} (a fence
 *     process, docs/fencing.md), or {@code none} (Patroni's {@code testing} and unknown drivers: no
 *     device, as Patroni runs them outside its tests)
 */
public record WatchdogConfig(String mode, String device, int safetyMargin, String driver) {

  public WatchdogConfig(String mode, String device, int safetyMargin) {
    this(mode, device, safetyMargin, "default");
  }

  /** The watchdog timeout for a given ttl, as Patroni computes it: ttl - safety_margin. */
  public int timeoutFor(int ttl) {
    return safetyMargin == -1 ? ttl / 2 : ttl - safetyMargin;
  }
}
