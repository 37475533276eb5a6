package io.hagent.agent.node;

/** Result of an action run by the HA loop: ok, or the Patroni message explaining why not. */
public record ActionOutcome(boolean ok, String message) {

  public static ActionOutcome success(String message) {
    return new ActionOutcome(true, message);
  }

  public static ActionOutcome failure(String message) {
    return new ActionOutcome(false, message);
  }
}
