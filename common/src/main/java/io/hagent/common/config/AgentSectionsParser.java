package io.hagent.common.config;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** The small per-daemon sections: {@code restapi}, {@code ctl}, {@code log}, {@code watchdog}. */
final class AgentSectionsParser {
  private AgentSectionsParser() {}

  static final Set<String> RESTAPI_KEYS =
      Set.of(
          "listen",
          "connect_address",
          "proxy_address",
          "authentication",
          "certfile",
          "keyfile",
          "keyfile_password",
          "cafile",
          "ciphers",
          "verify_client",
          "allowlist",
          "allowlist_include_members",
          "http_extra_headers",
          "https_extra_headers",
          "request_queue_size",
          "server_tokens",
          "thread_pool_size");

  static final Set<String> CTL_KEYS =
      Set.of("insecure", "cacert", "certfile", "keyfile", "keyfile_password", "authentication");

  static final Set<String> LOG_KEYS =
      Set.of(
          "type",
          "level",
          "traceback_level",
          "format",
          "dateformat",
          "static_fields",
          "max_queue_size",
          "dir",
          "mode",
          "file_num",
          "file_size",
          "loggers",
          "deduplicate_heartbeat_logs");

  private static final Set<String> LEVELS =
      Set.of("DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL", "NOTSET");

  static final String DEFAULT_LOG_FORMAT = "%(asctime)s %(levelname)s: %(message)s";

  static RestApiConfig restapi(Section root) {
    Section r = root.section("restapi");
    r.rejectUnknown(RESTAPI_KEYS);
    String listen = r.required("listen");
    if (listen != null && Addresses.split(listen) == null) {
      r.problem("listen", "expected host:port, got " + Problems.shown("", listen));
    }
    String connect = r.str("connect_address");
    if (connect != null && Addresses.split(connect) == null) {
      r.problem("connect_address", "expected host:port, got " + Problems.shown("", connect));
    }
    String verify = r.str("verify_client");
    if (verify != null && !Set.of("none", "optional", "required").contains(verify)) {
      r.problem(
          "verify_client",
          "expected none, optional or required, got " + Problems.shown("", verify));
    }
    int queue = r.intValue("request_queue_size", RestApiConfig.DEFAULT_REQUEST_QUEUE_SIZE);
    if (queue < 0 || queue > 4096) {
      r.problem("request_queue_size", "expected an integer between 0 and 4096");
    }
    int threads = r.intValue("thread_pool_size", RestApiConfig.DEFAULT_THREAD_POOL_SIZE);
    if (threads < 1 || threads > 1000) {
      r.problem("thread_pool_size", "expected an integer between 1 and 1000");
    }
    String tokens = r.str("server_tokens");
    if (tokens != null
        && !Set.of("original", "productonly", "minimal").contains(tokens.toLowerCase())) {
      r.problem("server_tokens", "expected Original, ProductOnly or Minimal");
    }
    Section auth = r.section("authentication");
    auth.rejectUnknown(Set.of("username", "password"));
    List<String> allowlist = r.stringList("allowlist");
    return new RestApiConfig(
        listen,
        connect != null ? connect : listen,
        auth.str("username"),
        auth.str("password"),
        r.str("certfile"),
        r.str("keyfile"),
        r.str("keyfile_password"),
        r.str("cafile"),
        verify,
        r.str("ciphers"),
        allowlist == null ? List.of() : List.copyOf(allowlist),
        r.bool("allowlist_include_members", false),
        Map.copyOf(r.stringMap("http_extra_headers")),
        Map.copyOf(r.stringMap("https_extra_headers")),
        queue,
        threads);
  }

  static CtlConfig ctl(Section root) {
    Section c = root.section("ctl");
    c.rejectUnknown(CTL_KEYS);
    Section auth = c.section("authentication");
    auth.rejectUnknown(Set.of("username", "password"));
    return new CtlConfig(
        auth.str("username"),
        auth.str("password"),
        c.str("cacert"),
        c.str("certfile"),
        c.str("keyfile"),
        c.str("keyfile_password"),
        c.bool("insecure", false));
  }

  static LogConfig log(Section root) {
    Section l = root.section("log");
    l.rejectUnknown(LOG_KEYS);
    String type = l.str("type", "plain");
    if (!type.equals("plain") && !type.equals("json")) {
      l.problem("type", "expected plain or json, got " + Problems.shown("", type));
    }
    String level = l.str("level", "INFO").toUpperCase();
    if (!LEVELS.contains(level)) {
      l.problem("level", "expected a log level (DEBUG, INFO, WARNING, ERROR, CRITICAL)");
    }
    Object format = l.raw("format");
    int fileNum = l.intValue("file_num", 4);
    long fileSize = l.longValue("file_size", 25_000_000L);
    l.intValue("max_queue_size", 1000);
    l.optionalBool("deduplicate_heartbeat_logs");
    return new LogConfig(
        type,
        level,
        format == null ? DEFAULT_LOG_FORMAT : format.toString(),
        l.str("dateformat"),
        l.str("dir"),
        fileNum,
        fileSize,
        Map.copyOf(l.stringMap("loggers")));
  }

  static WatchdogConfig watchdog(Section root) {
    Section w = root.section("watchdog");
    Set<String> known = Set.of("mode", "device", "safety_margin", "driver");
    for (String key : w.keys()) {
      if (!known.contains(key)) {
        // Patroni hands other keys to its driver as driver_config; neither of its drivers reads any
        w.warning(key, "is not used by any watchdog driver; ignored");
      }
    }
    Object rawMode = w.raw("mode");
    String mode = "automatic";
    if (Boolean.FALSE.equals(rawMode)) {
      mode = "off"; // YAML 1.1 reads 'mode: off' as false
    } else if (rawMode != null) {
      // Patroni's parse_mode also accepts these spellings
      mode =
          switch (rawMode.toString().trim().toLowerCase()) {
            case "off", "disable", "disabled" -> "off";
            case "auto", "automatic" -> "automatic";
            case "require", "required" -> "required";
            default -> {
              w.problem(
                  "mode",
                  "expected off, automatic or required, got " + Problems.shown("", rawMode));
              yield "automatic";
            }
          };
    }
    int margin = w.intValue("safety_margin", 5);
    if (margin < -1) {
      // -1 is Patroni's "half of ttl"; other negative margins would set a timeout beyond ttl
      w.problem("safety_margin", "expected -1 (ttl/2) or a number of seconds >= 0, got " + margin);
      margin = 5;
    }
    String driver = w.str("driver", "default");
    switch (driver) {
      case "default", "fence" -> {}
      case "testing" -> {
        w.warning(
            "driver",
            "'testing' is Patroni's test double, which hagent does not have: no watchdog device is"
                + " used");
        driver = "none";
      }
      default -> {
        w.warning(
            "driver",
            "unknown driver "
                + Problems.shown("", driver)
                + " (expected default or fence): no watchdog device is used, as Patroni does");
        driver = "none";
      }
    }
    return new WatchdogConfig(mode, w.str("device", "/dev/watchdog"), margin, driver);
  }
}
