package io.hagent.agent.node;

import io.hagent.agent.postgres.LocalState;

/**
 * The PostgreSQL state string a member publishes (member key {@code state}, {@code GET /patroni}),
 * derived in one place with {@link Role#published} so the member key and the REST API agree.
 */
public final class PublishedState {
  private PublishedState() {}

  /**
   * A background task's state while it runs (creating replica, starting, restarting...); in pause,
   * a PostgreSQL that does not run is "stopped" whatever it last was, as in Patroni: pause stops
   * the agent from acting, not from observing; otherwise what the probe saw.
   */
  public static LocalState of(LocalState pg, String taskState, boolean paused) {
    if (taskState != null) {
      return pg.withState(taskState);
    }
    if (paused && !pg.running() && !"stopped".equals(pg.state())) {
      return pg.withState("stopped");
    }
    return pg;
  }
}
