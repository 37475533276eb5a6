package io.hagent.agent.ha;

import io.hagent.agent.postgres.LocalState;
import io.hagent.agent.postgres.Postgres;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL that records what it was asked to do and answers as told: no processes. {@code
 * holdStart} makes {@link #start} block until released (a slow start, to see the loop go on).
 */
final class FakePostgres implements Postgres {
  final List<String> calls = new CopyOnWriteArrayList<>();
  volatile LocalState state = HaDecisionTest.replica(100);
  volatile boolean startOk = true;
  volatile boolean stopOk = true;
  volatile boolean promoteOk = true;
  volatile boolean rewindOk = true;
  volatile io.hagent.agent.postgres.DivergenceCheck divergence =
      io.hagent.agent.postgres.DivergenceCheck.NOT_DIVERGED;
  volatile boolean cloneOk = true;
  volatile CountDownLatch holdStart;
  volatile io.hagent.agent.postgres.WalStream walStream;

  @Override
  public io.hagent.agent.postgres.WalStream walStream() {
    return walStream;
  }

  @Override
  public LocalState probe() {
    calls.add("probe");
    return state;
  }

  @Override
  public boolean bootstrap(DynamicConfig config) {
    calls.add("bootstrap");
    return true;
  }

  @Override
  public boolean cloneFrom(Member source, Member leader, DynamicConfig config) {
    calls.add("clone " + source.name());
    return cloneOk;
  }

  @Override
  public boolean start(boolean asPrimary, Member follow, DynamicConfig config, int timeout) {
    calls.add(
        "start "
            + (asPrimary ? "primary" : "replica of " + (follow == null ? "-" : follow.name())));
    CountDownLatch hold = holdStart;
    if (hold != null) {
      try {
        if (!hold.await(30, TimeUnit.SECONDS)) {
          return false;
        }
      } catch (InterruptedException e) {
        calls.add("start interrupted");
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return startOk;
  }

  @Override
  public boolean stop(StopMode mode, boolean checkpointFirst, int timeoutSeconds) {
    calls.add("stop " + mode);
    return stopOk;
  }

  @Override
  public boolean promote(int timeoutSeconds) {
    calls.add("promote");
    if (promoteOk) {
      state = HaDecisionTest.primary(100);
    }
    return promoteOk;
  }

  @Override
  public boolean follow(Member leader, DynamicConfig config) {
    calls.add("follow " + (leader == null ? "-" : leader.name()));
    return false;
  }

  @Override
  public void applyConfig(DynamicConfig config) {
    calls.add("applyConfig");
  }

  @Override
  public void reconfigure(HagentConfig config, DynamicConfig dynamic) {
    calls.add("reconfigure");
  }

  @Override
  public io.hagent.agent.postgres.DivergenceCheck checkDivergence(Member leader) {
    calls.add("checkDivergence");
    return divergence;
  }

  @Override
  public boolean canRewind(DynamicConfig config) {
    return true;
  }

  @Override
  public boolean rewind(Member leader, DynamicConfig config) {
    calls.add("rewind " + leader.name());
    return rewindOk;
  }

  @Override
  public boolean removeDataDirectory() {
    calls.add("removeDataDirectory");
    return true;
  }

  @Override
  public boolean checkpoint() {
    calls.add("checkpoint");
    return true;
  }

  @Override
  public void syncReplicationSlots(Set<String> slotNames) {
    calls.add("syncSlots " + slotNames);
  }

  @Override
  public Map<String, String> controlData() {
    return Map.of();
  }

  /** Callbacks and scripts, apart from {@link #calls} so that those tests stay as they are. */
  final List<String> scripts = new CopyOnWriteArrayList<>();

  volatile boolean prePromoteOk = true;

  @Override
  public void callback(io.hagent.agent.callbacks.CallbackAction action, String role) {
    scripts.add(action + " " + role);
  }

  @Override
  public boolean prePromote() {
    scripts.add("pre_promote");
    return prePromoteOk;
  }

  @Override
  public Long latestCheckpointLsn() {
    return 4242L;
  }

  @Override
  public boolean setSynchronousStandbyNames(String value, DynamicConfig config) {
    calls.add("ssn " + value);
    return true;
  }
}
