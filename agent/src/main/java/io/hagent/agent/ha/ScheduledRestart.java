package io.hagent.agent.ha;

import io.hagent.agent.node.PythonTime;
import io.hagent.agent.node.RestartRequest;
import io.hagent.agent.postgres.LocalState;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one scheduled restart (POST /restart with {@code schedule}), until it is due. */
final class ScheduledRestart {
  private static final Logger LOG = LoggerFactory.getLogger(ScheduledRestart.class);
  private RestartRequest pending;

  /** False if another restart is already scheduled. */
  synchronized boolean schedule(RestartRequest request) {
    if (pending != null) {
      return false;
    }
    pending = request;
    return true;
  }

  /** False if none was scheduled. */
  synchronized boolean cancel() {
    boolean had = pending != null;
    pending = null;
    return had;
  }

  /**
   * The request, removed, once its time has come; null before. One found more than 1.5 loop_wait
   * late (the agent was down or stuck) is dropped, as Patroni does.
   */
  synchronized RestartRequest takeIfDue(Instant now, int loopWaitSeconds) {
    RestartRequest req = pending;
    if (req == null || req.schedule() == null) {
      return null;
    }
    Instant at = req.schedule().toInstant();
    if (now.isBefore(at)) {
      return null;
    }
    pending = null;
    if (Duration.between(at, now).toMillis() > 1500L * loopWaitSeconds) {
      LOG.info("Found a stale restart value, cleaning up");
      return null;
    }
    return req;
  }

  /** As GET /patroni shows it, with the postmaster start time; null when none is scheduled. */
  synchronized Map<String, Object> json(LocalState local) {
    if (pending == null) {
      return null;
    }
    Map<String, Object> json = new LinkedHashMap<>(pending.toJson());
    if (local.postmasterStartTime() != null) {
      json.put("postmaster_start_time", PythonTime.datetime(local.postmasterStartTime()));
    }
    return json;
  }
}
