package io.hagent.common.config;

import java.util.List;
import java.util.Map;

/**
 * {@code bootstrap:} (§3.4).
 *
 * @param dcs initial dynamic configuration (written to the {@code config} key once)
 * @param initdbArgs initdb options already rendered as {@code --key=value} / {@code --flag}
 * @param pgHba lines for pg_hba.conf
 * @param users Patroni 3.x {@code bootstrap.users}: name -> {password, options}
 * @param postBootstrap script run once after bootstrap (also {@code post_init}), or null
 */
public record BootstrapConfig(
    Map<String, Object> dcs,
    List<String> initdbArgs,
    List<String> pgHba,
    Map<String, Object> users,
    String postBootstrap) {}
