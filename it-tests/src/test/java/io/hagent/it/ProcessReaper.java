package io.hagent.it;

import java.util.ArrayList;
import java.util.List;

/**
 * Last resort: a JVM shutdown hook that kills every child process (and registered postmaster) that
 * is still alive when the test JVM exits, e.g. after a surefire timeout. Normal cleanup is done by
 * the fixtures' close().
 */
final class ProcessReaper {
  private static final List<ChildProcess> children = new ArrayList<>();
  private static final List<Runnable> extraCleanups = new ArrayList<>();
  private static boolean hookInstalled;

  private ProcessReaper() {}

  static synchronized void register(ChildProcess child) {
    installHook();
    children.add(child);
  }

  static synchronized void registerCleanup(Runnable cleanup) {
    installHook();
    extraCleanups.add(cleanup);
  }

  private static void installHook() {
    if (!hookInstalled) {
      Runtime.getRuntime().addShutdownHook(new Thread(ProcessReaper::reapAll, "it-process-reaper"));
      hookInstalled = true;
    }
  }

  private static synchronized void reapAll() {
    for (ChildProcess child : children) {
      if (child.isAlive()) {
        child.kill();
      }
    }
    for (Runnable cleanup : extraCleanups) {
      try {
        cleanup.run();
      } catch (RuntimeException e) {
        // best effort while the JVM exits
      }
    }
  }
}
