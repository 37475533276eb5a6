package io.hagent.agent.ha;

import io.hagent.agent.node.ActionOutcome;
import io.hagent.agent.node.ManagementActions;
import io.hagent.agent.node.RestartRequest;
import io.hagent.common.dcs.Dcs;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The REST API's management calls, carried out by the HA loop's thread (through {@link LoopTasks})
 * so that a restart or reinitialisation never races a cycle's own decision.
 */
public final class Management implements ManagementActions {
  private final HaLoop loop;
  private final Dcs dcs;

  public Management(HaLoop loop, Dcs dcs) {
    this.loop = loop;
    this.dcs = dcs;
  }

  @Override
  public Dcs dcs() {
    return dcs;
  }

  @Override
  public void wake() {
    loop.wake();
  }

  @Override
  public ActionOutcome restart(RestartRequest request) {
    int timeout =
        request.timeoutSeconds() != null
            ? request.timeoutSeconds()
            : loop.dynamicConfig().primaryStartTimeout();
    return await(
        loop.submit(() -> loop.restartNow(request)).thenCompose(result -> result), timeout + 120L);
  }

  @Override
  public boolean scheduleRestart(RestartRequest request) {
    return loop.scheduleRestart(request);
  }

  @Override
  public boolean cancelScheduledRestart() {
    return loop.cancelScheduledRestart();
  }

  @Override
  public ActionOutcome reinitialize(boolean force, boolean fromLeader) {
    return await(loop.submit(() -> loop.reinitializeNow(force)), 120);
  }

  @Override
  public void acceptFailsafeLeader(String name, String connUrl, String apiUrl) {
    loop.failsafe().accept(name, connUrl, apiUrl);
  }

  @Override
  public void reload() {
    loop.requestReload();
  }

  private static ActionOutcome await(
      java.util.concurrent.CompletableFuture<ActionOutcome> f, long seconds) {
    try {
      return f.get(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      return ActionOutcome.failure("restart failed");
    } catch (ExecutionException e) {
      return ActionOutcome.failure(e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ActionOutcome.failure("interrupted");
    }
  }
}
