package io.hagent.agent.node;

import io.hagent.common.dcs.Dcs;

/**
 * What the REST API's management endpoints (§1.7) may ask of the rest of the agent. The HA loop
 * implements it; the API validates requests, talks to the DCS and calls these methods only for work
 * the HA loop must do itself.
 */
public interface ManagementActions {

  /** The agent's DCS client (config/failover writes, fresh cluster reads). */
  Dcs dcs();

  /** Wakes the HA loop so it acts on a DCS change without waiting for loop_wait. */
  void wake();

  /**
   * Restarts PostgreSQL now and waits for the outcome (POST /restart without {@code schedule}).
   * Failure messages follow Patroni: {@code restart conditions are not satisfied}, {@code <action>
   * already in progress}, {@code postgres is still starting}, {@code restart failed}.
   */
  ActionOutcome restart(RestartRequest request);

  /**
   * Records a scheduled restart ({@code request.schedule()} is set) for the HA loop to execute.
   *
   * @return false if another restart is already scheduled
   */
  boolean scheduleRestart(RestartRequest request);

  /**
   * @return false if no restart was scheduled
   */
  boolean cancelScheduledRestart();

  /**
   * Starts a reinitialisation (stop PostgreSQL, clone anew). The API has already checked that the
   * cluster has a leader and that it is not this node. Failure message: {@code <action> already in
   * progress} (when {@code force} is false and another action runs).
   */
  ActionOutcome reinitialize(boolean force, boolean fromLeader);

  /** Rereads the configuration file(s) and applies them (like SIGHUP); returns at once. */
  void reload();

  /**
   * POST /failsafe (§1.7): the leader that cannot reach the DCS calls us; remember it as the leader
   * for ttl seconds. The API has already checked that failsafe mode is on and that this node does
   * not run as primary.
   */
  default void acceptFailsafeLeader(String name, String connUrl, String apiUrl) {
    throw new UnsupportedOperationException("failsafe mode is not supported here");
  }
}
