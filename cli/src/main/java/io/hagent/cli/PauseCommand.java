package io.hagent.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "pause", description = "Disable auto failover")
final class PauseCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Option(names = "--wait", description = "Wait until pause is applied on all nodes")
  boolean wait;

  @Override
  public Integer call() throws Exception {
    PauseResume.toggle(hactl.ctl(), cluster, true, wait);
    return 0;
  }
}
