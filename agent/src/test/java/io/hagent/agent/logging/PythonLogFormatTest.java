package io.hagent.agent.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class PythonLogFormatTest {
  static final ZoneId UTC = ZoneOffset.UTC;
  static final long AT =
      LocalDateTime.of(2026, 11, 21, 22, 3, 45).toEpochSecond(ZoneOffset.UTC) * 1000 + 589;

  static LoggingEvent event(Level level, String logger, String message) {
    LoggerContext context = new LoggerContext();
    LoggingEvent e =
        new LoggingEvent(
            PythonLogFormatTest.class.getName(),
            context.getLogger(logger),
            level,
            message,
            null,
            null);
    e.setTimeStamp(AT);
    e.setThreadName("ha-loop");
    return e;
  }

  @Test
  void patroniDefaultFormat() {
    PythonLogFormat f = PythonLogFormat.parse(null, null, UTC);
    assertEquals(
        "2026-11-21 22:03:45,589 INFO: no action. I am (node1), the leader with the lock",
        f.render(
            event(Level.INFO, "io.hagent.agent.ha", "x"),
            "no action. I am (node1), the leader with the lock"));
    assertEquals(List.of("asctime", "levelname", "message"), f.attributes());
  }

  @Test
  void pythonLevelNames() {
    PythonLogFormat f = PythonLogFormat.parse("%(levelname)s %(levelno)d", null, UTC);
    assertEquals("WARNING 30", f.render(event(Level.WARN, "a", "m"), "m"));
    assertEquals("ERROR 40", f.render(event(Level.ERROR, "a", "m"), "m"));
    assertEquals("DEBUG 10", f.render(event(Level.DEBUG, "a", "m"), "m"));
    LoggingEvent critical = event(Level.ERROR, "a", "m");
    critical.addMarker(LogMarkers.CRITICAL);
    assertEquals("CRITICAL 50", f.render(critical, "m"));
  }

  @Test
  void widthPrecisionAndOtherAttributes() {
    PythonLogFormat f =
        PythonLogFormat.parse(
            "[%(levelname)-8s] %(name).4s %(threadName)s %(process)d %(msecs)03d 100%% %(message)s",
            null, UTC);
    String pid = Long.toString(ProcessHandle.current().pid());
    assertEquals(
        "[INFO    ] io.h ha-loop " + pid + " 589 100% hello",
        f.render(event(Level.INFO, "io.hagent.x", "hello"), "hello"));
    assertEquals(
        "   INFO|" + (AT / 1000) + ".589",
        PythonLogFormat.parse("%(levelname)7s|%(created).3f", null, UTC)
            .render(event(Level.INFO, "a", "m"), "m"));
  }

  @Test
  void dateformatIsStrftime() {
    PythonLogFormat f = PythonLogFormat.parse(null, "%d/%m/%Y %H:%M:%S %z", UTC);
    assertEquals("21/11/2026 22:03:45 +0000 INFO: m", f.render(event(Level.INFO, "a", "m"), "m"));
  }

  @Test
  void badFormatNamesTheProblem() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PythonLogFormat.parse("%(asctime)s %(hostname)s", null, UTC));
    assertTrue(e.getMessage().contains("%(hostname)"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PythonLogFormat.parse("%(message)s %q", null, UTC));
    assertTrue(e.getMessage().startsWith("log.format"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> PythonLogFormat.parse(null, "%Y %Q", UTC));
    assertTrue(e.getMessage().contains("%Q"), e.getMessage());
  }
}
