package io.hagent.common.config;

import java.util.Map;

/** {@code log:} (§3.2). {@code dir} null means stdout. */
public record LogConfig(
    String type,
    String level,
    String format,
    String dateformat,
    String dir,
    int fileNum,
    long fileSize,
    Map<String, String> loggers) {}
