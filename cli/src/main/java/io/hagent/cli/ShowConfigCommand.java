package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "show-config", description = "Show cluster configuration")
final class ShowConfigCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Override
  public Integer call() throws Exception {
    Ctl ctl = hactl.ctl();
    String name = ctl.clusterName(cluster);
    Cluster c = ctl.read(name);
    if (c.config() == null) {
      throw new CtlException("The config key does not exist in the cluster " + name);
    }
    ctl.out.println(Yaml.dump(c.config(), false));
    return 0;
  }
}
