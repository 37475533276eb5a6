package io.hagent.agent.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.util.List;

/**
 * {@code log.type: json}: one JSON object per line. Like Patroni (python-json-logger), the keys are
 * the attributes named in {@code log.format}, in order, so the default format gives {@code
 * {"asctime": "...", "levelname": "INFO", "message": "..."}}; a traceback goes to {@code exc_info}.
 */
final class JsonLayout extends LayoutBase<ILoggingEvent> {
  private final PythonLogFormat format;
  private final List<String> keys;

  JsonLayout(PythonLogFormat format) {
    this.format = format;
    this.keys = format.attributes();
  }

  @Override
  public String doLayout(ILoggingEvent event) {
    String message = SecretRedactor.redact(event.getFormattedMessage());
    StringBuilder json = new StringBuilder(160).append('{');
    boolean first = true;
    for (String key : keys) {
      if (!first) {
        json.append(", ");
      }
      first = false;
      appendString(json, key);
      json.append(": ");
      appendString(json, format.attribute(key, event, message));
    }
    if (event.getThrowableProxy() != null) {
      json.append(first ? "" : ", ");
      appendString(json, "exc_info");
      json.append(": ");
      appendString(
          json, SecretRedactor.redact(ThrowableProxyUtil.asString(event.getThrowableProxy())));
    }
    return json.append('}').append(CoreConstants.LINE_SEPARATOR).toString();
  }

  static void appendString(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }
}
