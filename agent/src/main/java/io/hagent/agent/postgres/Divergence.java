package io.hagent.agent.postgres;

/**
 * Whether a data directory diverged from the leader's history (§5.10), given what the leader
 * reported over a replication connection (IDENTIFY_SYSTEM, TIMELINE_HISTORY).
 */
final class Divergence {
  private Divergence() {}

  /** Where the local position comes from. */
  enum LocalKind {
    /** A replica: its replayed / minimum recovery position. */
    REPLICA,
    /** A cleanly shut down former primary: its shutdown checkpoint. */
    FORMER_PRIMARY
  }

  /**
   * @param localLsn replica: the furthest WAL it holds (received or replayed); former primary:
   *     shutdown checkpoint LSN
   * @param checkpointEnd former primary: position right after the checkpoint record (null unknown)
   * @param leaderHistory content of the leader's timeline history file (for {@code leaderTl})
   */
  static boolean needsRewind(
      int localTl,
      long localLsn,
      LocalKind kind,
      Long checkpointEnd,
      int leaderTl,
      String leaderHistory) {
    if (localTl > leaderTl) {
      return true;
    }
    if (localTl == leaderTl) {
      return false;
    }
    Long switchpoint = switchpoint(leaderHistory, localTl);
    if (switchpoint == null) {
      return true;
    }
    if (kind == LocalKind.REPLICA) {
      return localLsn > switchpoint;
    }
    return localLsn >= switchpoint || checkpointEnd == null || !checkpointEnd.equals(switchpoint);
  }

  /** The LSN at which the history left {@code timeline}, or null if it is not in the history. */
  static Long switchpoint(String history, int timeline) {
    if (history == null) {
      return null;
    }
    for (String line : history.split("\n")) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] parts = t.split("\\s+");
      if (parts.length >= 2) {
        try {
          if (Integer.parseInt(parts[0]) == timeline) {
            return Lsn.parse(parts[1]);
          }
        } catch (NumberFormatException e) {
          // not a history line
        }
      }
    }
    return null;
  }
}
