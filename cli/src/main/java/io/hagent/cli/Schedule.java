package io.hagent.cli;

import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** {@code --scheduled} values: "now" or an ISO 8601 time, naive times taken as local time. */
final class Schedule {
  private Schedule() {}

  /** Null for "now" (or nothing). */
  static OffsetDateTime parse(String value, ZoneId localZone) {
    if (value == null || value.isBlank() || value.trim().equalsIgnoreCase("now")) {
      return null;
    }
    String v = value.trim().replace(' ', 'T');
    try {
      return OffsetDateTime.parse(v);
    } catch (DateTimeParseException e) {
      // try the other forms
    }
    try {
      return ZonedDateTime.parse(v).toOffsetDateTime();
    } catch (DateTimeParseException e) {
      // try the naive form
    }
    try {
      return LocalDateTime.parse(v).atZone(localZone).toOffsetDateTime();
    } catch (DateTimeParseException e) {
      throw new CtlException(
          "Unable to parse scheduled timestamp ("
              + value
              + "). It should be in an unambiguous format, e.g. ISO 8601");
    }
  }

  /** Python's datetime.isoformat(): seconds always, microseconds only when set, +HH:MM offset. */
  static String isoformat(OffsetDateTime t) {
    String base = t.format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss"));
    if (t.getNano() / 1000 != 0) {
      base += String.format(".%06d", t.getNano() / 1000);
    }
    int secs = t.getOffset().getTotalSeconds();
    String sign = secs < 0 ? "-" : "+";
    secs = Math.abs(secs);
    return base + String.format("%s%02d:%02d", sign, secs / 3600, (secs / 60) % 60);
  }
}
