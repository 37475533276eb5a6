package io.hagent.agent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Marker;

/**
 * A Python {@code logging} format string ({@code log.format}, e.g. Patroni's default {@code
 * %(asctime)s %(levelname)s: %(message)s}) parsed once and rendered for each logback event, so
 * hagent's lines look exactly like Patroni's ({@code 2026-11-21 22:03:45,589 INFO: ...}, {@code
 * WARNING} not {@code WARN}).
 *
 * <p>Rendered directly rather than translated to a logback pattern: Python's padding and precision
 * rules and its level names have no exact logback equivalent, and literal text needs no escaping.
 */
public final class PythonLogFormat {
  /** Patroni's default {@code log.format}. */
  public static final String DEFAULT = "%(asctime)s %(levelname)s: %(message)s";

  private static final Pattern FIELD =
      Pattern.compile("%\\((\\w+)\\)([#0\\- +]*)(\\d*)(?:\\.(\\d+))?[hlL]?([diouxXeEfFgGcrsa])");
  private static final List<String> ATTRIBUTES =
      List.of(
          "asctime",
          "created",
          "msecs",
          "relativeCreated",
          "levelname",
          "levelno",
          "name",
          "message",
          "msg",
          "process",
          "processName",
          "thread",
          "threadName",
          "module",
          "funcName",
          "lineno",
          "filename",
          "pathname");
  private static final long START_MILLIS = System.currentTimeMillis();
  private static final long PID = ProcessHandle.current().pid();

  /** Literal text (attribute null) or one {@code %(attribute)...} field. */
  private record Part(
      String literal,
      String attribute,
      boolean leftAlign,
      boolean zeroPad,
      int width,
      int precision,
      char type) {}

  private final String source;
  private final List<Part> parts;
  private final DateTimeFormatter dateFormat;
  private final boolean defaultDateFormat;
  private final ZoneId zone;

  private PythonLogFormat(
      String source, List<Part> parts, DateTimeFormatter dateFormat, ZoneId zone) {
    this.source = source;
    this.parts = parts;
    this.dateFormat = dateFormat;
    this.defaultDateFormat = dateFormat == null;
    this.zone = zone;
  }

  /**
   * @param format a Python %-style format; null or blank means {@link #DEFAULT}
   * @param dateformat a strftime pattern for {@code asctime} ({@code log.dateformat}); null for
   *     Python's default {@code 2026-11-21 22:03:45,589}
   * @throws IllegalArgumentException naming the unknown attribute or unsupported directive
   */
  public static PythonLogFormat parse(String format, String dateformat, ZoneId zone) {
    String fmt = format == null || format.isBlank() ? DEFAULT : format;
    List<Part> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < fmt.length()) {
      char c = fmt.charAt(i);
      if (c != '%') {
        literal.append(c);
        i++;
        continue;
      }
      if (i + 1 < fmt.length() && fmt.charAt(i + 1) == '%') {
        literal.append('%');
        i += 2;
        continue;
      }
      Matcher m = FIELD.matcher(fmt).region(i, fmt.length());
      if (!m.lookingAt()) {
        throw new IllegalArgumentException(
            "log.format: expected %(name)s at position " + i + " in '" + fmt + "'");
      }
      String attribute = m.group(1);
      if (!ATTRIBUTES.contains(attribute)) {
        throw new IllegalArgumentException(
            "log.format: unknown attribute %(" + attribute + ") (known: " + ATTRIBUTES + ")");
      }
      if (literal.length() > 0) {
        parts.add(new Part(literal.toString(), null, false, false, 0, -1, 's'));
        literal.setLength(0);
      }
      String flags = m.group(2);
      parts.add(
          new Part(
              null,
              attribute,
              flags.contains("-"),
              flags.contains("0"),
              m.group(3).isEmpty() ? 0 : Integer.parseInt(m.group(3)),
              m.group(4) == null ? -1 : Integer.parseInt(m.group(4)),
              m.group(5).charAt(0)));
      i = m.end();
    }
    if (literal.length() > 0) {
      parts.add(new Part(literal.toString(), null, false, false, 0, -1, 's'));
    }
    DateTimeFormatter dates =
        dateformat == null || dateformat.isBlank() ? null : Strftime.toFormatter(dateformat);
    return new PythonLogFormat(fmt, List.copyOf(parts), dates, zone);
  }

  /** The attributes the format names, in order (the keys of a JSON log line). */
  public List<String> attributes() {
    List<String> names = new ArrayList<>();
    for (Part p : parts) {
      if (p.attribute() != null && !names.contains(p.attribute())) {
        names.add(p.attribute());
      }
    }
    return names;
  }

  /** True if rendering needs the caller's class/method/line (expensive to capture). */
  public boolean needsCallerData() {
    return attributes().stream()
        .anyMatch(a -> List.of("module", "funcName", "lineno", "filename", "pathname").contains(a));
  }

  /** One line, without the line separator and without any stack trace. */
  public String render(ILoggingEvent event, String message) {
    StringBuilder out = new StringBuilder(96);
    for (Part p : parts) {
      if (p.attribute() == null) {
        out.append(p.literal());
      } else {
        out.append(pad(p, format(p, value(p.attribute(), event, message))));
      }
    }
    return out.toString();
  }

  /** The value of one attribute as Python would print it with %s. */
  public String attribute(String name, ILoggingEvent event, String message) {
    return format(new Part(null, name, false, false, 0, -1, 's'), value(name, event, message));
  }

  /** A String, Long or Double, like the LogRecord attribute in Python. */
  private Object value(String attribute, ILoggingEvent event, String message) {
    long millis = event.getTimeStamp();
    switch (attribute) {
      case "asctime":
        return asctime(millis);
      case "created":
        return millis / 1000.0;
      case "msecs":
        return (double) (millis % 1000);
      case "relativeCreated":
        return (double) (millis - START_MILLIS);
      case "levelname":
        return critical(event) ? "CRITICAL" : levelName(event.getLevel());
      case "levelno":
        return critical(event) ? 50L : (long) levelNumber(event.getLevel());
      case "name":
        return event.getLoggerName();
      case "message":
      case "msg":
        return message;
      case "process":
        return PID;
      case "processName":
        return "MainProcess";
      case "thread":
      case "threadName":
        return event.getThreadName();
      case "lineno":
        String line = callerValue(attribute, event);
        return line.equals("?") ? line : Long.parseLong(line);
      default:
        return callerValue(attribute, event);
    }
  }

  /** Python's %-conversion of one value: d/i truncate numbers, f has 6 decimals by default. */
  private static String format(Part p, Object value) {
    if (value instanceof Double) {
      double d = (Double) value;
      switch (p.type()) {
        case 'd':
        case 'i':
          return Long.toString((long) d);
        case 'f':
        case 'F':
          return decimal(d, p.precision() < 0 ? 6 : p.precision());
        default:
          return Double.toString(d);
      }
    }
    if (value instanceof Long && (p.type() == 'f' || p.type() == 'F')) {
      return decimal((Long) value, p.precision() < 0 ? 6 : p.precision());
    }
    return String.valueOf(value);
  }

  private static String callerValue(String attribute, ILoggingEvent event) {
    StackTraceElement[] caller = event.getCallerData();
    if (caller == null || caller.length == 0) {
      return "?";
    }
    StackTraceElement top = caller[0];
    String file = top.getFileName() == null ? "?" : top.getFileName();
    switch (attribute) {
      case "module":
        return file.endsWith(".java") ? file.substring(0, file.length() - 5) : file;
      case "funcName":
        return top.getMethodName();
      case "lineno":
        return Integer.toString(top.getLineNumber());
      case "filename":
        return file;
      default: // pathname
        return top.getClassName().replace('.', '/') + ".java";
    }
  }

  private String asctime(long millis) {
    Instant instant = Instant.ofEpochMilli(millis);
    if (defaultDateFormat) {
      // Python's default: "%Y-%m-%d %H:%M:%S" + ",%03d" milliseconds
      return Strftime.PYTHON_DEFAULT.format(instant.atZone(zone))
          + String.format(Locale.ROOT, ",%03d", millis % 1000);
    }
    return dateFormat.format(instant.atZone(zone));
  }

  private static String decimal(double value, int digits) {
    return String.format(Locale.ROOT, "%." + digits + "f", value);
  }

  private static String pad(Part p, String value) {
    String v = value == null ? "None" : value;
    if (p.precision() >= 0 && isText(p) && v.length() > p.precision()) {
      v = v.substring(0, p.precision());
    }
    if (v.length() >= p.width()) {
      return v;
    }
    String fill = p.zeroPad() && !p.leftAlign() && !isText(p) ? "0" : " ";
    String padding = fill.repeat(p.width() - v.length());
    return p.leftAlign() ? v + padding : padding + v;
  }

  private static boolean isText(Part p) {
    return p.type() == 's' || p.type() == 'r' || p.type() == 'a';
  }

  /** An ERROR event marked {@link LogMarkers#CRITICAL} (compared by name: see LogMarkers). */
  private static boolean critical(ILoggingEvent event) {
    List<Marker> markers = event.getMarkerList();
    return event.getLevel() == Level.ERROR
        && markers != null
        && markers.stream().anyMatch(m -> LogMarkers.CRITICAL_NAME.equals(m.getName()));
  }

  /** Python's level names: WARNING, not logback's WARN. */
  public static String levelName(Level level) {
    switch (level.toInt()) {
      case Level.ERROR_INT:
        return "ERROR";
      case Level.WARN_INT:
        return "WARNING";
      case Level.INFO_INT:
        return "INFO";
      default:
        return "DEBUG";
    }
  }

  private static int levelNumber(Level level) {
    switch (level.toInt()) {
      case Level.ERROR_INT:
        return 40;
      case Level.WARN_INT:
        return 30;
      case Level.INFO_INT:
        return 20;
      default:
        return 10;
    }
  }

  @Override
  public String toString() {
    return source;
  }
}
