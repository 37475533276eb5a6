package io.hagent.agent.ha;

import java.util.Map;

/**
 * The leader's round of {@code POST /failsafe} calls in one cycle while the DCS is unreachable
 * (gathered by the loop, judged by {@link FailsafeDecision}).
 *
 * @param inTopology this node is named in the last {@code failsafe} key it read
 * @param answers every other member of that key: true if it answered 200 {@code Accepted}
 */
public record FailsafeCheck(boolean inTopology, Map<String, Boolean> answers) {

  /** No {@code failsafe} key known, or this node is not in it: the round was not even made. */
  public static final FailsafeCheck NOT_IN_TOPOLOGY = new FailsafeCheck(false, Map.of());

  public FailsafeCheck {
    answers = Map.copyOf(answers);
  }

  /** Patroni's rule: every member of the topology accepted (a single-node topology trivially). */
  public boolean allAccepted() {
    return inTopology && answers.values().stream().allMatch(Boolean::booleanValue);
  }
}
