package io.hagent.agent.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;

/** {@code log.type: plain}: one line per event in the Python format, traceback after it. */
public final class PlainLayout extends LayoutBase<ILoggingEvent> {
  private final PythonLogFormat format;

  /**
   * Patroni's default format, local time: what StartupLogConfigurator uses before the config is
   * read.
   */
  public PlainLayout() {
    this(PythonLogFormat.parse(null, null, java.time.ZoneId.systemDefault()));
  }

  PlainLayout(PythonLogFormat format) {
    this.format = format;
  }

  @Override
  public String doLayout(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(128);
    line.append(format.render(event, SecretRedactor.redact(event.getFormattedMessage())));
    line.append(CoreConstants.LINE_SEPARATOR);
    if (event.getThrowableProxy() != null) {
      line.append(SecretRedactor.redact(ThrowableProxyUtil.asString(event.getThrowableProxy())));
      line.append(CoreConstants.LINE_SEPARATOR);
    }
    return line.toString();
  }
}
