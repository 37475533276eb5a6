package io.hagent.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "topology", description = "Prints ASCII topology for given cluster")
final class TopologyCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(arity = "0..*", paramLabel = "CLUSTER_NAMES")
  List<String> clusterNames;

  @Option(
      names = {"-W"},
      description = "Auto update the screen every 2 seconds")
  boolean watchContinuous;

  @Option(
      names = {"-w", "--watch"},
      paramLabel = "SEC",
      description = "Auto update the screen every X seconds")
  Double watch;

  @Override
  public Integer call() throws Exception {
    Ctl ctl = hactl.ctl();
    return Watch.run(
        ctl,
        watchContinuous ? Double.valueOf(2) : watch,
        () -> {
          List<String> names =
              clusterNames == null || clusterNames.isEmpty()
                  ? List.of(ctl.clusterName(null))
                  : clusterNames;
          for (String name : names) {
            MemberListing.print(ctl.out, ctl.read(name), name, false, "topology");
          }
        });
  }
}
