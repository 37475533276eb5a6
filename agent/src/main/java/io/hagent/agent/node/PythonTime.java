package io.hagent.agent.node;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoField;

/** Timestamps written the way Patroni's Python prints them, for the JSON both ha/ and api/ emit. */
public final class PythonTime {
  private static final DateTimeFormatter ISO_SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private PythonTime() {}

  /** Python's datetime.isoformat(): microseconds only when non-zero, offset as +HH:MM. */
  public static String isoFormat(OffsetDateTime t) {
    StringBuilder sb = new StringBuilder(ISO_SECONDS.format(t));
    int micros = t.get(ChronoField.MICRO_OF_SECOND);
    if (micros != 0) {
      sb.append(String.format(".%06d", micros));
    }
    int offset = t.getOffset().getTotalSeconds();
    sb.append(offset < 0 ? '-' : '+');
    int abs = Math.abs(offset);
    sb.append(String.format("%02d:%02d", abs / 3600, abs / 60 % 60));
    return sb.toString();
  }

  /** Python's {@code str(datetime)} with a UTC offset: microseconds omitted when zero. */
  public static String datetime(Instant t) {
    StringBuilder b = new StringBuilder(SECONDS.format(t));
    int micros = t.getNano() / 1000;
    if (micros != 0) {
      b.append('.').append(String.format("%06d", micros));
    }
    return b.append("+00:00").toString();
  }
}
