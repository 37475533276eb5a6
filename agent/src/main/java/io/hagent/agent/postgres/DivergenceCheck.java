package io.hagent.agent.postgres;

/**
 * The answer to "did this data directory diverge from the leader's timeline?" ({@link
 * Postgres#checkDivergence}). UNKNOWN is kept apart from NOT_DIVERGED so that a check that could
 * not be made (leader unreachable, still in recovery, local timeline unreadable) is made again
 * instead of being taken for a clean bill.
 */
public enum DivergenceCheck {
  /** The local timeline forked off the leader's history: pg_rewind (or a re-clone) is needed. */
  DIVERGED,
  /** The local position is on the leader's history: following it is safe. */
  NOT_DIVERGED,
  /** The check could not be made this time. */
  UNKNOWN
}
