package io.hagent.agent.ha;

import io.hagent.common.cluster.Member;
import java.util.List;

/**
 * The outcome of one HA cycle: one action for the loop to execute and the sentence to log, in
 * Patroni's wording. {@code notes} are logged before the sentence (e.g. why this node is not the
 * healthiest).
 *
 * @param target the member to follow or clone from (null: none)
 * @param demote how to stop being primary, for DEMOTE
 */
public record Decision(
    Action action, String message, Member target, DemoteMode demote, List<String> notes) {

  public enum Action {
    /** Nothing to do but log. */
    NONE,
    /** Race for the initialize key and, if won, initdb a new cluster and take the leader key. */
    BOOTSTRAP,
    /** pg_basebackup from {@code target}, then start as a replica. */
    CLONE,
    /** Delete our leader key. */
    RELEASE_LOCK,
    /** Write our system identifier into the missing initialize key. */
    ADOPT_SYSID,
    /** Refuse to go on (e.g. system ID mismatch): the agent exits with an error. */
    EXIT_FATAL,
    /** We hold the key and PostgreSQL is down: start it as primary. */
    START_PRIMARY,
    /** PostgreSQL is down: rewind if diverged, then start as a replica of {@code target}. */
    START_REPLICA,
    /** Race for the leader key; promote if won, follow the winner if not. */
    ACQUIRE_LOCK,
    /** We hold the key and run as a replica: promote. */
    PROMOTE,
    /** Stay a replica and point replication at {@code target}. */
    FOLLOW,
    /** Stop being primary in mode {@code demote}. */
    DEMOTE,
    /** Graceful switchover: checkpoint, stop, release the key for the candidate. */
    SWITCHOVER,
    /** Clear the failover key (it cannot be carried out), then carry on as leader. */
    CLEAR_FAILOVER
  }

  /** §5.5. */
  public enum DemoteMode {
    GRACEFUL,
    IMMEDIATE,
    IMMEDIATE_NOLOCK,
    OFFLINE
  }

  public static Decision none(String message) {
    return new Decision(Action.NONE, message, null, null, List.of());
  }

  public static Decision of(Action action, String message, Member target) {
    return new Decision(action, message, target, null, List.of());
  }

  public static Decision demote(DemoteMode mode, String message) {
    return new Decision(Action.DEMOTE, message, null, mode, List.of());
  }

  public Decision withNotes(List<String> more) {
    return new Decision(action, message, target, demote, more);
  }
}
