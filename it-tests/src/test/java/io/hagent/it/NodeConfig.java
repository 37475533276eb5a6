package io.hagent.it;

import java.nio.file.Path;

/**
 * Everything that identifies one test node: its name, ports and paths. yaml() renders the
 * Patroni-format configuration file the agent is started with, laid out like the patroni.yml files
 * users keep (see Patroni's postgres0.yml).
 *
 * <p>restConnectPort and pgConnectPort are the ports other members are told to use (the
 * connect_address values); they differ from the listening ports only when a {@link TcpProxy} stands
 * in between, so a test can cut the node off like a network partition.
 */
public record NodeConfig(
    String scope,
    String name,
    Path dir,
    int restPort,
    int pgPort,
    String etcdHostPort,
    ClusterSpec spec,
    Credentials credentials,
    int restConnectPort,
    int pgConnectPort) {

  /** Other members reach this node directly on its listening ports. */
  public NodeConfig(
      String scope,
      String name,
      Path dir,
      int restPort,
      int pgPort,
      String etcdHostPort,
      ClusterSpec spec,
      Credentials credentials) {
    this(scope, name, dir, restPort, pgPort, etcdHostPort, spec, credentials, restPort, pgPort);
  }

  public static final String BIN_DIR =
      System.getProperty("it.pg.bindir", "/usr/lib/postgresql/15/bin");

  public Path dataDir() {
    return dir.resolve("data");
  }

  public Path configFile() {
    return dir.resolve(name + ".yml");
  }

  public Path log() {
    return dir.resolve(name + ".log");
  }

  public String yaml() {
    ClusterTls tls = spec.tls();
    String sync = spec.syncCommitToAnyStandby() ? "        synchronous_standby_names: '*'\n" : "";
    return """
        scope: %1$s
        namespace: /service/
        name: %2$s

        restapi:
          listen: 127.0.0.1:%3$d
          connect_address: 127.0.0.1:%29$d
        %20$s
        etcd3:
          hosts:
          - %4$s
        %21$s

        bootstrap:
          dcs:
            ttl: %5$d
            loop_wait: %6$d
            retry_timeout: %7$d
            maximum_lag_on_failover: 1048576
        %28$s
            postgresql:
              use_pg_rewind: true
              use_slots: true
              parameters:
                wal_level: replica
                hot_standby: 'on'
                wal_log_hints: 'on'
                max_connections: 100
                max_wal_senders: 10
                max_replication_slots: 10
                wal_keep_size: 128MB
        %8$s
          initdb:
          - encoding: UTF8
          - data-checksums

        postgresql:
          listen: 127.0.0.1:%9$d
          connect_address: 127.0.0.1:%30$d
          data_dir: %10$s
          bin_dir: %11$s
          pgpass: %12$s
          authentication:
            superuser:
              username: %13$s
              password: %14$s
        %23$s
            replication:
              username: %15$s
              password: %16$s
        %24$s
            rewind:
              username: %17$s
              password: %18$s
        %25$s
          parameters:
            unix_socket_directories: '%19$s'
        %22$s
          pg_hba:
          # the unix socket lives in this node's private directory (mode 0700)
          - local all all trust
        %26$s

        tags:
          nofailover: false
          noloadbalance: false
          clonefrom: false
          nosync: false
        %27$s
        """
        .formatted(
            scope,
            name,
            restPort,
            etcdHostPort,
            spec.ttl(),
            spec.loopWait(),
            spec.retryTimeout(),
            sync.stripTrailing(),
            pgPort,
            dataDir(),
            spec.binDir() == null ? BIN_DIR : spec.binDir(),
            dir.resolve("pgpass"),
            Credentials.SUPERUSER,
            credentials.superuserPassword(),
            Credentials.REPLICATION,
            credentials.replicationPassword(),
            Credentials.REWIND,
            credentials.rewindPassword(),
            dir,
            spec.restapi().yamlLines(),
            tls == null ? "" : tls.etcdYaml(),
            tls == null ? "" : tls.serverParametersYaml(),
            tls == null ? "" : tls.superuserYaml(),
            tls == null ? "" : tls.replicationYaml(),
            tls == null ? "" : tls.rewindYaml(),
            hbaLines(tls != null),
            tls == null ? "" : tls.ctlYaml(),
            dcsLines(spec.bootstrapDcsYaml()),
            restConnectPort,
            pgConnectPort);
  }

  /** The spec's extra bootstrap.dcs lines, indented under dcs (4 spaces, as the text block). */
  private static String dcsLines(String yaml) {
    if (yaml == null || yaml.isBlank()) {
      return "";
    }
    return yaml.strip()
        .lines()
        .map(l -> "    " + l)
        .collect(java.util.stream.Collectors.joining("\n"));
  }

  /**
   * TCP logins: with a password; with TLS everywhere, only over TLS and with a client certificate
   * signed by the test CA (clientcert=verify-ca), so a connection without one is refused.
   */
  private static String hbaLines(boolean tls) {
    String type = tls ? "hostssl" : "host";
    String opts = tls ? " clientcert=verify-ca" : "";
    return "  - "
        + type
        + " replication "
        + Credentials.REPLICATION
        + " 127.0.0.1/32 scram-sha-256"
        + opts
        + "\n"
        + "  - "
        + type
        + " all all 127.0.0.1/32 scram-sha-256"
        + opts
        + "\n";
  }
}
