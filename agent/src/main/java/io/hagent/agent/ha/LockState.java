package io.hagent.agent.ha;

/** This node's relation to the leader key at the start of a cycle. */
public enum LockState {
  /** Someone else holds it, or nobody does. */
  NOT_HOLDER,
  /** The key holds our name and we just refreshed it. */
  HELD,
  /** The key held our name but refreshing it failed: we can no longer prove we hold it. */
  LOST
}
