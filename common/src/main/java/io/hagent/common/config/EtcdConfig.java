package io.hagent.common.config;

import java.util.List;

/**
 * {@code etcd:} or {@code etcd3:} (§3.3), both served over the v3 API.
 *
 * @param endpoints full endpoint URLs, e.g. {@code http://127.0.0.1:2379}
 */
public record EtcdConfig(
    List<String> endpoints,
    String protocol,
    String username,
    String password,
    String cacert,
    String cert,
    String key) {}
