package io.hagent.it.chaos;

/**
 * What the checker found for one fault in one round.
 *
 * @param acked acknowledged commits (through HAProxy and directly to the nodes) during the round
 * @param lost acknowledged commits missing on the final primary; -1 when there was none (the
 *     cluster did not converge)
 * @param oldPrimary commits a node acknowledged after another node's promotion, split into those
 *     sent after it (the dual-primary window, an invariant) and those in flight across it (see
 *     {@link OldPrimaryCommits})
 * @param writableOverlapMillis how long after a promotion another node still answered "not in
 *     recovery" to the readers
 * @param unavailableMillis the longest time without an acknowledged write through HAProxy from the
 *     last ack before the fault on
 * @param heldSeconds how long the fault lasted before it was healed (0: an instant fault)
 * @param convergeMillis from the heal (the fault itself for an instant fault) to one writable node
 *     with every other node streaming from it; -1 when that did not happen within the deadline
 */
public record FaultResult(
    String fault,
    int round,
    long heldSeconds,
    String oldLeader,
    String finalLeader,
    int promotions,
    int acked,
    int lost,
    OldPrimaryCommits oldPrimary,
    long writableOverlapMillis,
    long unavailableMillis,
    long convergeMillis) {

  public boolean converged() {
    return convergeMillis >= 0;
  }

  static String header() {
    return "| fault | held (s) | round | leader before → after | promotions | acked | lost | accepted by old primary after promotion (commits / ms) | in flight across the promotion (commits / ms) | old primary writable after promotion (ms) | write unavailability via HAProxy (ms) | converged after the heal (ms) | without manual action |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|";
  }

  String row() {
    return "| %s | %d | %d | %s → %s | %d | %d | %s | %d / %d | %d / %d | %d | %d | %s | %s |"
        .formatted(
            fault,
            heldSeconds,
            round,
            oldLeader,
            finalLeader,
            promotions,
            acked,
            lost < 0 ? "?" : Integer.toString(lost),
            oldPrimary.acceptedAfter(),
            oldPrimary.acceptedAfterMillis(),
            oldPrimary.inFlight(),
            oldPrimary.inFlightMillis(),
            writableOverlapMillis,
            unavailableMillis,
            converged() ? Long.toString(convergeMillis) : "—",
            converged() ? "yes" : "NO");
  }
}
