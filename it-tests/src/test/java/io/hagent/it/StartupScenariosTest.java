package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What an agent does at start when the cluster around it already runs (§3.2 {@code name}). */
@Tag("scenario")
class StartupScenariosTest {
  private static final Duration BOOTSTRAP = Duration.ofSeconds(90);

  @RegisterExtension
  static final ClusterExtension CLUSTER =
      new ClusterExtension(ClusterSpec.threeNodes().withNodes(1));

  @Test
  void aSecondAgentUnderARunningMembersNameRefusesToStartAndTouchesNothing() throws Exception {
    ClusterFixture c = CLUSTER.cluster();
    AgentNode leader = c.waitForLeader(BOOTSTRAP);
    Wait.until("the leader reports primary", BOOTSTRAP, () -> leader.reportsRole("primary"));
    long postmaster = leader.postmaster().orElseThrow().pid();

    Path log = c.baseDir().resolve(leader.name() + "-second.log");
    ChildProcess second = leader.startSecondAgent(log);
    try {
      assertTrue(
          second.waitFor(Duration.ofSeconds(60)),
          "the second agent still runs:\n" + ChildProcess.tail(log, 40));
      String text = Files.readString(log, StandardCharsets.UTF_8);
      assertEquals(1, second.exitValue(), text);
      assertTrue(
          text.contains(
              " CRITICAL: Can't start; there is already a node named '"
                  + leader.name()
                  + "' running"),
          text);
      assertFalse(text.contains("REST API listening"), text);
      assertFalse(text.contains("Exception"), text);
    } finally {
      second.kill();
    }
    assertTrue(leader.isAgentRunning(), "the first agent stopped");
    assertEquals(postmaster, leader.postmaster().orElseThrow().pid(), "PostgreSQL was restarted");
    assertTrue(leader.reportsRole("primary"), "the leader no longer reports primary");
  }
}
