package io.hagent.agent.ha;

import io.hagent.agent.ha.Effect.DeleteSync;
import io.hagent.agent.ha.Effect.Log;
import io.hagent.agent.ha.Effect.SetStandbyNames;
import io.hagent.agent.ha.Effect.WakeLoop;
import io.hagent.agent.ha.Effect.WriteSync;
import io.hagent.agent.postgres.StandbyNames;
import io.hagent.agent.postgres.SyncStatus;
import io.hagent.agent.postgres.SyncStatus.WalSender;
import io.hagent.common.cluster.Member;
import io.hagent.common.cluster.SyncState;
import io.hagent.common.cluster.Tags;
import io.hagent.common.config.DynamicConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The primary's management of synchronous replication (§6.2), as a pure function of one cycle's
 * facts: which synchronous_standby_names to set and how to update the {@code sync} key, in an order
 * that never lets the key name a standby that might miss an acknowledged commit (see
 * docs/synchronous-replication.md for the argument):
 *
 * <ul>
 *   <li>{@code on}: a standby enters the key only once PostgreSQL reports it {@code sync} and it
 *       has flushed everything the primary had when the current value took effect; a standby leaves
 *       synchronous_standby_names only in a cycle whose first step removed it from the key.
 *   <li>{@code quorum}: the key (voters V, quorum q) always satisfies q + k ≥ |V| for every value
 *       {@code ANY k (W)} that may have acknowledged the last commit, W ⊆ V: it is widened before
 *       the setting changes and narrowed only once k of the new voters have caught up.
 * </ul>
 *
 * At most one write of the key per cycle: each write changes its revision, and the next one
 * compares against the revision read at the start of the next cycle.
 */
public final class SyncPlanner {
  private SyncPlanner() {}

  /**
   * The synchronous settings of the dynamic configuration.
   *
   * @param mode off, on or quorum
   * @param nodeCount synchronous_node_count (at least 1)
   * @param maxLag maximum_lag_on_syncnode in bytes; ≤ 0 never replaces a lagging standby
   */
  public record Settings(String mode, boolean strict, int nodeCount, long maxLag) {
    public static Settings of(DynamicConfig c) {
      Map<String, Object> raw = c.raw() == null ? Map.of() : c.raw();
      return new Settings(
          c.synchronousMode(),
          c.synchronousModeStrict(),
          (int) Math.max(1, number(raw.get("synchronous_node_count"), 1)),
          number(raw.get("maximum_lag_on_syncnode"), -1));
    }

    boolean quorum() {
      return "quorum".equals(mode);
    }

    boolean on() {
      return !"off".equals(mode);
    }
  }

  /** A streaming member that may be made synchronous, with the position that counts. */
  record Candidate(String name, int priority, String syncState, long lsn, boolean nofailover) {}

  /**
   * Appends to {@code base} (the healthy leader's plan) what synchronous replication needs this
   * cycle. Without {@link HaInput#sync()} facts (not a running primary holding the lock) nothing is
   * added.
   */
  static Plan addTo(Plan base, HaInput in) {
    SyncStatus status = in.sync();
    if (status == null || in.cluster() == null) {
      return base;
    }
    List<Effect> effects =
        plan(
            in.me(), Settings.of(in.config()), in.cluster().members(), in.cluster().sync(), status);
    Plan p = base;
    for (Effect e : effects) {
      // a key write that fails (another writer) ends this cycle's sync work: nothing after it
      // may assume its result
      p =
          e instanceof WriteSync
              ? p.then(
                  e,
                  Plan.none(base.message())
                      .then(new Log("Synchronous replication key updated by someone else.")))
              : p.then(e);
    }
    return p;
  }

  /** The effects, in the order they must happen. */
  public static List<Effect> plan(
      String me, Settings s, List<Member> members, SyncState key, SyncStatus status) {
    List<Effect> out = new ArrayList<>();
    StandbyNames inEffect = StandbyNames.parse(status.standbyNames());
    if (!s.on()) {
      if (key != null) {
        out.add(new DeleteSync());
        out.add(new Log("Disabled synchronous replication"));
      }
      if (key != null || status.managed()) {
        out.add(new SetStandbyNames(null));
      }
      return out;
    }
    long rev = key == null ? 0 : key.modRevision();
    if (key == null || key.leader() == null) {
      out.add(new WriteSync(me, List.of(), 0, rev));
      out.add(new Log("Enabled synchronous replication"));
      out.add(new WakeLoop());
      return out;
    }
    if (!key.leader().equals(me)) {
      out.add(
          new Log(
              "Inconsistent state of /sync key detected, leader = "
                  + key.leader()
                  + " doesn't match "
                  + me
                  + ", updating synchronous replication key"));
      out.add(new WriteSync(me, List.of(), 0, rev));
      out.add(new WakeLoop());
      return out;
    }
    List<Candidate> candidates = candidates(me, members, status);
    List<Candidate> healthy = notLagging(candidates, s.maxLag(), status.flushLsn());
    if (s.quorum()) {
      quorum(me, s, key, status, inEffect, healthy, out);
    } else {
      first(me, s, key, status, inEffect, healthy, out);
    }
    if (!out.isEmpty() && healthy.size() < candidates.size()) {
      // said only when the synchronous set changes, so the log shows why a standby was passed over
      List<String> lagging =
          candidates.stream().filter(c -> !healthy.contains(c)).map(Candidate::name).toList();
      out.add(
          0,
          new Log(
              "Not choosing "
                  + StandbyNames.pyList(lagging)
                  + " as synchronous: more than maximum_lag_on_syncnode ("
                  + s.maxLag()
                  + " bytes) behind"));
    }
    return out;
  }

  /** {@code synchronous_mode: on}: FIRST n (the n best candidates). */
  private static void first(
      String me,
      Settings s,
      SyncState key,
      SyncStatus status,
      StandbyNames inEffect,
      List<Candidate> healthy,
      List<Effect> out) {
    List<String> picked = new ArrayList<>();
    for (Candidate c : healthy) {
      if (picked.size() < s.nodeCount()) {
        picked.add(c.name());
      }
    }
    Set<String> confirmed = confirmed(key, status, inEffect, "sync");
    List<String> keyNow = key.syncStandbys();
    // Step 1: the key keeps only standbys that stay listed and are confirmed synchronous now.
    List<String> common =
        keyNow.stream().filter(n -> contains(picked, n) && contains(confirmed, n)).toList();
    boolean keyWritten = false;
    if (!common.equals(keyNow)) {
      out.add(
          new Log(
              "Updating synchronous privilege temporarily from "
                  + StandbyNames.pyList(keyNow)
                  + " to "
                  + StandbyNames.pyList(common)));
      out.add(new WriteSync(me, common, 0, key.modRevision()));
      keyWritten = true;
    }
    // Step 2: only then the setting PostgreSQL waits on.
    StandbyNames wanted =
        !picked.isEmpty()
            ? StandbyNames.first(picked)
            : s.strict() ? StandbyNames.placeholder(false) : StandbyNames.NONE;
    if (!wanted.equals(normalised(inEffect))) {
      if (picked.isEmpty() && s.strict()) {
        out.add(
            new Log(
                "No active replication connections from Patroni members and"
                    + " synchronous_mode_strict is requested. Commits will be delayed."));
      } else if (picked.isEmpty()) {
        out.add(
            new Log(
                "No synchronous standby available: replication is asynchronous until a member"
                    + " streams again"));
      }
      out.add(new Log("Assigning synchronous standby status to " + StandbyNames.pyList(picked)));
      out.add(new SetStandbyNames(wanted.value()));
      return;
    }
    if (!status.managed()) {
      // in effect already (e.g. the agent restarted): take ownership, so a later rewrite of
      // postgresql.conf keeps it
      out.add(new SetStandbyNames(wanted.value()));
    }
    // Step 3 (a later cycle, the setting in effect): publish standbys confirmed under it.
    if (keyWritten) {
      return;
    }
    List<String> allow = picked.stream().filter(n -> contains(confirmed, n)).sorted().toList();
    if (!allow.isEmpty() && !sameSet(allow, keyNow)) {
      out.add(new WriteSync(me, allow, 0, key.modRevision()));
      out.add(new Log("Synchronous standby status assigned to " + StandbyNames.pyList(allow)));
    }
  }

  /** {@code synchronous_mode: quorum}: ANY k (all healthy candidates). */
  private static void quorum(
      String me,
      Settings s,
      SyncState key,
      SyncStatus status,
      StandbyNames inEffect,
      List<Candidate> healthy,
      List<Effect> out) {
    // nofailover members only fill up to the count: they vote but cannot be promoted
    List<String> voters = new ArrayList<>();
    for (Candidate c : healthy) {
      if (!c.nofailover() || voters.size() < s.nodeCount()) {
        voters.add(c.name());
      }
    }
    int k = Math.min(s.nodeCount(), voters.size());
    StandbyNames wanted =
        k > 0
            ? StandbyNames.any(k, voters)
            : s.strict() ? StandbyNames.placeholder(true) : StandbyNames.NONE;
    StandbyNames current = normalised(inEffect);
    Set<String> keyVoters = new TreeSet<>(key.syncStandbys());
    keyVoters.remove(me);
    if (!wanted.equals(current)) {
      // Widen the key first so it covers both the value in effect and the one about to be set.
      Set<String> union = new TreeSet<>(keyVoters);
      current.names().stream().filter(n -> !n.equals(StandbyNames.PLACEHOLDER)).forEach(union::add);
      union.addAll(voters);
      union.remove(me);
      // the placeholder acknowledges nothing, so it asks nothing of the key
      int kNow = current.isPlaceholder() ? Integer.MAX_VALUE : current.num();
      int kWanted = wanted.isPlaceholder() ? Integer.MAX_VALUE : wanted.num();
      int kMin = Math.min(kNow, kWanted);
      int q = union.size() - kMin;
      if (!(union.equals(keyVoters) && key.quorum() >= q)) {
        out.add(quorumLog(me, q, union));
        out.add(new WriteSync(me, List.copyOf(union), q, key.modRevision()));
      }
      if (k < s.nodeCount() && s.strict()) {
        out.add(
            new Log(
                "Replication factor "
                    + (s.nodeCount() + 1)
                    + " requested, but "
                    + k
                    + " synchronous standbys available. Commits will be delayed."));
      }
      out.add(
          new Log(
              "Setting synchronous replication to "
                  + wanted.num()
                  + " of "
                  + wanted.names().size()
                  + " ("
                  + String.join(", ", wanted.names())
                  + ")"));
      out.add(new SetStandbyNames(wanted.value()));
      return;
    }
    if (!status.managed()) {
      out.add(new SetStandbyNames(wanted.value()));
    }
    if (wanted.isPlaceholder()) {
      return; // strict with nobody: the key keeps the voters that may hold the last commits
    }
    Set<String> target = new TreeSet<>(voters);
    int q = target.size() - k;
    if (target.equals(keyVoters) && q == key.quorum()) {
      return;
    }
    // Narrowing is safe once k of the new voters have everything acknowledged before.
    long caughtUp =
        healthy.stream()
            .filter(c -> target.contains(c.name()) && c.lsn() >= status.confirmedFrom())
            .count();
    boolean narrowing = !target.containsAll(keyVoters) || q < key.quorum();
    if (narrowing && caughtUp < k) {
      return;
    }
    out.add(quorumLog(me, q, target));
    out.add(new WriteSync(me, List.copyOf(target), q, key.modRevision()));
  }

  private static Log quorumLog(String me, int q, Set<String> voters) {
    return new Log(
        "Setting leader to "
            + me
            + ", quorum to "
            + q
            + " of "
            + voters.size()
            + " ("
            + String.join(", ", voters)
            + ")");
  }

  /**
   * Standbys that may count as synchronous: listed in the setting in effect, reported {@code state}
   * by PostgreSQL, and either in the key already or caught up with the flush position from when the
   * setting took effect.
   */
  private static Set<String> confirmed(
      SyncState key, SyncStatus status, StandbyNames inEffect, String state) {
    Set<String> out = new TreeSet<>();
    for (WalSender w : status.senders()) {
      String name = w.applicationName();
      Long lsn = w.lsnFor(status.synchronousCommit());
      if (name == null || !inEffect.lists(name) || !state.equals(w.syncState()) || lsn == null) {
        continue;
      }
      if (contains(key.syncStandbys(), name) || lsn >= status.confirmedFrom()) {
        out.add(name);
      }
    }
    return out;
  }

  /**
   * Walsenders of running members that may be synchronous (streaming, not nosync, sync_priority >
   * 0), best first: sync_priority, then already synchronous, then position; nofailover last. Any
   * other walsender (pg_receivewal, Barman, a logical consumer, a non-member) never qualifies.
   */
  static List<Candidate> candidates(String me, List<Member> members, SyncStatus status) {
    List<Candidate> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (WalSender w : status.senders()) {
      if (!"streaming".equals(w.state()) || w.applicationName() == null) {
        continue;
      }
      Long lsn = w.lsnFor(status.synchronousCommit());
      Optional<Member> m = member(members, w.applicationName());
      if (lsn == null || m.isEmpty() || m.get().name().equalsIgnoreCase(me)) {
        continue;
      }
      Member member = m.get();
      Tags tags = member.tagView();
      int priority = syncPriority(member);
      if (!"running".equals(member.state()) || tags.nosync() || priority <= 0) {
        continue;
      }
      if (seen.add(member.name().toLowerCase(Locale.ROOT))) {
        out.add(new Candidate(member.name(), priority, w.syncState(), lsn, tags.nofailover()));
      }
    }
    out.sort(
        Comparator.comparing(Candidate::nofailover)
            .thenComparing(Comparator.comparingInt(Candidate::priority).reversed())
            .thenComparing(c -> stateRank(c.syncState()), Comparator.reverseOrder())
            .thenComparing(Comparator.comparingLong(Candidate::lsn).reversed())
            .thenComparing(Candidate::name));
    return out;
  }

  /**
   * Drops standbys more than maximum_lag_on_syncnode behind the most advanced one (the primary's
   * own position with a single standby), so a stuck standby is replaced.
   */
  static List<Candidate> notLagging(List<Candidate> candidates, long maxLag, long primaryFlush) {
    if (maxLag <= 0 || candidates.isEmpty()) {
      return candidates;
    }
    long best =
        candidates.size() > 1
            ? candidates.stream().mapToLong(Candidate::lsn).max().orElse(primaryFlush)
            : primaryFlush;
    return candidates.stream().filter(c -> best - c.lsn() <= maxLag).toList();
  }

  /** The sync_priority tag (default 1); nosync members are excluded separately. */
  static int syncPriority(Member m) {
    Object v = m.tags().get("sync_priority");
    return (int) number(v, 1);
  }

  private static int stateRank(String syncState) {
    return switch (syncState == null ? "" : syncState) {
      case "sync" -> 3;
      case "quorum" -> 2;
      case "potential" -> 1;
      default -> 0;
    };
  }

  private static Optional<Member> member(List<Member> members, String applicationName) {
    return members.stream().filter(m -> m.name().equalsIgnoreCase(applicationName)).findFirst();
  }

  /** A value hagent did not write in its own form is compared by what it means. */
  private static StandbyNames normalised(StandbyNames v) {
    if (v.isEmpty()) {
      return StandbyNames.NONE;
    }
    return v.any()
        ? StandbyNames.any(v.num(), v.names())
        : new StandbyNames(false, v.num(), new ArrayList<>(new TreeSet<>(v.names())));
  }

  private static boolean contains(java.util.Collection<String> names, String name) {
    return names.stream().anyMatch(n -> n.equalsIgnoreCase(name));
  }

  private static boolean sameSet(List<String> a, List<String> b) {
    return new TreeSet<>(a).equals(new TreeSet<>(b));
  }

  static long number(Object o, long dflt) {
    if (o instanceof Number n) {
      return n.longValue();
    }
    if (o != null) {
      try {
        return Long.parseLong(o.toString().trim());
      } catch (NumberFormatException e) {
        return dflt;
      }
    }
    return dflt;
  }
}
