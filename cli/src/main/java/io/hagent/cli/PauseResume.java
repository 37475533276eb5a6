package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.json.Json;
import io.hagent.common.rest.RestClient;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/** pause / resume: PATCH /config {"pause": true|null} on the leader, else the next member. */
final class PauseResume {
  private PauseResume() {}

  static void toggle(Ctl ctl, String clusterArg, boolean pause, boolean wait) throws Exception {
    String name = ctl.clusterName(clusterArg);
    Cluster cluster = ctl.read(name);
    if (cluster.isPaused() == pause) {
      throw new CtlException("Cluster is " + (pause ? "already" : "not") + " paused");
    }
    Map<String, Object> body = new HashMap<>();
    body.put("pause", pause ? Boolean.TRUE : null);
    for (Member m : Members.leaderFirst(cluster)) {
      RestClient.Response r;
      try {
        r = ctl.api().request(m, "PATCH", "config", body);
      } catch (IOException e) {
        continue; // not accessible: try the next member
      }
      if (r.status() == 200) {
        if (wait) {
          waitForMembers(ctl, name, pause);
        }
        ctl.out.println("Success: cluster management is " + (pause ? "paused" : "resumed"));
      } else {
        ctl.out.println(
            "Failed: "
                + (pause ? "pause" : "resume")
                + " cluster management status code="
                + r.status()
                + ", ("
                + r.body()
                + ")");
      }
      return;
    }
    throw new CtlException("Can not find accessible cluster member");
  }

  /** Polls the members' own view of the pause flag for up to loop_wait + 1 seconds. */
  private static void waitForMembers(Ctl ctl, String name, boolean pause) throws Exception {
    Cluster cluster = ctl.read(name);
    int loopWait = DynamicConfig.from(cluster.config()).loopWait();
    long deadline = System.nanoTime() + (loopWait + 1) * 1_000_000_000L;
    ctl.out.println(
        "'"
            + (pause ? "pause" : "resume")
            + "' request sent, waiting until it is recognized by all nodes");
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (Member m : cluster.members()) {
        try {
          Map<String, Object> status =
              Json.readObject(ctl.api().request(m, "GET", "patroni", null).body());
          all &= Boolean.TRUE.equals(status.get("pause")) == pause;
        } catch (IOException | IllegalArgumentException e) {
          all = false;
        }
      }
      if (all) {
        return;
      }
      ctl.sleep(500);
    }
  }
}
