package io.hagent.it.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.hagent.it.CommitRecorder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One fault, start to end: the workload (writers through HAProxy, one direct writer per node, the
 * {@link RoleObserver} readers) runs, the nemesis hits the leader, is healed, the cluster is given
 * {@link #CONVERGE_DEADLINE} after the heal to come back by itself, and the checker compares what
 * clients were told with what the final primary holds.
 */
final class FaultRound {
  static final Duration CONVERGE_DEADLINE =
      Duration.ofSeconds(Integer.getInteger("chaos.convergeSeconds", 180));
  private static final Duration WARMUP = Duration.ofSeconds(5);
  private static final Duration AFTERMATH = Duration.ofSeconds(3);

  /** The cluster as the checker wants it: one writable node, all others streaming from it. */
  record Converged(ChaosNode primary) {}

  private final ChaosCluster cluster;

  FaultRound(ChaosCluster cluster) {
    this.cluster = cluster;
  }

  FaultResult run(Nemesis nemesis, int round, String tablePrefix) throws SQLException {
    // a fault must not hit an agent still starting after the previous round (a restarted agent
    // has not yet re-attached to its fence, or renewed its lease): every agent answers first
    long ready = System.nanoTime() + CONVERGE_DEADLINE.toNanos();
    while (!(converged().isPresent() && agentsAnswer()) && System.nanoTime() < ready) {
      sleep(Duration.ofMillis(500));
    }
    ChaosNode leader =
        converged()
            .orElseThrow(() -> new IllegalStateException("cluster not healthy before " + nemesis))
            .primary();
    Map<String, CommitRecorder> direct = new LinkedHashMap<>();
    List<CommitRecorder> all = new ArrayList<>();
    try (RoleObserver observer = new RoleObserver(cluster.nodes());
        Connection primaryConn = leader.connect(2, 10)) {
      CommitRecorder viaHaproxy =
          new CommitRecorder(
              cluster.haproxyJdbcUrl(),
              leader.connectionProperties(2, 10),
              tablePrefix + "_haproxy",
              2,
              40);
      all.add(viaHaproxy.start(primaryConn));
      for (ChaosNode n : cluster.nodes()) {
        CommitRecorder r =
            new CommitRecorder(
                n.jdbcUrl(), n.connectionProperties(2, 10), tablePrefix + "_" + n.name(), 1, 20);
        direct.put(n.name(), r);
        all.add(r.start(primaryConn));
      }
      sleep(WARMUP);

      long faultNanos = System.nanoTime();
      Nemesis.Heal heal = nemesis.inject(cluster, leader);
      sleep(nemesis.hold(cluster));
      heal.heal();
      long healNanos = System.nanoTime();

      long deadline = healNanos + CONVERGE_DEADLINE.toNanos();
      Optional<Converged> end = Optional.empty();
      while (end.isEmpty() && System.nanoTime() < deadline) {
        sleep(Duration.ofMillis(500));
        end = converged();
      }
      long convergeMillis = end.isPresent() ? (System.nanoTime() - healNanos) / 1_000_000L : -1;
      sleep(AFTERMATH);
      all.forEach(CommitRecorder::close);
      observer.close();
      long endNanos = System.nanoTime();

      cluster.saveLogs(tablePrefix);
      ChaosNode finalPrimary = end.map(Converged::primary).orElse(null);
      int acked = all.stream().mapToInt(CommitRecorder::ackCount).sum();
      int lost = -1;
      if (finalPrimary != null) {
        try (Connection c = finalPrimary.connect(2, 30)) {
          lost = 0;
          for (CommitRecorder r : all) {
            lost += r.verify(c).missing().size();
          }
        }
      }
      List<RoleObserver.Promotion> promotions = observer.promotionsAfter(faultNanos);
      Map<String, List<CommitRecorder.Ack>> directAcks = new LinkedHashMap<>();
      direct.forEach((node, r) -> directAcks.put(node, r.acks()));
      OldPrimaryCommits oldPrimary = OldPrimaryCommits.of(promotions, directAcks, endNanos);
      long overlapMillis = 0;
      for (RoleObserver.Promotion p : promotions) {
        for (ChaosNode other : cluster.nodes()) {
          if (!other.name().equals(p.node())) {
            long until =
                OldPrimaryCommits.nextPromotion(
                    promotions, other.name(), p.lastRecoveryNanos(), endNanos);
            overlapMillis =
                Math.max(
                    overlapMillis,
                    observer.writableMillisAfter(other.name(), p.firstWritableNanos(), until));
          }
        }
      }
      return new FaultResult(
          nemesis.label(),
          round,
          nemesis.hold(cluster).toSeconds(),
          leader.name(),
          finalPrimary == null ? "?" : finalPrimary.name(),
          promotions.size(),
          acked,
          lost,
          oldPrimary,
          overlapMillis,
          unavailableMillis(viaHaproxy, faultNanos, endNanos),
          convergeMillis);
    } finally {
      all.forEach(CommitRecorder::close);
    }
  }

  /**
   * The longest stretch without an acknowledgement through HAProxy, from the last ack before the
   * fault to the end of the round (a stretch still open at the end counts up to the end).
   */
  static long unavailableMillis(CommitRecorder r, long faultNanos, long endNanos) {
    long[] times = r.acks().stream().mapToLong(CommitRecorder.Ack::ackNanos).sorted().toArray();
    long prev = faultNanos;
    for (long t : times) {
      if (t <= faultNanos) {
        prev = t;
      }
    }
    long longest = 0;
    for (long t : times) {
      if (t > prev) {
        longest = Math.max(longest, t - prev);
        prev = t;
      }
    }
    longest = Math.max(longest, endNanos - prev);
    return longest / 1_000_000L;
  }

  /**
   * One node answers "not in recovery", every other node is in recovery, and the writable node's
   * pg_stat_replication shows all of them streaming (one of them as "sync" in the synchronous
   * modes). Asked of PostgreSQL, not of the agents, so the same check holds for any agent.
   */
  Optional<Converged> converged() {
    List<ChaosNode> writable = new ArrayList<>();
    int inRecovery = 0;
    for (ChaosNode n : cluster.nodes()) {
      try (Connection c = n.connect(1, 2);
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
        rs.next();
        if (rs.getBoolean(1)) {
          inRecovery++;
        } else {
          writable.add(n);
        }
      } catch (SQLException e) {
        return Optional.empty();
      }
    }
    if (writable.size() != 1 || inRecovery != cluster.nodes().size() - 1) {
      return Optional.empty();
    }
    ChaosNode primary = writable.get(0);
    try (Connection c = primary.connect(1, 2);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FILTER (WHERE state = 'streaming'),"
                    + " string_agg(application_name, ',') FILTER"
                    + " (WHERE state = 'streaming' AND sync_state = 'sync')"
                    + " FROM pg_stat_replication")) {
      rs.next();
      // in synchronous_mode a cluster is only whole again with a synchronous standby that the DCS
      // names too: until PostgreSQL has one, strict mode acknowledges no commit; until the sync
      // key names it, no node may take over from a crashed leader
      boolean syncOk =
          cluster.mode() == ChaosCluster.Mode.ASYNC || namedSynchronous(rs.getString(2));
      return rs.getInt(1) == cluster.nodes().size() - 1 && syncOk
          ? Optional.of(new Converged(primary))
          : Optional.empty();
    } catch (SQLException e) {
      return Optional.empty();
    }
  }

  /** Every node's agent answers GET /patroni with a running PostgreSQL and a recent DCS view. */
  private boolean agentsAnswer() {
    for (ChaosNode n : cluster.nodes()) {
      try {
        HttpResponse<String> r = getPatroni(n);
        if (r.statusCode() != 200
            || !"running".equals(JSON.readTree(r.body()).path("state").asText())) {
          return false;
        }
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  private static HttpResponse<String> getPatroni(ChaosNode n)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(n.restUrl() + "/patroni"))
            .timeout(Duration.ofSeconds(2))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /**
   * One of the standbys PostgreSQL calls synchronous says so itself on GET /patroni
   * ("sync_standby": true, from the sync key), as Patroni's REST API does.
   */
  private boolean namedSynchronous(String syncNames) {
    if (syncNames == null) {
      return false;
    }
    for (String name : syncNames.split(",")) {
      for (ChaosNode n : cluster.nodes()) {
        if (n.name().equals(name)) {
          try {
            HttpResponse<String> r = getPatroni(n);
            if (JSON.readTree(r.body()).path("sync_standby").asBoolean(false)) {
              return true;
            }
          } catch (IOException e) {
            // not answering: not (yet) converged
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        }
      }
    }
    return false;
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
