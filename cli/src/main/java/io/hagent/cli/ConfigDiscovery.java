package io.hagent.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Which configuration file hactl reads when no {@code -c} is given, so that on a database server it
 * finds the agent's own file:
 *
 * <ol>
 *   <li>{@code PATRONICTL_CONFIG_FILE}, as patronictl (an explicit choice: must exist);
 *   <li>the file the hagent unit runs with: {@code HAGENT_CONFIG} from the environment or from
 *       {@code /etc/default/hagent} (the unit's EnvironmentFile), else {@code
 *       /etc/hagent/hagent.yml};
 *   <li>patronictl's default: {@code patronictl.yaml} in click's application directory for
 *       "patroni", i.e. {@code $XDG_CONFIG_HOME/patroni/} or {@code ~/.config/patroni/}.
 * </ol>
 *
 * <p>A candidate of steps 2 and 3 that is missing or unreadable (the agent's file is normally
 * postgres-only, mode 0600) is skipped.
 */
final class ConfigDiscovery {
  static final Path AGENT_DEFAULTS = Path.of("/etc/default/hagent");
  static final Path AGENT_CONFIG = Path.of("/etc/hagent/hagent.yml");

  /** What was chosen; file empty when nothing was found (the DCS then comes from -d/env). */
  record Choice(Optional<Path> file, boolean explicit) {}

  private final Map<String, String> env;
  private final Path agentDefaults;
  private final Predicate<Path> readable;

  ConfigDiscovery(Map<String, String> env) {
    this(env, AGENT_DEFAULTS, Files::isReadable);
  }

  ConfigDiscovery(Map<String, String> env, Path agentDefaults, Predicate<Path> readable) {
    this.env = env;
    this.agentDefaults = agentDefaults;
    this.readable = readable;
  }

  /** cliOption: the value of -c, or null. */
  Choice find(String cliOption) {
    String explicit = cliOption != null ? cliOption : env.get("PATRONICTL_CONFIG_FILE");
    if (explicit != null) {
      Path p = Path.of(expandHome(explicit));
      return new Choice(Optional.of(p), true);
    }
    for (Path candidate : List.of(agentConfig(), patronictlDefault())) {
      if (readable.test(candidate)) {
        return new Choice(Optional.of(candidate), false);
      }
    }
    return new Choice(Optional.empty(), false);
  }

  /** The configuration hagent.service starts the agent with. */
  Path agentConfig() {
    String fromEnv = env.get("HAGENT_CONFIG");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(expandHome(fromEnv));
    }
    return readDefaultsFile().map(Path::of).orElse(AGENT_CONFIG);
  }

  /** HAGENT_CONFIG="..." in the unit's EnvironmentFile (KEY="value" lines; see hagent.env). */
  private Optional<String> readDefaultsFile() {
    if (!readable.test(agentDefaults)) {
      return Optional.empty();
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(agentDefaults, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return Optional.empty();
    }
    String value = null;
    for (String raw : lines) {
      String line = raw.strip();
      if (line.startsWith("export ")) {
        line = line.substring(7).strip();
      }
      if (line.startsWith("HAGENT_CONFIG=")) {
        value = unquote(line.substring("HAGENT_CONFIG=".length()).strip());
      }
    }
    return Optional.ofNullable(value).filter(v -> !v.isEmpty());
  }

  private static String unquote(String v) {
    if (v.length() >= 2
        && (v.charAt(0) == '"' || v.charAt(0) == '\'')
        && v.charAt(v.length() - 1) == v.charAt(0)) {
      return v.substring(1, v.length() - 1);
    }
    return v;
  }

  /** click.get_app_dir("patroni") on POSIX, plus patronictl's file name. */
  Path patronictlDefault() {
    String xdg = env.get("XDG_CONFIG_HOME");
    Path dir =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg, "patroni")
            : Path.of(home(), ".config", "patroni");
    return dir.resolve("patronictl.yaml");
  }

  private String home() {
    return env.getOrDefault("HOME", System.getProperty("user.home"));
  }

  private String expandHome(String file) {
    return file.startsWith("~/") ? home() + file.substring(1) : file;
  }
}
