package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "remove", description = "Remove cluster from DCS")
final class RemoveCommand implements Callable<Integer> {
  private static final String AWARE = "Yes I am aware";

  @ParentCommand Hactl hactl;

  @Parameters(index = "0", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Option(
      names = {"-f", "--format"},
      paramLabel = "FORMAT",
      defaultValue = "pretty",
      description = "Output format (pretty, tsv, json, yaml)")
  String format;

  @Override
  public Integer call() throws Exception {
    Ctl ctl = hactl.ctl();
    ClusterStore store = ctl.store(cluster);
    Cluster c = store.readCluster();
    MemberListing.print(ctl.out, c, cluster, false, format);
    if (!cluster.equals(ctl.prompt("Please confirm the cluster name to remove", null))) {
      throw new CtlException("Cluster names specified do not match");
    }
    String typed =
        ctl.prompt(
            "You are about to remove all information in DCS for "
                + cluster
                + ", please type: \""
                + AWARE
                + "\"",
            null);
    if (!AWARE.equals(typed)) {
      throw new CtlException("You did not exactly type \"" + AWARE + "\"");
    }
    if (c.leader() != null) {
      String leader =
          ctl.prompt(
              "This cluster currently is healthy. Please specify the leader name to continue",
              null);
      if (!c.leader().name().equals(leader)) {
        throw new CtlException("You did not specify the current leader of the cluster");
      }
    }
    store.deleteCluster();
    return 0;
  }
}
