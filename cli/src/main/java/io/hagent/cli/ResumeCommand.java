package io.hagent.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "resume", description = "Resume auto failover")
final class ResumeCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Option(names = "--wait", description = "Wait until pause is cleared on all nodes")
  boolean wait;

  @Override
  public Integer call() throws Exception {
    PauseResume.toggle(hactl.ctl(), cluster, false, wait);
    return 0;
  }
}
