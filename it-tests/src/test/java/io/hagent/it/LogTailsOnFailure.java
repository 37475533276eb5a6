package io.hagent.it;

import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints the tails of every node's log when a scenario of a class-wide cluster fails (a
 * ClusterExtension does this for its own clusters): register it with {@code @RegisterExtension
 * static final LogTailsOnFailure LOGS = new LogTailsOnFailure(() -> c);}.
 */
public final class LogTailsOnFailure implements TestWatcher {
  private final Supplier<ClusterFixture> cluster;

  public LogTailsOnFailure(Supplier<ClusterFixture> cluster) {
    this.cluster = cluster;
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    ClusterFixture c = cluster.get();
    if (c != null) {
      System.err.println(
          "===== " + context.getDisplayName() + " failed: " + cause + "\n" + c.logTails(80));
    }
  }
}
