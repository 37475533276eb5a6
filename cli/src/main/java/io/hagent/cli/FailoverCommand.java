package io.hagent.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "failover", description = "Failover to a replica")
final class FailoverCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Option(names = "--candidate", paramLabel = "NAME", description = "The name of the candidate")
  String candidate;

  @Option(names = "--force", description = "Do not ask for confirmation at any point")
  boolean force;

  @Override
  public Integer call() throws Exception {
    FailoverAction.run(hactl.ctl(), "failover", cluster, null, candidate, null, force);
    return 0;
  }
}
