package io.hagent.agent.postgres;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Parsed {@code pg_controldata} output (run with LC_ALL=C so the keys are English). */
record ControlData(Map<String, String> values) {
  static final String SYSID = "Database system identifier";
  static final String STATE = "Database cluster state";
  static final String CHECKPOINT_TIMELINE = "Latest checkpoint's TimeLineID";
  static final String CHECKPOINT_LOCATION = "Latest checkpoint location";
  static final String MIN_RECOVERY_LOCATION = "Minimum recovery ending location";
  static final String MIN_RECOVERY_TIMELINE = "Min recovery ending loc's timeline";
  static final String WAL_LOG_HINTS = "wal_log_hints setting";
  static final String CHECKSUM_VERSION = "Data page checksum version";

  /** Cluster states after which PostgreSQL was not shut down cleanly. */
  static final Set<String> UNCLEAN_STATES =
      Set.of("in production", "in crash recovery", "shutting down");

  static final ControlData EMPTY = new ControlData(Map.of());

  static ControlData parse(String output) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : output.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        values.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
      }
    }
    return new ControlData(Collections.unmodifiableMap(values));
  }

  boolean isEmpty() {
    return values.isEmpty();
  }

  String sysid() {
    return values.get(SYSID);
  }

  String state() {
    return values.get(STATE);
  }

  boolean cleanShutdown() {
    return "shut down".equals(state()) || "shut down in recovery".equals(state());
  }

  Integer checkpointTimeline() {
    return intValue(CHECKPOINT_TIMELINE);
  }

  Long checkpointLsn() {
    return Lsn.parse(values.get(CHECKPOINT_LOCATION));
  }

  Long minRecoveryLsn() {
    return Lsn.parse(values.get(MIN_RECOVERY_LOCATION));
  }

  Integer minRecoveryTimeline() {
    return intValue(MIN_RECOVERY_TIMELINE);
  }

  /** pg_rewind works with wal_log_hints=on or data checksums. */
  boolean rewindable() {
    Integer checksums = intValue(CHECKSUM_VERSION);
    return "on".equals(values.get(WAL_LOG_HINTS)) || (checksums != null && checksums != 0);
  }

  Integer intValue(String key) {
    try {
      String v = values.get(key);
      return v == null ? null : Integer.valueOf(v);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
