package io.hagent.agent.api;

import io.hagent.agent.node.ActionOutcome;
import io.hagent.agent.node.ManagementActions;
import io.hagent.agent.node.RestartRequest;
import io.hagent.common.dcs.Dcs;
import java.util.ArrayList;
import java.util.List;

/** Records what the API asked of the HA loop and answers with preset outcomes. */
final class FakeActions implements ManagementActions {
  final FakeDcs dcs;
  int wakes;
  int reloads;
  final List<RestartRequest> restarts = new ArrayList<>();
  final List<RestartRequest> scheduled = new ArrayList<>();
  final List<String> reinits = new ArrayList<>();
  final List<String> failsafeLeaders = new ArrayList<>();
  ActionOutcome restartOutcome = ActionOutcome.success("restarted successfully");
  ActionOutcome reinitOutcome = ActionOutcome.success("reinitialize started");
  boolean restartThrows;

  /** When set, a restart waits for it: a restart that takes as long as PostgreSQL does. */
  volatile java.util.concurrent.CountDownLatch restartGate;

  FakeActions(FakeDcs dcs) {
    this.dcs = dcs;
  }

  @Override
  public Dcs dcs() {
    return dcs;
  }

  @Override
  public void wake() {
    wakes++;
  }

  @Override
  public ActionOutcome restart(RestartRequest request) {
    if (restartThrows) {
      throw new IllegalStateException("pg_ctl vanished");
    }
    java.util.concurrent.CountDownLatch gate = restartGate;
    if (gate != null) {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      restarts.add(request);
    }
    return restartOutcome;
  }

  @Override
  public boolean scheduleRestart(RestartRequest request) {
    if (!scheduled.isEmpty()) {
      return false;
    }
    scheduled.add(request);
    return true;
  }

  @Override
  public boolean cancelScheduledRestart() {
    boolean had = !scheduled.isEmpty();
    scheduled.clear();
    return had;
  }

  @Override
  public synchronized void acceptFailsafeLeader(String name, String connUrl, String apiUrl) {
    failsafeLeaders.add(name + " " + connUrl + " " + apiUrl);
  }

  @Override
  public ActionOutcome reinitialize(boolean force, boolean fromLeader) {
    reinits.add("force=" + force + " from_leader=" + fromLeader);
    return reinitOutcome;
  }

  @Override
  public void reload() {
    reloads++;
  }
}
