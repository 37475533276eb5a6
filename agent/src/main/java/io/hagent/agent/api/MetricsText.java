package io.hagent.agent.api;

import io.hagent.agent.node.NodeSnapshot;
import io.hagent.agent.postgres.LocalState;
import io.hagent.common.cluster.Tags;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** GET /metrics (§1.5): Prometheus text with Patroni's metric names, help texts and labels. */
public final class MetricsText {

  /** Patroni's PostgreSQL state strings; the index is the metric value and never changes. */
  static final List<String> STATES =
      List.of(
          "initializing new cluster",
          "initdb failed",
          "running custom bootstrap script",
          "custom bootstrap failed",
          "creating replica",
          "running",
          "starting",
          "starting after custom bootstrap",
          "start failed",
          "restarting",
          "restart failed",
          "stopping",
          "stopped",
          "stop failed",
          "crashed");

  /** Patroni's enum member names for the {@code # Values:} line, in index order. */
  private static final List<String> STATE_NAMES =
      List.of(
          "initdb",
          "initdb_failed",
          "custom_bootstrap",
          "custom_bootstrap_failed",
          "creating_replica",
          "running",
          "starting",
          "bootstrap_starting",
          "start_failed",
          "restarting",
          "restart_failed",
          "stopping",
          "stopped",
          "stop_failed",
          "crashed");

  private MetricsText() {}

  public static String render(NodeSnapshot s) {
    Map<String, Object> status = StatusJson.build(s);
    String role = (String) status.get("role");
    LocalState pg = s.pg();
    boolean up = pg != null && pg.running();
    boolean replica = up && pg.isReplica();
    Out o = new Out("{scope=\"" + s.scope() + "\",name=\"" + s.name() + "\"}");

    o.metric("patroni_version", "Patroni semver without periods.", "gauge", paddedVersion(s));
    o.metric(
        "patroni_postgres_running",
        "Value is 1 if Postgres is running, 0 otherwise.",
        "gauge",
        flag("running".equals(status.get("state"))));
    o.metric(
        "patroni_postmaster_start_time",
        "Epoch seconds since Postgres started.",
        "gauge",
        up && pg.postmasterStartTime() != null ? epoch(pg.postmasterStartTime()) : "0");
    o.metric(
        "patroni_primary",
        "Value is 1 if this node is the leader, 0 otherwise.",
        "gauge",
        flag("primary".equals(role)));
    o.metric(
        "patroni_xlog_location",
        "Current location of the Postgres transaction log, 0 if this node is not the leader.",
        "counter",
        num(up && pg.isPrimary() ? pg.flushLsn() : null));
    o.metric(
        "patroni_standby_leader",
        "Value is 1 if this node is the standby_leader, 0 otherwise.",
        "gauge",
        flag("standby_leader".equals(role)));
    o.metric(
        "patroni_replica",
        "Value is 1 if this node is a replica, 0 otherwise.",
        "gauge",
        flag("replica".equals(role)));
    o.metric(
        "patroni_sync_standby",
        "Value is 1 if this node is a sync standby, 0 otherwise.",
        "gauge",
        flag(status.containsKey("sync_standby")));
    o.metric(
        "patroni_quorum_standby",
        "Value is 1 if this node is a quorum standby, 0 otherwise.",
        "gauge",
        flag(status.containsKey("quorum_standby")));
    Long replayed = replica ? (pg.replayLsn() == null ? 0L : pg.replayLsn()) : null;
    o.metric(
        "patroni_xlog_received_location",
        "Current location of the received Postgres transaction log, 0 if this node is not a"
            + " replica.",
        "counter",
        num(replica ? (pg.receiveLsn() != null ? pg.receiveLsn() : replayed) : null));
    o.metric(
        "patroni_xlog_replayed_location",
        "Current location of the replayed Postgres transaction log, 0 if this node is not a"
            + " replica.",
        "counter",
        num(replayed));
    o.metric(
        "patroni_xlog_replayed_timestamp",
        "Current timestamp of the replayed Postgres transaction log, 0 if null.",
        "gauge",
        replica && pg.replayedTimestamp() != null ? epoch(pg.replayedTimestamp()) : "0");
    o.metric(
        "patroni_xlog_paused",
        "Value is 1 if the Postgres xlog is paused, 0 otherwise.",
        "gauge",
        flag(replica && Boolean.TRUE.equals(pg.replayPaused())));
    int serverVersion = up && pg.serverVersion() != null ? pg.serverVersion() : 0;
    if (serverVersion >= 90600) {
      o.metric(
          "patroni_postgres_streaming",
          "Value is 1 if Postgres is streaming, 0 otherwise.",
          "gauge",
          flag("streaming".equals(status.get("replication_state"))));
      o.metric(
          "patroni_postgres_in_archive_recovery",
          "Value is 1 if Postgres is replicating from archive, 0 otherwise.",
          "gauge",
          flag("in archive recovery".equals(status.get("replication_state"))));
    }
    o.metric(
        "patroni_postgres_server_version",
        "Version of Postgres (if running), 0 otherwise.",
        "gauge",
        Integer.toString(serverVersion));
    o.metric(
        "patroni_cluster_unlocked",
        "Value is 1 if the cluster is unlocked, 0 if locked.",
        "gauge",
        flag(status.containsKey("cluster_unlocked")));
    o.metric(
        "patroni_failsafe_mode_is_active",
        "Value is 1 if failsafe mode is active, 0 if inactive.",
        "gauge",
        flag(s.failsafeActive()));
    o.metric(
        "patroni_failsafe_mode_enabled",
        "Value is 1 if failsafe mode is enabled, 0 if disabled.",
        "gauge",
        flag(s.config() != null && s.config().failsafeMode()));
    o.metric(
        "patroni_failsafe_member",
        "Value is 1 if this node is a member of the failsafe topology, 0 otherwise.",
        "gauge",
        flag(
            s.cluster() != null
                && s.cluster().failsafe() != null
                && s.cluster().failsafe().containsKey(s.name())));
    o.metric(
        "patroni_postgres_timeline",
        "Postgres timeline of this node (if running), 0 otherwise.",
        "counter",
        num(up && pg.timeline() != null ? pg.timeline().longValue() : null));
    o.metric(
        "patroni_dcs_last_seen",
        "Epoch timestamp when DCS was last contacted successfully by Patroni.",
        "gauge",
        Long.toString(s.dcsLastSeenEpoch()));
    o.metric(
        "patroni_pending_restart",
        "Value is 1 if the node needs a restart, 0 otherwise.",
        "gauge",
        flag(status.containsKey("pending_restart")));
    o.metric(
        "patroni_is_paused",
        "Value is 1 if auto failover is disabled, 0 otherwise.",
        "gauge",
        flag(s.paused()));
    o.help("patroni_postgres_state", "Numeric representation of Postgres state.");
    StringBuilder values = new StringBuilder("# Values: ");
    for (int i = 0; i < STATE_NAMES.size(); i++) {
      values.append(i == 0 ? "" : ", ").append(i).append('=').append(STATE_NAMES.get(i));
    }
    o.line(values.toString());
    o.type("patroni_postgres_state", "gauge");
    o.sample("patroni_postgres_state", Integer.toString(STATES.indexOf(status.get("state"))));
    o.metric(
        "patroni_failover_priority",
        "Failover priority of this node, 0 if the node is not a failover candidate.",
        "gauge",
        Integer.toString(new Tags(s.tags() == null ? Map.of() : s.tags()).failoverPriority()));
    return o.text();
  }

  /** {@code 4.1.4} → {@code 040104}. */
  static String paddedVersion(NodeSnapshot s) {
    StringBuilder b = new StringBuilder();
    for (String part : String.valueOf(s.version()).split("\\.")) {
      b.append(part.length() < 2 ? "0".repeat(2 - part.length()) + part : part);
    }
    return b.toString();
  }

  /** Python's {@code timedelta.total_seconds()} printed by str(): always a float. */
  static String epoch(Instant t) {
    long micros = t.getNano() / 1000;
    String frac = micros == 0 ? "0" : String.format("%06d", micros).replaceAll("0+$", "");
    return t.getEpochSecond() + "." + frac;
  }

  private static String flag(boolean b) {
    return b ? "1" : "0";
  }

  private static String num(Long v) {
    return v == null ? "0" : Long.toString(v);
  }

  /** Accumulates the exposition lines. */
  private static final class Out {
    private final String labels;
    private final StringBuilder text = new StringBuilder();

    Out(String labels) {
      this.labels = labels;
    }

    void metric(String name, String help, String type, String value) {
      help(name, help);
      type(name, type);
      sample(name, value);
    }

    void help(String name, String help) {
      line("# HELP " + name + " " + help);
    }

    void type(String name, String type) {
      line("# TYPE " + name + " " + type);
    }

    void sample(String name, String value) {
      line(name + labels + " " + value);
    }

    void line(String l) {
      text.append(l).append('\n');
    }

    String text() {
      return text.toString();
    }
  }
}
