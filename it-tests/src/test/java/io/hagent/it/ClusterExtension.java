package io.hagent.it;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * One cluster per test class: started before the first test, killed after the last (also when tests
 * fail), and the tails of all node logs printed whenever a test fails, so a CI failure can be read
 * from the build log alone.
 */
public final class ClusterExtension implements BeforeAllCallback, AfterAllCallback, TestWatcher {
  private static final int TAIL_LINES = 80;
  private final ClusterSpec spec;
  private ClusterFixture cluster;

  public ClusterExtension(ClusterSpec spec) {
    this.spec = spec;
  }

  public ClusterFixture cluster() {
    if (cluster == null) {
      throw new IllegalStateException("the cluster was not started");
    }
    return cluster;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    cluster = ClusterFixture.start(spec);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    if (cluster != null) {
      System.err.println(
          "===== "
              + context.getDisplayName()
              + " failed: "
              + cause
              + "\n"
              + cluster.logTails(TAIL_LINES));
    }
  }
}
