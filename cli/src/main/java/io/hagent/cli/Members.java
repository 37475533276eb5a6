package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Picks the members a command acts on (patronictl's get_members / role filter). */
final class Members {
  static final String ROLES = "leader, primary, standby-leader, replica, standby, any";

  private Members() {}

  static List<Member> withRole(Cluster cluster, String role) {
    String leader = cluster.leader() == null ? null : cluster.leader().name();
    List<Member> out = new ArrayList<>();
    for (Member m : cluster.members()) {
      boolean isLeader = m.name().equals(leader);
      boolean keep =
          switch (role == null ? "any" : role) {
            case "leader" -> isLeader;
            case "primary" -> isLeader && !"standby_leader".equals(m.role());
            case "standby-leader" -> isLeader && "standby_leader".equals(m.role());
            case "replica", "standby" -> !isLeader;
            case "any" -> true;
            default ->
                throw new CtlException("Invalid role " + role + ", expected one of: " + ROLES);
          };
      if (keep) {
        out.add(m);
      }
    }
    return out;
  }

  /** Leader first, then the others: whom to ask for cluster-wide REST changes. */
  static List<Member> leaderFirst(Cluster cluster) {
    List<Member> out = new ArrayList<>();
    cluster.leaderMember().ifPresent(out::add);
    for (Member m : cluster.members()) {
      if (!out.contains(m) && m.apiUrl() != null) {
        out.add(m);
      }
    }
    return out;
  }

  /**
   * The members named on the command line (prompting for one without --force), checked to exist
   * among those with the role; prints the table first like patronictl.
   */
  static List<Member> select(
      Ctl ctl,
      Cluster cluster,
      String clusterName,
      List<String> names,
      String role,
      boolean force,
      String action) {
    List<Member> candidates = withRole(cluster, role);
    Set<String> candidateNames = new LinkedHashSet<>();
    candidates.forEach(m -> candidateNames.add(m.name()));
    if (!force || role != null) {
      if ((names == null || names.isEmpty()) && candidateNames.isEmpty()) {
        throw new CtlException(clusterName + " cluster doesn't have any members");
      }
      MemberListing.print(ctl.out, cluster, clusterName, false, "pretty");
    }
    List<String> wanted = names == null ? new ArrayList<>() : new ArrayList<>(names);
    if (!force && wanted.isEmpty()) {
      String answer =
          ctl.prompt(
              "Which member do you want to "
                  + action
                  + " ["
                  + String.join(", ", candidateNames)
                  + "]?",
              "");
      if (!answer.isEmpty()) {
        wanted.add(answer);
      }
    }
    for (String name : wanted) {
      if (!candidateNames.contains(name)) {
        throw new CtlException(name + " is not a member of cluster");
      }
    }
    if (wanted.isEmpty()) {
      return candidates;
    }
    return candidates.stream().filter(m -> wanted.contains(m.name())).toList();
  }

  static void confirm(
      Ctl ctl, List<Member> members, boolean force, String action, String scheduledAt) {
    if (force) {
      return;
    }
    String names = String.join(", ", members.stream().map(Member::name).toList());
    boolean ok =
        scheduledAt != null
            ? ctl.confirm(
                "Are you sure you want to schedule "
                    + action
                    + " of members "
                    + names
                    + " at "
                    + scheduledAt
                    + "?")
            : ctl.confirm("Are you sure you want to " + action + " members " + names + "?");
    if (!ok) {
      throw new CtlException("Aborted " + action);
    }
  }
}
