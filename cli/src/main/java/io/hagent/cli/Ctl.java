package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.dcs.DcsException;
import io.hagent.common.rest.RestClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What every command works with: the resolved settings (loaded on first use, so {@code --help} and
 * {@code version} never touch the config or the DCS), the cluster stores, the REST client, the
 * terminal and the clock.
 */
final class Ctl implements AutoCloseable {
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSS");

  final PrintWriter out;
  final Clock clock;
  final Map<String, String> env;
  private final BufferedReader in;
  private final Supplier<CtlSettings> settingsSupplier;
  private final Function<CtlSettings, ClusterStore.Factory> storeFactory;
  private final Function<CtlSettings, MemberApi> apiFactory;
  private final Map<String, ClusterStore> open = new HashMap<>();
  private boolean consoleForSecrets;
  private CtlSettings settings;
  private ClusterStore.Factory stores;
  private MemberApi api;

  Ctl(
      PrintWriter out,
      BufferedReader in,
      Clock clock,
      Map<String, String> env,
      Supplier<CtlSettings> settings,
      Function<CtlSettings, ClusterStore.Factory> storeFactory,
      Function<CtlSettings, MemberApi> apiFactory) {
    this.out = out;
    this.in = in;
    this.clock = clock;
    this.env = env;
    this.settingsSupplier = settings;
    this.storeFactory = storeFactory;
    this.apiFactory = apiFactory;
  }

  static MemberApi defaultApi(CtlSettings s) {
    return new MemberApi(
        new RestClient(
            s.username(),
            s.password(),
            s.cacert(),
            s.certfile(),
            s.keyfile(),
            s.keyfilePassword(),
            s.insecure()));
  }

  CtlSettings settings() {
    if (settings == null) {
      settings = settingsSupplier.get();
    }
    return settings;
  }

  /** The CLUSTER argument, else {@code scope} from the configuration. */
  String clusterName(String arg) {
    if (arg != null && !arg.isEmpty()) {
      return arg;
    }
    String scope = settings().scope();
    if (scope == null || scope.isEmpty()) {
      throw new CtlException(
          "Cluster name is required: pass CLUSTER or set scope in the configuration");
    }
    return scope;
  }

  ClusterStore store(String cluster) {
    ClusterStore s = open.get(cluster);
    if (s == null) {
      if (stores == null) {
        stores = storeFactory.apply(settings());
      }
      s = stores.open(cluster);
      open.put(cluster, s);
    }
    return s;
  }

  Cluster read(String cluster) throws DcsException {
    return store(cluster).readCluster();
  }

  MemberApi api() {
    if (api == null) {
      api = apiFactory.apply(settings());
    }
    return api;
  }

  /** click.prompt: {@code text [default]: }; empty input takes the default. */
  String prompt(String text, String dflt) {
    out.print(text + (dflt == null ? "" : " [" + dflt + "]") + ": ");
    out.flush();
    String line = readLine();
    if (line.isEmpty() && dflt != null) {
      return dflt;
    }
    return line;
  }

  /** Secrets are read from the terminal without echo when stdin is the terminal. */
  void useConsoleForSecrets(boolean enabled) {
    this.consoleForSecrets = enabled;
  }

  /** click.prompt(hide_input=True): {@code text: }, asked again until the answer is not empty. */
  String promptSecret(String text) {
    java.io.Console console = consoleForSecrets ? System.console() : null;
    while (true) {
      String answer;
      if (console != null) {
        out.flush();
        char[] chars = console.readPassword("%s: ", text);
        if (chars == null) {
          throw new CtlException("Aborted!");
        }
        answer = new String(chars);
        java.util.Arrays.fill(chars, ' ');
      } else {
        out.print(text + ": ");
        out.flush();
        answer = readLine();
      }
      if (!answer.isEmpty()) {
        return answer;
      }
    }
  }

  /** Everything left on stdin ({@code -f -}). */
  String readStdin() {
    try {
      StringBuilder sb = new StringBuilder();
      char[] buf = new char[8192];
      for (int n; (n = in.read(buf)) > 0; ) {
        sb.append(buf, 0, n);
      }
      return sb.toString();
    } catch (IOException e) {
      throw new CtlException("Could not read stdin: " + e.getMessage());
    }
  }

  /** click.confirm: {@code text [y/N]: }. */
  boolean confirm(String text) {
    while (true) {
      out.print(text + " [y/N]: ");
      out.flush();
      String line = readLine().trim().toLowerCase();
      if (line.isEmpty() || line.equals("n") || line.equals("no")) {
        return false;
      }
      if (line.equals("y") || line.equals("yes")) {
        return true;
      }
      out.println("Error: invalid input");
    }
  }

  private String readLine() {
    try {
      String line = in.readLine();
      if (line == null) {
        out.println();
        throw new CtlException("Aborted!");
      }
      return line;
    } catch (IOException e) {
      throw new CtlException("Aborted!");
    }
  }

  /** {@code YYYY-MM-DD HH:MM:SS}: patronictl's timestamp(0), on query's error rows. */
  String timestampSeconds() {
    return LocalDateTime.now(clock).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
  }

  /** {@code YYYY-MM-DD HH:MM:SS.fffff}, as patronictl prints before REST results. */
  String timestamp() {
    return LocalDateTime.now(clock).format(TIMESTAMP);
  }

  void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CtlException("Interrupted");
    }
  }

  @Override
  public void close() {
    open.values().forEach(ClusterStore::close);
    open.clear();
    out.flush();
  }
}
