package io.hagent.common.config;

import java.nio.file.Path;
import java.util.Map;

/** Loads Patroni's YAML (file or directory) plus PATRONI_* overrides into a HagentConfig. */
public final class ConfigLoader {
  private ConfigLoader() {}

  /**
   * @param file a YAML file, a directory of *.yml/*.yaml (merged alphabetically), or null to use
   *     PATRONI_CONFIGURATION or the environment alone
   * @param env the environment (PATRONI_* variables are overlaid on the file)
   * @throws ConfigException listing every problem by YAML path
   */
  public static HagentConfig load(Path file, Map<String, String> env) throws ConfigException {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
