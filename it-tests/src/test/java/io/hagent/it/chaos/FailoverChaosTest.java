package io.hagent.it.chaos;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The chaos matrix (issue #16): every fault of {@code -Dchaos.faults} (comma-separated labels of
 * {@link Nemesis}; all by default) for {@code -Dchaos.rounds} rounds, on one container cluster that
 * is rebuilt only when a fault left it unconverged. Prints the table and writes it to {@code
 * target/chaos-report-<agent>-<mode>.md}, then enforces the invariants that hold in every mode:
 * every run converged without manual action, and no node accepted a commit (sent after the
 * promotion, see {@link OldPrimaryCommits}) after another node's promotion. Lost acknowledged
 * commits are reported in every mode and are an invariant under synchronous_mode_strict ({@code
 * -Dchaos.mode=strict}).
 *
 * <p>{@code -Dchaos.agent=patroni} runs the same matrix with Debian's Patroni in the same images
 * instead of this build's agent ({@link ChaosAgent}).
 *
 * <p>Runs only with -Pchaos (scripts/chaos), after scripts/chaos-images.
 */
class FailoverChaosTest {
  @Test
  void faultMatrix() throws Exception {
    List<Nemesis> faults =
        Arrays.stream(
                System.getProperty("chaos.faults", String.join(",", Nemesis.labels())).split(","))
            .map(String::strip)
            .filter(s -> !s.isEmpty())
            .map(Nemesis::byLabel)
            .toList();
    int rounds = Integer.getInteger("chaos.rounds", 1);
    ChaosCluster.Timings timings = ChaosCluster.Timings.fromSystemProperties();
    ChaosCluster.Mode mode = ChaosCluster.Mode.fromSystemProperties();
    ChaosAgent agent = ChaosAgent.fromSystemProperties();
    Path jar = Path.of(System.getProperty("hagent.jar"));
    List<FaultResult> results = new ArrayList<>();
    ChaosCluster cluster = null;
    try {
      // the disk faults need tmpfs data volumes, which a container restart empties: they run last,
      // on a cluster of their own
      for (boolean smallDisk : List.of(false, true)) {
        List<Nemesis> group = faults.stream().filter(f -> f.smallDisk() == smallDisk).toList();
        for (int round = 1; round <= rounds && !group.isEmpty(); round++) {
          for (Nemesis fault : group) {
            if (cluster == null || cluster.smallDisk() != smallDisk || !healthy(cluster)) {
              if (cluster != null) {
                cluster.close();
              }
              cluster = startCluster(timings, mode, smallDisk, agent, jar);
            }
            FaultResult r =
                new FaultRound(cluster)
                    .run(fault, round, "chaos_r" + round + "_" + fault.name().toLowerCase());
            results.add(r);
            System.out.println("chaos: " + r.row());
          }
        }
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
      report(agent, timings, mode, rounds, results);
    }
    for (FaultResult r : results) {
      assertTrue(r.converged(), r.fault() + " round " + r.round() + " did not converge by itself");
      assertTrue(
          r.oldPrimary().acceptedAfter() == 0,
          r.fault()
              + " round "
              + r.round()
              + ": "
              + r.oldPrimary().acceptedAfter()
              + " commits sent to and acknowledged by an old primary after the promotion");
      if (mode == ChaosCluster.Mode.STRICT) {
        assertTrue(
            r.lost() == 0,
            r.fault()
                + " round "
                + r.round()
                + ": "
                + r.lost()
                + " acknowledged commits missing on the final primary under"
                + " synchronous_mode_strict");
      }
    }
  }

  private static ChaosCluster startCluster(
      ChaosCluster.Timings timings,
      ChaosCluster.Mode mode,
      boolean smallDisk,
      ChaosAgent agent,
      Path jar) {
    long start = System.nanoTime();
    ChaosCluster c = new ChaosCluster(timings, mode, smallDisk, agent);
    try {
      c.start(jar);
      FaultRound probe = new FaultRound(c);
      io.hagent.it.Wait.forValue(
          "the container cluster to have a primary and two streaming replicas",
          Duration.ofSeconds(180),
          probe::converged);
    } catch (RuntimeException | Error e) {
      c.saveLogs("startup-failed");
      c.close();
      throw e;
    }
    System.out.printf(
        "chaos: cluster up (3 etcd, 3 nodes, haproxy) in %d ms%n",
        (System.nanoTime() - start) / 1_000_000L);
    return c;
  }

  private static boolean healthy(ChaosCluster c) {
    Optional<FaultRound.Converged> ok = new FaultRound(c).converged();
    return ok.isPresent();
  }

  private static void report(
      ChaosAgent agent,
      ChaosCluster.Timings t,
      ChaosCluster.Mode mode,
      int rounds,
      List<FaultResult> results)
      throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append(
        "chaos matrix of %s: ttl %d, loop_wait %d, retry_timeout %d, %s replication, %d round(s)%n%n"
            .formatted(
                agent.label(), t.ttl(), t.loopWait(), t.retryTimeout(), mode.label(), rounds));
    sb.append(FaultSummary.header()).append('\n');
    Map<String, List<FaultResult>> byFault = new LinkedHashMap<>();
    results.forEach(r -> byFault.computeIfAbsent(r.fault(), k -> new ArrayList<>()).add(r));
    byFault.values().forEach(rs -> sb.append(FaultSummary.of(rs).row()).append('\n'));
    sb.append("\nEvery round:\n\n");
    sb.append(FaultResult.header()).append('\n');
    results.forEach(r -> sb.append(r.row()).append('\n'));
    System.out.println(sb);
    // one file per agent and mode: the two agents' runs are kept side by side
    Path out = Path.of("target", "chaos-report-" + agent.label() + "-" + mode.label() + ".md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, sb.toString());
  }
}
