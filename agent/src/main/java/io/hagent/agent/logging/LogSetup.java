package io.hagent.agent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.Duration;
import ch.qos.logback.core.util.FileSize;
import io.hagent.common.config.LogConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Applies the {@code log:} section (§3.2) to Logback: level, Python {@code format} and {@code
 * dateformat}, {@code type: plain|json}, {@code dir} with size rotation ({@code file_size}, {@code
 * file_num}) and per-logger levels ({@code loggers}). Called at start and on reload; everything is
 * validated first, so a bad section throws and leaves the running configuration untouched.
 *
 * <p>With {@code dir} set, lines go to {@code <dir>/hagent.log} only (Patroni: {@code
 * patroni.log}), rotated like Python's RotatingFileHandler: {@code hagent.log.1} ... {@code
 * hagent.log.<file_num>}. Without it, they go to standard output.
 */
public final class LogSetup {
  /** The log file's name inside {@code log.dir}. */
  public static final String FILE_NAME = "hagent.log";

  /** Libraries that are chatty at INFO; kept at WARN unless {@code log.loggers} names them. */
  static final List<String> NOISY =
      List.of(
          "io.grpc",
          "io.netty",
          "io.etcd",
          "io.vertx",
          "org.eclipse.jetty",
          "io.javalin",
          "org.apache.zookeeper");

  /** jetcd's per-call loggers (KVImpl, LeaseImpl, ...). */
  static final String JETCD_CALLS = "io.etcd.jetcd.impl";

  /** Logback's FixedWindowRollingPolicy keeps at most this many old files. */
  static final int MAX_FILE_NUM = 20;

  private LogSetup() {}

  /**
   * @throws IllegalArgumentException naming the bad setting; nothing is changed then
   */
  public static void apply(LogConfig log) {
    Plan plan = plan(log);
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    // JUL (grpc-java) -> SLF4J, and logback levels pushed down to JUL so disabled records are cheap
    LevelChangePropagator propagator = new LevelChangePropagator();
    propagator.setContext(context);
    propagator.setResetJUL(true);
    propagator.start();
    context.addListener(propagator);
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }

    Layout<ILoggingEvent> layout =
        plan.json() ? new JsonLayout(plan.format()) : new PlainLayout(plan.format());
    layout.setContext(context);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(layout);
    encoder.setCharset(StandardCharsets.UTF_8);
    encoder.start();

    Appender<ILoggingEvent> appender = appender(context, plan, encoder);
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(plan.rootLevel());
    root.addAppender(appender);
    for (String noisy : NOISY) {
      context.getLogger(noisy).setLevel(Level.WARN);
    }
    // jetcd warns about each failed call ("maximum number of auto retries reached"); EtcdDcs
    // retries every call itself and reports the failures in Patroni's words (DcsRetry)
    context.getLogger(JETCD_CALLS).setLevel(Level.ERROR);
    plan.loggers().forEach((name, level) -> context.getLogger(name).setLevel(level));
    if (plan.cappedFileNum()) {
      LoggerFactory.getLogger(LogSetup.class)
          .warn(
              "log.file_num {} is above {}; keeping {} old files",
              log.fileNum(),
              MAX_FILE_NUM,
              MAX_FILE_NUM);
    }
  }

  /** The validated settings, computed before anything is changed. */
  record Plan(
      boolean json,
      PythonLogFormat format,
      Level rootLevel,
      Map<String, Level> loggers,
      Path file,
      int fileNum,
      long fileSize,
      boolean cappedFileNum) {}

  static Plan plan(LogConfig log) {
    String type = log.type() == null ? "plain" : log.type().trim().toLowerCase(Locale.ROOT);
    if (!type.equals("plain") && !type.equals("json")) {
      throw new IllegalArgumentException(
          "log.type: must be plain or json, got '" + log.type() + "'");
    }
    PythonLogFormat format =
        PythonLogFormat.parse(log.format(), log.dateformat(), ZoneId.systemDefault());
    Level root = level("log.level", log.level() == null ? "INFO" : log.level());
    Map<String, Level> loggers = new LinkedHashMap<>();
    if (log.loggers() != null) {
      log.loggers()
          .forEach((name, value) -> loggers.put(name, level("log.loggers." + name, value)));
    }
    Path file = null;
    if (log.dir() != null && !log.dir().isBlank()) {
      Path dir = Path.of(log.dir());
      if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
        throw new IllegalArgumentException(
            "log.dir: " + log.dir() + " is not a writable directory");
      }
      file = dir.resolve(FILE_NAME);
    }
    if (log.fileSize() < 0 || log.fileNum() < 0) {
      throw new IllegalArgumentException(
          "log.file_size and log.file_num must not be negative, got "
              + log.fileSize()
              + " and "
              + log.fileNum());
    }
    boolean capped = log.fileNum() > MAX_FILE_NUM;
    return new Plan(
        type.equals("json"),
        format,
        root,
        Map.copyOf(loggers),
        file,
        Math.min(log.fileNum(), MAX_FILE_NUM),
        log.fileSize(),
        capped);
  }

  /** Python level names (and numbers) as logback levels: WARNING -> WARN, CRITICAL -> ERROR. */
  static Level level(String path, String value) {
    String v = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
    switch (v) {
      case "DEBUG":
      case "10":
        return Level.DEBUG;
      case "INFO":
      case "20":
        return Level.INFO;
      case "WARNING":
      case "WARN":
      case "30":
        return Level.WARN;
      case "ERROR":
      case "40":
        return Level.ERROR;
      case "CRITICAL":
      case "FATAL":
      case "50":
        return Level.ERROR;
      case "NOTSET":
      case "0":
        return Level.TRACE;
      default:
        throw new IllegalArgumentException(
            path
                + ": unknown level '"
                + value
                + "' (DEBUG, INFO, WARNING, ERROR, CRITICAL, NOTSET)");
    }
  }

  private static Appender<ILoggingEvent> appender(
      LoggerContext context, Plan plan, LayoutWrappingEncoder<ILoggingEvent> encoder) {
    if (plan.file() == null) {
      ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
      console.setContext(context);
      console.setName("console");
      console.setEncoder(encoder);
      console.start();
      return console;
    }
    String file = plan.file().toString();
    if (plan.fileNum() == 0 || plan.fileSize() == 0) {
      // Python's RotatingFileHandler never rotates when maxBytes or backupCount is 0
      FileAppender<ILoggingEvent> plain = new FileAppender<>();
      plain.setContext(context);
      plain.setName("file");
      plain.setFile(file);
      plain.setEncoder(encoder);
      plain.start();
      return plain;
    }
    RollingFileAppender<ILoggingEvent> rolling = new RollingFileAppender<>();
    rolling.setContext(context);
    rolling.setName("file");
    rolling.setFile(file);
    rolling.setEncoder(encoder);
    FixedWindowRollingPolicy window = new FixedWindowRollingPolicy();
    window.setContext(context);
    window.setParent(rolling);
    window.setFileNamePattern(file + ".%i");
    window.setMinIndex(1);
    window.setMaxIndex(plan.fileNum());
    window.start();
    SizeBasedTriggeringPolicy<ILoggingEvent> size = new SizeBasedTriggeringPolicy<>();
    size.setContext(context);
    size.setMaxFileSize(new FileSize(plan.fileSize()));
    // check the size on every line: the agent logs a few lines per loop, the check is one stat
    size.setCheckIncrement(Duration.buildByMilliseconds(0));
    size.start();
    rolling.setRollingPolicy(window);
    rolling.setTriggeringPolicy(size);
    rolling.start();
    return rolling;
  }
}
