package io.hagent.agent.callbacks;

import io.hagent.agent.postgres.ProcessRunner;
import io.hagent.common.config.PostgresqlConfig;
import io.hagent.common.util.ShellWords;
import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the user's scripts of the {@code postgresql} section the way Patroni does (§3.5):
 *
 * <ul>
 *   <li>{@code callbacks.on_*}: {@code <command words...> <action> <role> <scope>}, without waiting
 *       for the script. One callback runs at a time: a new one kills the one still running (with
 *       its descendants) before it starts, as Patroni's CallbackExecutor does; {@code on_reload}
 *       has its own slot, so a reload never kills a role-change script (Patroni's
 *       OnReloadExecutor).
 *   <li>{@code pre_promote} and {@code before_stop}: the command alone, waited for; the exit code
 *       is logged in Patroni's words ("pre_promote script `...` exited with N").
 * </ul>
 *
 * <p>Every script runs from the agent's working directory with the environment every child of the
 * agent gets ({@link ProcessRunner#childEnvironment}: no NOTIFY_SOCKET, no PATRONI_* secrets, no
 * inherited PG*), its standard output and error go where the agent's go, standard input is
 * /dev/null. The commands are read from the configuration at each call, so a reload applies at
 * once.
 */
public final class CallbackRunner {
  private static final Logger LOG = LoggerFactory.getLogger(CallbackRunner.class);

  /** Upper bound of a blocking script: Patroni waits as long as it takes, so almost do we. */
  static final Duration BLOCKING_LIMIT = Duration.ofHours(24);

  private final Supplier<PostgresqlConfig> config;
  private final String scope;
  private final Map<String, String> inheritedEnv;

  /** The running on_start/on_stop/on_restart/on_role_change script, if any. */
  private Process current;

  /** The running on_reload script, if any. */
  private Process currentReload;

  /** System.nanoTime() of the last failed pre_promote; null: none failed. */
  private volatile Long prePromoteFailedAt;

  public CallbackRunner(Supplier<PostgresqlConfig> config, String scope) {
    this(config, scope, System.getenv());
  }

  CallbackRunner(
      Supplier<PostgresqlConfig> config, String scope, Map<String, String> inheritedEnv) {
    this.config = config;
    this.scope = scope;
    this.inheritedEnv = Map.copyOf(inheritedEnv);
  }

  /** The command line Patroni builds: the command's words, then action, role and scope. */
  static List<String> commandLine(
      String command, CallbackAction action, String role, String scope) {
    List<String> cmd = new ArrayList<>(ShellWords.split(command));
    cmd.add(action.key());
    cmd.add(role);
    cmd.add(scope);
    return cmd;
  }

  /**
   * Starts the {@code action} callback for {@code role} if one is configured, after killing the
   * previous one of its slot that still runs. Returns once the script started; never throws.
   *
   * @return the started process (tests), or null when none is configured or it could not start
   */
  public synchronized Process call(CallbackAction action, String role) {
    Map<String, String> callbacks = config.get().callbacks();
    String command = callbacks == null ? null : callbacks.get(action.key());
    if (command == null || command.isBlank()) {
      return null;
    }
    List<String> cmd;
    try {
      cmd = commandLine(command, action, role, scope);
    } catch (ShellWords.SplitException e) {
      LOG.error("callback {} {} {} {} failed: {}", command, action, role, scope, e.getMessage());
      return null;
    }
    boolean reload = action == CallbackAction.ON_RELOAD;
    Process previous = reload ? currentReload : current;
    if (previous != null && previous.isAlive()) {
      LOG.info(
          "killing the previous callback process {} before running {}", previous.pid(), action);
      kill(previous);
    }
    Process started = start(cmd, action, role);
    if (reload) {
      currentReload = started;
    } else {
      current = started;
    }
    return started;
  }

  private Process start(List<String> cmd, CallbackAction action, String role) {
    try {
      Process p = builder(cmd).start();
      LOG.info("called {} callback ({} {}), pid {}", action, role, scope, p.pid());
      p.onExit()
          .thenAccept(
              done -> {
                if (done.exitValue() != 0) {
                  LOG.warn("{} callback exited with {}", action, done.exitValue());
                }
              });
      return p;
    } catch (IOException | RuntimeException e) {
      LOG.error("callback {} {} {} {} failed: {}", cmd.get(0), action, role, scope, e.getMessage());
      return null;
    }
  }

  /**
   * pre_promote, the fencing script: true when none is configured or it exited with 0. A script
   * that cannot run, or is interrupted (the promotion was cancelled), counts as failed.
   */
  public boolean prePromote() {
    String command = config.get().prePromote();
    if (command == null || command.isBlank()) {
      return true;
    }
    Integer code = runBlocking("pre_promote", command);
    boolean ok = code != null && code == 0;
    if (!ok) {
      prePromoteFailedAt = System.nanoTime();
    }
    return ok;
  }

  /**
   * Whether pre_promote failed less than {@code window} ago: Patroni keeps such a node out of the
   * leader race for a TTL, so that another candidate takes over instead of this one retrying.
   */
  public boolean prePromoteFailedWithin(Duration window) {
    Long at = prePromoteFailedAt;
    return at != null && System.nanoTime() - at < window.toNanos();
  }

  /** before_stop: runs it, if configured, and waits for it; its result changes nothing. */
  public void beforeStop() {
    String command = config.get().beforeStop();
    if (command != null && !command.isBlank()) {
      runBlocking("before_stop", command);
    }
  }

  /** Runs {@code command} and waits; its exit code, or null if it could not run to its end. */
  Integer runBlocking(String name, String command) {
    Process p = null;
    try {
      p = builder(ShellWords.split(command)).start();
      if (!p.waitFor(BLOCKING_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.error("{} script `{}` did not finish within {}; killed", name, command, BLOCKING_LIMIT);
        kill(p);
        return null;
      }
      int code = p.exitValue();
      LOG.info("{} script `{}` exited with {}", name, command, code);
      return code;
    } catch (IOException | RuntimeException e) {
      LOG.error("Exception when calling `{}`: {}", command, e.getMessage());
      return null;
    } catch (InterruptedException e) {
      // the task was cancelled (lost the lock, shutdown): the script goes with it
      kill(p);
      Thread.currentThread().interrupt();
      LOG.info("{} script `{}` cancelled", name, command);
      return null;
    }
  }

  private ProcessBuilder builder(List<String> cmd) {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.clear();
    env.putAll(ProcessRunner.childEnvironment(inheritedEnv, Map.of()));
    pb.redirectInput(new File("/dev/null"));
    pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    return pb;
  }

  /**
   * Kills {@code p} and every descendant it has now (SIGKILL, as Patroni). The script first: a
   * shell whose child died first would run its next command before its own end.
   */
  private static void kill(Process p) {
    if (p == null) {
      return;
    }
    List<ProcessHandle> children = p.descendants().toList();
    p.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    try {
      p.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
