package io.hagent.agent.logging;

import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * Markers for what logback's levels cannot say. Kept apart from {@link PythonLogFormat}: creating a
 * marker initialises SLF4J, which builds the layout, which must not find PythonLogFormat half
 * initialised.
 */
public final class LogMarkers {
  static final String CRITICAL_NAME = "CRITICAL";

  /**
   * Marks an ERROR event that Patroni logs with logger.fatal/critical: it is printed as {@code
   * CRITICAL} (level number 50). Logback has no level above ERROR, so filters treat it as ERROR.
   */
  public static final Marker CRITICAL = MarkerFactory.getMarker(CRITICAL_NAME);

  private LogMarkers() {}
}
