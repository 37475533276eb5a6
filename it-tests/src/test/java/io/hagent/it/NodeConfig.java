package io.hagent.it;

import java.nio.file.Path;

/**
 * Everything that identifies one test node: its name, ports and paths. yaml() renders the
 * Patroni-format configuration file the agent is started with, laid out like the patroni.yml files
 * users keep (see Patroni's postgres0.yml).
 */
public record NodeConfig(
    String scope,
    String name,
    Path dir,
    int restPort,
    int pgPort,
    String etcdHostPort,
    ClusterSpec spec,
    Credentials credentials) {

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
    String sync = spec.syncCommitToAnyStandby() ? "        synchronous_standby_names: '*'\n" : "";
    return """
        scope: %1$s
        namespace: /service/
        name: %2$s

        restapi:
          listen: 127.0.0.1:%3$d
          connect_address: 127.0.0.1:%3$d
        %20$s
        etcd3:
          hosts:
          - %4$s

        bootstrap:
          dcs:
            ttl: %5$d
            loop_wait: %6$d
            retry_timeout: %7$d
            maximum_lag_on_failover: 1048576
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
          connect_address: 127.0.0.1:%9$d
          data_dir: %10$s
          bin_dir: %11$s
          pgpass: %12$s
          authentication:
            superuser:
              username: %13$s
              password: %14$s
            replication:
              username: %15$s
              password: %16$s
            rewind:
              username: %17$s
              password: %18$s
          parameters:
            unix_socket_directories: '%19$s'
          pg_hba:
          # the unix socket lives in this node's private directory (mode 0700)
          - local all all trust
          - host replication %15$s 127.0.0.1/32 scram-sha-256
          - host all all 127.0.0.1/32 scram-sha-256

        tags:
          nofailover: false
          noloadbalance: false
          clonefrom: false
          nosync: false
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
            spec.restapi().yamlLines());
  }
}
