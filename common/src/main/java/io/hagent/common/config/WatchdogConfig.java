package io.hagent.common.config;

/**
 * {@code watchdog:} (§3.2).
 *
 * @param mode off, automatic or required (Patroni's other spellings already mapped to these)
 * @param device the watchdog device file
 * @param safetyMargin seconds the watchdog fires before the leader key expires; -1: at ttl/2
 */
public record WatchdogConfig(String mode, String device, int safetyMargin) {

  /** The watchdog timeout for a given ttl, as Patroni computes it: ttl - safety_margin. */
  public int timeoutFor(int ttl) {
    return safetyMargin == -1 ? ttl / 2 : ttl - safetyMargin;
  }
}
