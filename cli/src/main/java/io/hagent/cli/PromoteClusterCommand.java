package io.hagent.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Turns a standby cluster into a normal one: its standby leader promotes. */
@Command(name = "promote-cluster", description = "Promote cluster, make it run standalone")
final class PromoteClusterCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Option(names = "--force", description = "Do not ask for confirmation at any point")
  boolean force;

  @Override
  public Integer call() throws Exception {
    ClusterMode.change(hactl.ctl(), cluster, null, force);
    return 0;
  }
}
