package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import io.hagent.common.json.Json;
import io.hagent.common.rest.RestClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "version",
    description = "Output version of hactl command or a running Patroni-compatible instance")
final class VersionCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(index = "0", arity = "0..1", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "MEMBER_NAMES")
  List<String> memberNames;

  @Override
  public Integer call() throws Exception {
    Ctl ctl = hactl.ctl();
    ctl.out.println("hactl version " + Hactl.VERSION);
    if (cluster == null) {
      return 0;
    }
    ctl.out.println();
    Cluster c = ctl.read(cluster);
    for (Member m : c.members()) {
      if (m.apiUrl() == null
          || (memberNames != null && !memberNames.isEmpty() && !memberNames.contains(m.name()))) {
        continue;
      }
      try {
        RestClient.Response r = ctl.api().request(m, "GET", "patroni", null);
        Map<String, Object> data = Json.readObject(r.body());
        Object patroni = data.get("patroni") instanceof Map<?, ?> p ? p.get("version") : null;
        Object pg = data.get("server_version");
        String pgText =
            pg == null ? "" : " PostgreSQL " + formatPgVersion(Long.parseLong(pg.toString()));
        ctl.out.println(m.name() + ": Patroni " + patroni + pgText);
      } catch (Exception e) {
        ctl.out.println(m.name() + ": failed to get version: " + e.getMessage());
      }
    }
    return 0;
  }

  /** 160004 → 16.4, 90624 → 9.6.24. */
  static String formatPgVersion(long v) {
    if (v < 100000) {
      return (v / 10000) + "." + (v / 100 % 100) + "." + (v % 100);
    }
    return (v / 10000) + "." + (v % 10000);
  }
}
