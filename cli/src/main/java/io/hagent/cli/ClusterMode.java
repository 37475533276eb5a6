package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import io.hagent.common.json.Json;
import io.hagent.common.rest.RestClient;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * promote-cluster / demote-cluster (Patroni 4.1): PATCH /config of {@code standby_cluster} on the
 * leader (else the next member that answers), then polls each second until the leader runs in the
 * new role ({@code primary} / {@code standby_leader}).
 */
final class ClusterMode {
  /** How long to wait for the leader to take its new role (a demotion may rewind). */
  static final int WAIT_SECONDS = 120;

  private ClusterMode() {}

  /** {@code standbyCluster} null: promote; else demote into a standby of that section. */
  static void change(Ctl ctl, String clusterArg, Map<String, Object> standbyCluster, boolean force)
      throws Exception {
    String name = ctl.clusterName(clusterArg);
    Cluster cluster = ctl.read(name);
    boolean standby = ClusterView.standbyClusterActive(cluster.config());
    boolean promote = standbyCluster == null;
    if (promote && !standby) {
      throw new CtlException("Cluster is not in the standby mode");
    }
    if (!promote && standby) {
      throw new CtlException("Cluster is already in the standby mode");
    }
    String action = promote ? "promote" : "demote";
    if (!force && !ctl.confirm("Are you sure you want to " + action + " " + name + " cluster?")) {
      throw new CtlException("Aborted " + action + " cluster");
    }
    Map<String, Object> body = new HashMap<>();
    body.put("standby_cluster", standbyCluster);
    for (Member m : Members.leaderFirst(cluster)) {
      RestClient.Response r;
      try {
        r = ctl.api().request(m, "PATCH", "config", body);
      } catch (IOException e) {
        continue; // not accessible: try the next member
      }
      if (r.status() != 200) {
        throw new CtlException(
            "Failed to "
                + action
                + " cluster "
                + name
                + ", status code="
                + r.status()
                + ", ("
                + r.body()
                + ")");
      }
      String role = promote ? "primary" : "standby_leader";
      if (waitForLeader(ctl, name, role)) {
        ctl.out.println(ctl.timestamp() + " Cluster " + name + " " + action + "d successfully");
      } else {
        throw new CtlException(
            "Timed out waiting for the leader of cluster " + name + " to run as " + role);
      }
      return;
    }
    throw new CtlException("Can not find accessible cluster member");
  }

  /** Polls the leader's GET /patroni until it runs in {@code role}. */
  private static boolean waitForLeader(Ctl ctl, String name, String role) throws Exception {
    long deadline = System.nanoTime() + WAIT_SECONDS * 1_000_000_000L;
    while (System.nanoTime() < deadline) {
      Cluster cluster = ctl.read(name);
      Member leader = cluster.leaderMember().orElse(null);
      if (leader != null) {
        try {
          Map<String, Object> status =
              Json.readObject(ctl.api().request(leader, "GET", "patroni", null).body());
          if (role.equals(status.get("role")) && "running".equals(status.get("state"))) {
            return true;
          }
        } catch (IOException | IllegalArgumentException e) {
          // not answering yet: poll again
        }
      }
      ctl.sleep(1000);
    }
    return false;
  }
}
