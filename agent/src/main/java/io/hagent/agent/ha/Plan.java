package io.hagent.agent.ha;

import io.hagent.agent.node.Role;
import java.util.ArrayList;
import java.util.List;

/**
 * What one HA cycle decided (§5.2-§5.9): the ordered effects to carry out, the role to publish once
 * they are done, and the sentence to log in Patroni's wording. {@code notes} are logged before the
 * sentence (e.g. why this node is not the healthiest). A step that fails runs its own fallback plan
 * instead of the rest, and that plan's sentence and role replace these: every choice that depends
 * on an effect's result is written here, as data, by {@link HaDecision}.
 *
 * @param kind what the plan is about, for tests and the log (the effects are what counts)
 * @param role the role to publish after the plan (null: keep the current one)
 */
public record Plan(Kind kind, List<Step> steps, String message, Role role, List<String> notes) {

  /**
   * @param onFailure the plan to carry out instead of the remaining steps if {@code effect} fails
   *     (null: the failure is ignored and the plan goes on)
   */
  public record Step(Effect effect, Plan onFailure) {}

  /** The situations of §5, one per kind of plan. */
  public enum Kind {
    NONE,
    BOOTSTRAP,
    CLONE,
    RELEASE_LOCK,
    ADOPT_SYSID,
    EXIT_FATAL,
    START_PRIMARY,
    START_REPLICA,
    REWIND,
    REMOVE_DATA_DIRECTORY,
    ACQUIRE_LOCK,
    PROMOTE,
    FOLLOW,
    DEMOTE,
    SWITCHOVER,
    CLEAR_FAILOVER,
    /** POST /restart. */
    RESTART,
    /** POST /reinitialize. */
    REINITIALIZE,
    /** SIGTERM. */
    SHUTDOWN
  }

  public Plan {
    steps = List.copyOf(steps);
    notes = List.copyOf(notes);
  }

  /** Nothing to do but log {@code message}. */
  public static Plan none(String message) {
    return new Plan(Kind.NONE, List.of(), message, null, List.of());
  }

  public static Plan of(Kind kind, String message) {
    return new Plan(kind, List.of(), message, null, List.of());
  }

  /** This plan with {@code effect} appended; a failure of it is ignored. */
  public Plan then(Effect effect) {
    return then(effect, null);
  }

  /** This plan with {@code effect} appended; if it fails, {@code onFailure} runs instead. */
  public Plan then(Effect effect, Plan onFailure) {
    List<Step> more = new ArrayList<>(steps);
    more.add(new Step(effect, onFailure));
    return new Plan(kind, more, message, role, notes);
  }

  /** This plan followed by every step of {@code next} (the rest of {@code next} is ignored). */
  public Plan thenAll(Plan next) {
    List<Step> more = new ArrayList<>(steps);
    more.addAll(next.steps);
    return new Plan(kind, more, message, role, notes);
  }

  public Plan withRole(Role newRole) {
    return new Plan(kind, steps, message, newRole, notes);
  }

  public Plan withNotes(List<String> more) {
    return new Plan(kind, steps, message, role, more);
  }

  /** The effects in order, without their fallbacks (for tests). */
  public List<Effect> effects() {
    return steps.stream().map(Step::effect).toList();
  }

  /** Whether a step of this plan runs in the background. */
  public boolean hasLongStep() {
    return steps.stream().anyMatch(s -> s.effect().isLong());
  }
}
