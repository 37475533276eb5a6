package io.hagent.agent.callbacks;

/**
 * The asynchronous callbacks of {@code postgresql.callbacks} (§3.5), with the names Patroni passes
 * as the script's first argument after the command.
 */
public enum CallbackAction {
  ON_START("on_start"),
  ON_STOP("on_stop"),
  ON_RESTART("on_restart"),
  ON_RELOAD("on_reload"),
  ON_ROLE_CHANGE("on_role_change");

  private final String key;

  CallbackAction(String key) {
    this.key = key;
  }

  /** The key under {@code postgresql.callbacks} and the argument passed to the script. */
  public String key() {
    return key;
  }

  @Override
  public String toString() {
    return key;
  }
}
