package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.rest.RestClient;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "reload", description = "Reload cluster member configuration")
final class ReloadCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(index = "0", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "MEMBER_NAMES")
  List<String> memberNames;

  @Option(
      names = {"-r", "--role"},
      paramLabel = "ROLE",
      description = "Reload only members with this role (" + Members.ROLES + ")")
  String role;

  @Option(names = "--force", description = "Do not ask for confirmation at any point")
  boolean force;

  @Override
  public Integer call() throws Exception {
    Ctl ctl = hactl.ctl();
    Cluster c = ctl.read(cluster);
    List<Member> members = Members.select(ctl, c, cluster, memberNames, role, force, "reload");
    Members.confirm(ctl, members, force, "reload", null);
    for (Member m : members) {
      RestClient.Response r = ctl.api().request(m, "POST", "reload", null);
      if (r.status() == 200) {
        ctl.out.println("No changes to apply on member " + m.name());
      } else if (r.status() == 202) {
        int loopWait = DynamicConfig.from(c.config()).loopWait();
        ctl.out.println(
            "Reload request received for member "
                + m.name()
                + " and will be processed within "
                + loopWait
                + " seconds");
      } else {
        ctl.out.println(
            "Failed: reload for member "
                + m.name()
                + ", status code="
                + r.status()
                + ", ("
                + r.body()
                + ")");
      }
    }
    return 0;
  }
}
