package io.hagent.it.chaos;

import io.hagent.it.Credentials;

/**
 * The configuration file of one chaos node, written the way users write patroni.yml: member names
 * as addresses (the container network resolves them), the three etcd members listed, Patroni's
 * default timings unless the run says otherwise. Debian's Patroni 3.0.2 runs with exactly this;
 * hagent with this plus its own additions ({@link AgentYaml}), so both describe the same cluster.
 */
final class PatroniYaml {
  private PatroniYaml() {}

  static String render(String name, ChaosCluster.Timings t, ChaosCluster.Mode mode, Credentials c) {
    return """
        scope: chaos
        namespace: /service/
        name: %1$s

        restapi:
          listen: 0.0.0.0:8008
          connect_address: %1$s:8008

        etcd3:
          hosts:
          - etcd1:2379
          - etcd2:2379
          - etcd3:2379

        bootstrap:
          dcs:
            ttl: %2$d
            loop_wait: %3$d
            retry_timeout: %4$d
            maximum_lag_on_failover: 1048576
            synchronous_mode: %12$s
            synchronous_mode_strict: %13$s
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
          initdb:
          - encoding: UTF8
          - data-checksums

        postgresql:
          listen: 0.0.0.0:5432
          connect_address: %1$s:5432
          data_dir: %5$s
          bin_dir: /usr/lib/postgresql/15/bin
          pgpass: /var/lib/hagent/pgpass
          authentication:
            superuser:
              username: %6$s
              password: %7$s
            replication:
              username: %8$s
              password: %9$s
            rewind:
              username: %10$s
              password: %11$s
          parameters:
            unix_socket_directories: '/var/lib/hagent'
          pg_hba:
          - local all all trust
          - host replication %8$s 0.0.0.0/0 scram-sha-256
          - host all all 0.0.0.0/0 scram-sha-256

        tags:
          nofailover: false
          noloadbalance: false
          clonefrom: false
          nosync: false
        """
        .formatted(
            name,
            t.ttl(),
            t.loopWait(),
            t.retryTimeout(),
            ChaosNode.DATA_DIR,
            Credentials.SUPERUSER,
            c.superuserPassword(),
            Credentials.REPLICATION,
            c.replicationPassword(),
            Credentials.REWIND,
            c.rewindPassword(),
            mode != ChaosCluster.Mode.ASYNC,
            mode == ChaosCluster.Mode.STRICT);
  }
}
