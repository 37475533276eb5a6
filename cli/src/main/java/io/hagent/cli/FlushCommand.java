package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Failover;
import io.hagent.common.cluster.Member;
import io.hagent.common.rest.RestClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "flush", description = "Discard scheduled events")
final class FlushCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(index = "0", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "[MEMBER_NAMES...] restart|switchover")
  List<String> rest;

  @Option(
      names = {"-r", "--role"},
      paramLabel = "ROLE",
      description = "Flush only members with this role (" + Members.ROLES + ")")
  String role;

  @Option(names = "--force", description = "Do not ask for confirmation at any point")
  boolean force;

  @Override
  public Integer call() throws Exception {
    List<String> names = new ArrayList<>(rest);
    String target = names.remove(names.size() - 1);
    Ctl ctl = hactl.ctl();
    ClusterStore store = ctl.store(cluster);
    Cluster c = store.readCluster();
    switch (target) {
      case "restart" -> {
        for (Member m : Members.select(ctl, c, cluster, names, role, force, "flush")) {
          if (m.data().get("scheduled_restart") != null) {
            RestClient.Response r = ctl.api().request(m, "DELETE", "restart", null);
            RestResults.check(ctl, r, m.name(), "flush scheduled restart", false);
          } else {
            ctl.out.println("No scheduled restart for member " + m.name());
          }
        }
      }
      case "switchover" -> flushSwitchover(ctl, store, c);
      default ->
          throw new CtlException(
              "Invalid value for TARGET: '" + target + "' is not one of 'restart', 'switchover'");
    }
    return 0;
  }

  private void flushSwitchover(Ctl ctl, ClusterStore store, Cluster c) throws Exception {
    Failover failover = c.failover();
    if (failover == null || failover.scheduledAt() == null) {
      ctl.out.println("No pending scheduled switchover");
      return;
    }
    for (Member m : Members.leaderFirst(c)) {
      try {
        RestClient.Response r = ctl.api().request(m, "DELETE", "switchover", null);
        if (r.status() == 200 || r.status() == 404) {
          ctl.out.println((r.status() == 200 ? "Success" : "Failed") + ": " + r.body());
          return;
        }
        ctl.out.println(
            "Failed: member=" + m.name() + ", status_code=" + r.status() + ", (" + r.body() + ")");
      } catch (IOException e) {
        // not accessible: try the next member
      }
    }
    ctl.out.println(
        ctl.timestamp() + " Could not find any accessible member of cluster " + cluster);
    store.setFailover("{}", failover.modRevision());
  }
}
