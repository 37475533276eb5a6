package io.hagent.agent.api;

import io.hagent.agent.node.PythonTime;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;

/** Parsing of {@code scheduled_at}/{@code schedule} values (§1.7 rows 5-6) and Python isoformat. */
final class Timestamps {

  /**
   * ISO 8601 date and time, 'T' or a space between them, optional seconds and fraction, and an
   * optional offset ({@code Z}, {@code +02:00}, {@code +0200}, {@code +02}).
   */
  private static final DateTimeFormatter INPUT =
      new DateTimeFormatterBuilder()
          .parseCaseInsensitive()
          .append(DateTimeFormatter.ISO_LOCAL_DATE)
          .optionalStart()
          .appendLiteral('T')
          .optionalEnd()
          .optionalStart()
          .appendLiteral(' ')
          .optionalEnd()
          .append(DateTimeFormatter.ISO_LOCAL_TIME)
          .optionalStart()
          .appendOffset("+HH:MM", "Z")
          .optionalEnd()
          .optionalStart()
          .appendOffset("+HHMM", "Z")
          .optionalEnd()
          .optionalStart()
          .appendOffset("+HH", "Z")
          .optionalEnd()
          .toFormatter();

  private static final DateTimeFormatter ISO_SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");

  static final String UNPARSABLE =
      "Unable to parse scheduled timestamp. It should be in an unambiguous format, e.g. ISO 8601";

  private Timestamps() {}

  /** Either a time in the future, or the reply explaining why the value is not acceptable. */
  record Schedule(OffsetDateTime at, HttpReply error) {}

  /**
   * @param action {@code switchover} or {@code restart}, used in the messages
   */
  static Schedule parse(Object value, String action, Instant now) {
    if (!(value instanceof String text)) {
      return new Schedule(null, HttpReply.text(422, UNPARSABLE));
    }
    TemporalAccessor parsed;
    try {
      parsed = INPUT.parseBest(text.trim(), OffsetDateTime::from, LocalDateTime::from);
    } catch (DateTimeParseException e) {
      return new Schedule(null, HttpReply.text(422, UNPARSABLE));
    }
    if (!(parsed instanceof OffsetDateTime at)) {
      return new Schedule(
          null,
          HttpReply.text(400, "Timezone information is mandatory for the scheduled " + action));
    }
    if (at.toInstant().isBefore(now)) {
      return new Schedule(null, HttpReply.text(422, "Cannot schedule " + action + " in the past"));
    }
    return new Schedule(at, null);
  }

  /** Python's datetime.isoformat(): microseconds only when non-zero, offset as +HH:MM. */
  static String isoFormat(OffsetDateTime t) {
    return PythonTime.isoFormat(t);
  }
}
