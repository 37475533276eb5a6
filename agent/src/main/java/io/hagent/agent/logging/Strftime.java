package io.hagent.agent.logging;

import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.Locale;

/** Python strftime patterns ({@code log.dateformat}) as java.time formatters. */
final class Strftime {
  /** Python logging's default date part, {@code %Y-%m-%d %H:%M:%S}. */
  static final DateTimeFormatter PYTHON_DEFAULT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

  private Strftime() {}

  /**
   * @throws IllegalArgumentException naming an unsupported directive
   */
  static DateTimeFormatter toFormatter(String strftime) {
    DateTimeFormatterBuilder b = new DateTimeFormatterBuilder();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < strftime.length(); i++) {
      char c = strftime.charAt(i);
      if (c != '%' || i + 1 == strftime.length()) {
        literal.append(c);
        continue;
      }
      char d = strftime.charAt(++i);
      if (d == '%') {
        literal.append('%');
        continue;
      }
      if (literal.length() > 0) {
        b.appendLiteral(literal.toString());
        literal.setLength(0);
      }
      b.appendPattern(pattern(d, strftime));
    }
    if (literal.length() > 0) {
      b.appendLiteral(literal.toString());
    }
    return b.toFormatter(Locale.ROOT);
  }

  private static String pattern(char directive, String strftime) {
    switch (directive) {
      case 'Y':
        return "yyyy";
      case 'y':
        return "yy";
      case 'm':
        return "MM";
      case 'd':
        return "dd";
      case 'H':
        return "HH";
      case 'I':
        return "hh";
      case 'M':
        return "mm";
      case 'S':
        return "ss";
      case 'f':
        return "SSSSSS";
      case 'p':
        return "a";
      case 'b':
        return "MMM";
      case 'B':
        return "MMMM";
      case 'a':
        return "EEE";
      case 'A':
        return "EEEE";
      case 'j':
        return "DDD";
      case 'z':
        return "xx";
      case 'Z':
        return "z";
      case 'T':
        return "HH:mm:ss";
      case 'F':
        return "yyyy-MM-dd";
      default:
        throw new IllegalArgumentException(
            "log.dateformat: unsupported directive %" + directive + " in '" + strftime + "'");
    }
  }
}
