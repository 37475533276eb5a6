package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import io.hagent.common.json.Json;
import io.hagent.common.rest.RestClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "reinit", description = "Reinitialize cluster member")
final class ReinitCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(index = "0", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "MEMBER_NAMES")
  List<String> memberNames;

  @Option(names = "--force", description = "Do not ask for confirmation at any point")
  boolean force;

  @Option(names = "--from-leader", description = "Get basebackup directly from leader")
  boolean fromLeader;

  @Option(names = "--wait", description = "Wait until reinitialization completes")
  boolean wait;

  @Override
  public Integer call() throws Exception {
    Ctl ctl = hactl.ctl();
    Cluster c = ctl.read(cluster);
    List<Member> members =
        Members.select(ctl, c, cluster, memberNames, null, force, "reinitialize");
    Members.confirm(ctl, members, force, "reinitialize", null);
    List<Member> waitOn = new ArrayList<>();
    for (Member m : members) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("force", force);
      body.put("from_leader", fromLeader);
      while (true) {
        RestClient.Response r = ctl.api().request(m, "POST", "reinitialize", body);
        boolean started = RestResults.check(ctl, r, m.name(), "reinitialize", false);
        if (!started
            && r.body().endsWith(" already in progress")
            && !force
            && ctl.confirm("Do you want to cancel it and reinitialize anyway?")) {
          body.put("force", true);
          continue;
        }
        if (started && wait) {
          waitOn.add(m);
        }
        break;
      }
    }
    String shown = "";
    while (!waitOn.isEmpty()) {
      String names = String.join(", ", waitOn.stream().map(Member::name).toList());
      if (!names.equals(shown)) {
        ctl.out.println("Waiting for reinitialize to complete on: " + names);
        shown = names;
      }
      ctl.sleep(2000);
      for (Member m : new ArrayList<>(waitOn)) {
        Map<String, Object> status =
            Json.readObject(ctl.api().request(m, "GET", "patroni", null).body());
        if (!"creating replica".equals(status.get("state"))) {
          ctl.out.println("Reinitialize is completed on: " + m.name());
          waitOn.remove(m);
        }
      }
    }
    return 0;
  }
}
