package io.hagent.agent.node;

import io.hagent.agent.postgres.LocalState;

/**
 * The role a member publishes (member key {@code role}, {@code GET /patroni} {@code role}), with
 * Patroni's spellings. Derived in one place, {@link #published}, from what PostgreSQL reports and
 * what the HA loop intends, so the member key, the REST API and the loop never disagree.
 */
public enum Role {
  PRIMARY("primary"),
  REPLICA("replica"),
  STANDBY_LEADER("standby_leader"),
  /** Was primary and stopped being one (demotion, switchover) until it runs as a replica. */
  DEMOTED("demoted"),
  /** No data directory yet (before bootstrap or while a replica is being created). */
  UNINITIALIZED("uninitialized");

  private final String patroniName;

  Role(String patroniName) {
    this.patroniName = patroniName;
  }

  /** The spelling Patroni 4.1 writes. */
  public String patroniName() {
    return patroniName;
  }

  @Override
  public String toString() {
    return patroniName;
  }

  /**
   * The role to publish: what PostgreSQL says while it runs (a standby leader keeps its role while
   * in recovery), "uninitialized" without a data directory, otherwise what the loop intends.
   */
  public static Role published(LocalState pg, Role intended) {
    if (pg != null && pg.running() && pg.inRecovery() != null) {
      if (!pg.inRecovery()) {
        return PRIMARY;
      }
      return intended == STANDBY_LEADER ? STANDBY_LEADER : REPLICA;
    }
    if (pg != null && pg.dataDir() == LocalState.DataDirState.EMPTY) {
      return UNINITIALIZED;
    }
    return intended;
  }

  /** Parses a published role; Patroni 2.x's {@code master} is read as primary. Null if unknown. */
  public static Role fromPatroniName(String name) {
    if (name == null) {
      return null;
    }
    if (name.equals("master")) {
      return PRIMARY;
    }
    for (Role r : values()) {
      if (r.patroniName.equals(name)) {
        return r;
      }
    }
    return null;
  }
}
