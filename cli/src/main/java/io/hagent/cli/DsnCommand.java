package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.HostPort;
import io.hagent.common.cluster.Member;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "dsn",
    description = "Generate a dsn for the provided member, defaults to a dsn of the leader")
final class DsnCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Option(
      names = {"-r", "--role"},
      paramLabel = "ROLE",
      description = "Give a DSN of any member with this role (" + Members.ROLES + ")")
  String role;

  @Option(
      names = {"-m", "--member"},
      paramLabel = "MEMBER",
      description = "Generate a dsn for this member")
  String member;

  @Override
  public Integer call() throws Exception {
    if (role != null && member != null) {
      throw new CtlException("--role and --member are mutually exclusive options");
    }
    Ctl ctl = hactl.ctl();
    Cluster c = ctl.read(ctl.clusterName(cluster));
    List<Member> candidates =
        member != null
            ? c.member(member).stream().toList()
            : Members.withRole(c, role == null ? "leader" : role);
    Member m =
        candidates.stream()
            .filter(x -> x.hostPort() != null)
            .findFirst()
            .orElseThrow(() -> new CtlException("Can not find a suitable member"));
    HostPort hp = m.hostPort();
    ctl.out.println("host=" + hp.host() + " port=" + hp.port());
    return 0;
  }
}
