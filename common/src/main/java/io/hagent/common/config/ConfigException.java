package io.hagent.common.config;

import java.util.List;

/** The configuration is invalid; {@link #problems()} names each bad key by its YAML path. */
public class ConfigException extends Exception {
  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
