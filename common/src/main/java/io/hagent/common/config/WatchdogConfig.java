package io.hagent.common.config;

/** {@code watchdog:} (§3.2). */
public record WatchdogConfig(String mode, String device, int safetyMargin) {}
