package io.hagent.it;

import java.time.Duration;
import java.util.List;
import java.util.TreeSet;

/**
 * Polls every node's GET /patroni in the background and remembers the largest number of nodes that
 * reported role primary at the same time: more than one is a split brain.
 */
public final class PrimaryCounter implements AutoCloseable {
  private final List<AgentNode> nodes;
  private final Thread thread;
  private volatile boolean running = true;
  private int maxSimultaneous;
  private final TreeSet<String> worstSet = new TreeSet<>();

  public PrimaryCounter(List<AgentNode> nodes) {
    this.nodes = List.copyOf(nodes);
    this.thread = new Thread(this::run, "primary-counter");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  private void run() {
    while (running) {
      List<String> primaries =
          nodes.stream().filter(n -> n.reportsRole("primary")).map(AgentNode::name).toList();
      synchronized (this) {
        if (primaries.size() > maxSimultaneous) {
          maxSimultaneous = primaries.size();
          worstSet.clear();
          worstSet.addAll(primaries);
        }
      }
      Wait.sleep(Duration.ofMillis(200));
    }
  }

  public synchronized int maxSimultaneousPrimaries() {
    return maxSimultaneous;
  }

  public synchronized String worstObservation() {
    return worstSet.toString();
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
