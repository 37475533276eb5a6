package io.hagent.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "switchover", description = "Switchover to a replica")
final class SwitchoverCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Option(
      names = {"--leader", "--primary", "--master"},
      paramLabel = "NAME",
      description = "The name of the current leader")
  String leader;

  @Option(names = "--candidate", paramLabel = "NAME", description = "The name of the candidate")
  String candidate;

  @Option(
      names = "--scheduled",
      paramLabel = "TIME",
      description =
          "Timestamp of a scheduled switchover in unambiguous format (e.g. ISO 8601), or 'now'")
  String scheduled;

  @Option(names = "--force", description = "Do not ask for confirmation at any point")
  boolean force;

  @Override
  public Integer call() throws Exception {
    FailoverAction.run(hactl.ctl(), "switchover", cluster, leader, candidate, scheduled, force);
    return 0;
  }
}
