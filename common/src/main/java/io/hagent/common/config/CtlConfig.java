package io.hagent.common.config;

/** {@code ctl:} (§2.1): how hactl talks to the members' REST APIs. */
public record CtlConfig(
    String username,
    String password,
    String cacert,
    String certfile,
    String keyfile,
    String keyfilePassword,
    boolean insecure) {}
