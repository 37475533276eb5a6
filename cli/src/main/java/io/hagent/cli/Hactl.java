package io.hagent.cli;

import io.hagent.common.config.ConfigException;
import io.hagent.common.config.ConfigLoader;
import io.hagent.common.config.HagentConfig;
import io.hagent.common.dcs.DcsException;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** hactl: the patronictl drop-in (§2). */
@Command(
    name = "hactl",
    mixinStandardHelpOptions = false,
    description =
        "Command-line interface for interacting with a Patroni-compatible (hagent) cluster.",
    subcommands = {
      ListCommand.class,
      TopologyCommand.class,
      SwitchoverCommand.class,
      FailoverCommand.class,
      EditConfigCommand.class,
      ShowConfigCommand.class,
      PauseCommand.class,
      ResumeCommand.class,
      HistoryCommand.class,
      DsnCommand.class,
      QueryCommand.class,
      RestartCommand.class,
      ReloadCommand.class,
      ReinitCommand.class,
      RemoveCommand.class,
      FlushCommand.class,
      VersionCommand.class,
      CompletionCommand.class,
      PromoteClusterCommand.class,
      DemoteClusterCommand.class
    })
public final class Hactl implements Callable<Integer> {
  static final String VERSION = "0.1.0";
  static final String DEFAULT_CONFIG = "~/.config/patroni/patronictl.yaml";

  /** Everything outside the process that hactl touches; tests substitute fakes. */
  record Environment(
      Map<String, String> env,
      InputStream in,
      PrintStream out,
      PrintStream err,
      Clock clock,
      ConfigSource config,
      Function<CtlSettings, ClusterStore.Factory> stores,
      Function<CtlSettings, MemberApi> api) {

    static Environment system() {
      return new Environment(
          System.getenv(),
          System.in,
          System.out,
          System.err,
          Clock.systemDefaultZone(),
          ConfigLoader::loadForCtl,
          s -> new EtcdClusterStores(s.etcd(), s.zookeeper(), s.namespace()),
          Ctl::defaultApi);
    }
  }

  /** The configuration loader (ConfigLoader.loadForCtl in production). */
  @FunctionalInterface
  interface ConfigSource {
    HagentConfig load(Path file, Map<String, String> env) throws ConfigException;
  }

  @Option(
      names = {"-c", "--config-file"},
      paramLabel = "FILE",
      description =
          "Configuration file (env PATRONICTL_CONFIG_FILE; default: the agent's "
              + "/etc/hagent/hagent.yml, HAGENT_CONFIG of /etc/default/hagent, then "
              + DEFAULT_CONFIG
              + ")")
  String configFile;

  @Option(
      names = {"-d", "--dcs-url", "--dcs"},
      paramLabel = "URL",
      description =
          "The DCS connect url, e.g. etcd3://localhost:2379/service or"
              + " zookeeper://zk1:2181,zk2:2181/service (env DCS_URL); it replaces the file's"
              + " etcd3/zookeeper section and speaks plain TCP: a store with TLS or credentials"
              + " needs the file")
  String dcsUrl;

  @Option(
      names = {"-k", "--insecure"},
      description = "Allow connections to SSL sites without certs")
  boolean insecure;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this message and exit.")
  boolean help;

  private final Environment environment;
  private Ctl ctl;

  public Hactl() {
    this(Environment.system());
  }

  Hactl(Environment environment) {
    this.environment = environment;
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(environment.out());
    return 0;
  }

  /** The shared context, created on first use by a subcommand. */
  Ctl ctl() {
    if (ctl == null) {
      PrintWriter out =
          new PrintWriter(
              new java.io.OutputStreamWriter(environment.out(), StandardCharsets.UTF_8), true);
      BufferedReader in =
          new BufferedReader(new InputStreamReader(environment.in(), StandardCharsets.UTF_8));
      ctl =
          new Ctl(
              out,
              in,
              environment.clock(),
              environment.env(),
              this::loadSettings,
              environment.stores(),
              environment.api());
      ctl.useConsoleForSecrets(environment.in() == System.in);
    }
    return ctl;
  }

  private CtlSettings loadSettings() {
    Map<String, String> env = environment.env();
    ConfigDiscovery.Choice choice = new ConfigDiscovery(env).find(configFile);
    Path path = choice.file().orElse(null);
    if (choice.explicit() && !Files.isReadable(path)) {
      throw new CtlException(
          "Provided config file "
              + path
              + " not existing or no read rights. Check the -c/--config-file parameter");
    }
    String url = dcsUrl != null ? dcsUrl : env.get("DCS_URL");
    HagentConfig config;
    try {
      config = environment.config().load(path, env);
    } catch (ConfigException e) {
      if (url == null) {
        throw new CtlException(e.getMessage());
      }
      // --dcs-url replaces the file's DCS section; without a file (or a file without one) there
      // is none, which the loader reports as missing: load again with a placeholder (not when the
      // file has one: an etcd placeholder next to a zookeeper section would be a conflict).
      Map<String, String> loadEnv = new java.util.HashMap<>(env);
      loadEnv.putIfAbsent("PATRONI_ETCD3_HOSTS", "localhost:2379");
      try {
        config = environment.config().load(path, loadEnv);
      } catch (ConfigException again) {
        throw new CtlException(again.getMessage());
      }
    }
    return CtlSettings.from(config, url, insecure);
  }

  public static void main(String[] args) {
    System.exit(run(args, Environment.system()));
  }

  /**
   * gRPC logs through java.util.logging, whose default console handler prints INFO lines (e.g.
   * "Epoll available during static init of TcpMetrics") on stderr, between hactl's own output and
   * its one-line "Error: ..." message. Failures reach the user as exceptions anyway; the root
   * logger (held by the LogManager, so the level sticks) keeps only SEVERE records. Called when the
   * jetcd client is built, so commands that never build it skip the LogManager start-up.
   */
  static void quietJavaUtilLogging() {
    java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.SEVERE);
  }

  static int run(String[] args, Environment env) {
    Hactl hactl = new Hactl(env);
    CommandLine cmd = new CommandLine(hactl);
    cmd.setOut(new PrintWriter(env.out(), true));
    cmd.setErr(new PrintWriter(env.err(), true));
    cmd.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (hactl.ctl != null) {
            hactl.ctl.out.flush();
          }
          env.err().println("Error: " + describe(e));
          env.err().flush();
          return 1;
        });
    try {
      return cmd.execute(args);
    } finally {
      if (hactl.ctl != null) {
        hactl.ctl.close();
      }
    }
  }

  /** One line naming the problem: no stack traces for operators. */
  static String describe(Throwable e) {
    String message = e.getMessage();
    if (e instanceof DcsException || e instanceof CtlException) {
      message = message == null ? e.getClass().getSimpleName() : message;
    } else if (message == null || message.isBlank()) {
      message = e.getClass().getSimpleName();
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
