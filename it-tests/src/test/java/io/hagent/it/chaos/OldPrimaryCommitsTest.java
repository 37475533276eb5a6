package io.hagent.it.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hagent.it.CommitRecorder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The dual-primary classification on plain values (times in ms, as nanos): what decides between
 * "accepted after the promotion" and "in flight across it" is when the COMMIT was sent.
 */
class OldPrimaryCommitsTest {
  private static final long MS = 1_000_000L;
  private static final long END = 100_000 * MS;

  private static CommitRecorder.Ack ack(long sentMs, long ackMs) {
    return new CommitRecorder.Ack(sentMs, 0, sentMs * MS, ackMs * MS, Instant.EPOCH);
  }

  /** node2 answered "in recovery" last at 10 000 ms and "not in recovery" at 10 050 ms. */
  private static final RoleObserver.Promotion NODE2 =
      new RoleObserver.Promotion("node2", 10_000 * MS, 10_050 * MS);

  @Test
  void aCommitSentBeforeAFreezeAndReturningAtTheThawIsInFlightNotAccepted() {
    // node1 frozen from 2 000 to 40 000 ms with one COMMIT waiting: it returns at the thaw
    OldPrimaryCommits c =
        OldPrimaryCommits.of(
            List.of(NODE2),
            Map.of("node1", List.of(ack(1_000, 1_005), ack(1_990, 40_001)), "node2", List.of()),
            END);
    assertEquals(new OldPrimaryCommits(0, 0, 1, 30_001), c);
  }

  @Test
  void commitsSentAfterThePromotionAreAcceptedAndCountedWithTheLatestAck() {
    OldPrimaryCommits c =
        OldPrimaryCommits.of(
            List.of(NODE2),
            Map.of(
                "node1",
                List.of(ack(9_000, 9_010), ack(10_001, 10_002), ack(18_000, 19_000)),
                "node2",
                List.of()),
            END);
    assertEquals(new OldPrimaryCommits(2, 9_000, 0, 0), c);
  }

  @Test
  void theNewPrimarysOwnCommitsAndCommitsAckedBeforeThePromotionDoNotCount() {
    OldPrimaryCommits c =
        OldPrimaryCommits.of(
            List.of(NODE2),
            Map.of(
                "node1",
                List.of(ack(9_999, 10_000)),
                "node2",
                List.of(ack(10_100, 10_101), ack(9_990, 10_060))),
            END);
    assertEquals(new OldPrimaryCommits(0, 0, 0, 0), c);
  }

  @Test
  void aLaterPromotionOfTheOldPrimaryMakesItsCommitsLegitimateAgain() {
    // node1 promoted again at 50 000 ms (a failback): only what it accepted before that counts
    RoleObserver.Promotion back = new RoleObserver.Promotion("node1", 50_000 * MS, 50_050 * MS);
    OldPrimaryCommits c =
        OldPrimaryCommits.of(
            List.of(NODE2, back),
            Map.of(
                "node1",
                List.of(ack(20_000, 20_001), ack(50_100, 50_101)),
                "node2",
                List.of(ack(60_000, 60_001))),
            END);
    // node2's commit at 60 000 ms came after node1's promotion: node2 is then the old primary
    assertEquals(new OldPrimaryCommits(2, 10_001, 0, 0), c);
  }
}
