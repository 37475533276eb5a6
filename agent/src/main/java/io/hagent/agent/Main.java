package io.hagent.agent;

import io.hagent.agent.logging.LogSetup;
import io.hagent.common.Version;
import io.hagent.common.config.ConfigException;
import io.hagent.common.config.ConfigLoader;
import io.hagent.common.config.HagentConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hagent [--validate-config] [--version] CONFIG}: the daemon's entry point. */
@Command(
    name = "hagent",
    description = "PostgreSQL high-availability agent, a drop-in replacement for Patroni.",
    mixinStandardHelpOptions = false)
public final class Main implements Callable<Integer> {

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "CONFIG",
      description = "Patroni YAML configuration file or directory")
  Path configFile;

  @Option(names = "--validate-config", description = "Check the configuration and exit")
  boolean validateConfig;

  @Option(names = "--version", description = "Print the version and exit")
  boolean version;

  // Used by hagent-cds (package install) and the build to write the class-data-sharing archive;
  // hidden: it is not something an operator runs.
  @Option(names = "--cds-training", hidden = true)
  boolean cdsTraining;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit")
  boolean help;

  public static void main(String[] args) {
    int code =
        new CommandLine(new Main())
            .setExecutionExceptionHandler(
                (e, cmd, parsed) -> {
                  System.err.println("hagent: " + e.getMessage());
                  return 1;
                })
            .execute(args);
    if (code != Integer.MIN_VALUE) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() {
    if (version) {
      System.out.println("hagent " + Version.HAGENT);
      return 0;
    }
    if (cdsTraining) {
      return CdsTraining.run(configFile);
    }
    if (configFile == null && System.getenv("PATRONI_CONFIGURATION") == null) {
      System.err.println("Usage: hagent [--validate-config] [--version] CONFIG");
      System.err.println(
          "hagent: no configuration given (a file, a directory or PATRONI_CONFIGURATION)");
      return 1;
    }
    if (configFile != null && !Files.exists(configFile)) {
      System.err.println("hagent: configuration file " + configFile + " does not exist");
      return 1;
    }
    if (validateConfig) {
      ConfigLoader.Check check = ConfigLoader.check(configFile, System.getenv());
      List<String> problems = check.problems();
      problems.forEach(p -> System.err.println(p));
      check.warnings().forEach(w -> System.err.println("WARNING: " + w));
      if (problems.isEmpty()) {
        System.out.println("configuration is valid");
        return 0;
      }
      return 1;
    }
    if (runningAsRoot()) {
      System.err.println(
          "hagent: refusing to run as root: PostgreSQL cannot run as root. Start hagent as the"
              + " user that owns the data directory (e.g. 'postgres').");
      return 1;
    }
    ConfigLoader.Loaded loaded;
    try {
      loaded = ConfigLoader.loadWithWarnings(configFile, System.getenv());
    } catch (ConfigException e) {
      e.problems().forEach(p -> System.err.println(p));
      return 1;
    }
    HagentConfig config = loaded.config();
    try {
      LogSetup.apply(config.log());
    } catch (IllegalArgumentException e) {
      System.err.println("hagent: " + e.getMessage());
      return 1;
    }
    // After LogSetup, so that they appear in the agent's own format and log file.
    loaded.warnings().forEach(w -> LoggerFactory.getLogger(ConfigLoader.class).warn(w));
    return new Agent(config, configFile).run();
  }

  private static boolean runningAsRoot() {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return uid instanceof Integer i && i == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }
}
