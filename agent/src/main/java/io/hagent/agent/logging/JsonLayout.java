package io.hagent.agent.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import io.hagent.common.json.JsonTree;
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

  /** A JSON string as python-json-logger writes it (json.dumps: non-ASCII escaped). */
  static void appendString(StringBuilder out, String value) {
    out.append(JsonTree.quote(value));
  }
}
