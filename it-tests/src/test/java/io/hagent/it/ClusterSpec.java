package io.hagent.it;

/**
 * What a test cluster looks like: node count, HAProxy or not, and the dynamic-config timings
 * written to bootstrap.dcs (Patroni's rule loop_wait + 2*retry_timeout <= ttl must hold).
 *
 * <p>syncCommitToAnyStandby sets synchronous_standby_names='*': a commit is acknowledged only once
 * a standby has it. With plain asynchronous replication, a crash of the primary may legitimately
 * lose its last acknowledged commits (Patroni bounds that loss by maximum_lag_on_failover, it does
 * not prevent it), so "no acknowledged write lost" can only be asserted with this on.
 */
public record ClusterSpec(
    int nodes,
    boolean haproxy,
    int ttl,
    int loopWait,
    int retryTimeout,
    boolean syncCommitToAnyStandby,
    RestApiSecurity restapi,
    String binDir,
    ClusterTls tls,
    String bootstrapDcsYaml,
    int etcdMembers) {

  /** Without extra bootstrap.dcs keys, with a single-member etcd. */
  public ClusterSpec(
      int nodes,
      boolean haproxy,
      int ttl,
      int loopWait,
      int retryTimeout,
      boolean syncCommitToAnyStandby,
      RestApiSecurity restapi,
      String binDir,
      ClusterTls tls) {
    this(
        nodes,
        haproxy,
        ttl,
        loopWait,
        retryTimeout,
        syncCommitToAnyStandby,
        restapi,
        binDir,
        tls,
        null,
        1);
  }

  /** Without TLS to PostgreSQL and etcd. */
  public ClusterSpec(
      int nodes,
      boolean haproxy,
      int ttl,
      int loopWait,
      int retryTimeout,
      boolean syncCommitToAnyStandby,
      RestApiSecurity restapi,
      String binDir) {
    this(
        nodes, haproxy, ttl, loopWait, retryTimeout, syncCommitToAnyStandby, restapi, binDir, null);
  }

  /** The same cluster without a bin_dir of its own (PostgreSQL's, see NodeConfig.BIN_DIR). */
  public ClusterSpec(
      int nodes,
      boolean haproxy,
      int ttl,
      int loopWait,
      int retryTimeout,
      boolean syncCommitToAnyStandby,
      RestApiSecurity restapi) {
    this(nodes, haproxy, ttl, loopWait, retryTimeout, syncCommitToAnyStandby, restapi, null);
  }

  public ClusterSpec {
    if (restapi == null) {
      throw new IllegalArgumentException("restapi security must not be null; use none()");
    }
    if (etcdMembers < 1) {
      throw new IllegalArgumentException("etcdMembers must be >= 1, got " + etcdMembers);
    }
    if (tls != null && etcdMembers > 1) {
      throw new IllegalArgumentException("a TLS etcd has one member only");
    }
    if (nodes < 1) {
      throw new IllegalArgumentException("nodes must be >= 1, got " + nodes);
    }
    if (loopWait + 2 * retryTimeout > ttl) {
      throw new IllegalArgumentException(
          "loop_wait + 2*retry_timeout must be <= ttl, got %d + 2*%d > %d"
              .formatted(loopWait, retryTimeout, ttl));
    }
  }

  /** Three nodes, fast timings (ttl 20 is Patroni's minimum). */
  public static ClusterSpec threeNodes() {
    return new ClusterSpec(3, false, 20, 2, 5, false, RestApiSecurity.none());
  }

  public ClusterSpec withHaproxy() {
    return new ClusterSpec(
        nodes,
        true,
        ttl,
        loopWait,
        retryTimeout,
        syncCommitToAnyStandby,
        restapi,
        binDir,
        tls,
        bootstrapDcsYaml,
        etcdMembers);
  }

  public ClusterSpec withSyncCommitToAnyStandby() {
    return new ClusterSpec(
        nodes,
        haproxy,
        ttl,
        loopWait,
        retryTimeout,
        true,
        restapi,
        binDir,
        tls,
        bootstrapDcsYaml,
        etcdMembers);
  }

  /** The same cluster with fewer (or more) nodes. */
  public ClusterSpec withNodes(int n) {
    return new ClusterSpec(
        n,
        haproxy,
        ttl,
        loopWait,
        retryTimeout,
        syncCommitToAnyStandby,
        restapi,
        binDir,
        tls,
        bootstrapDcsYaml,
        etcdMembers);
  }

  /** Every node gets these restapi authentication / TLS settings. */
  public ClusterSpec withRestApi(RestApiSecurity security) {
    return new ClusterSpec(
        nodes,
        haproxy,
        ttl,
        loopWait,
        retryTimeout,
        syncCommitToAnyStandby,
        security,
        binDir,
        tls,
        bootstrapDcsYaml,
        etcdMembers);
  }

  /** Every node runs PostgreSQL's tools from {@code dir} (e.g. a wrapper around pg_ctl). */
  public ClusterSpec withBinDir(String dir) {
    return new ClusterSpec(
        nodes,
        haproxy,
        ttl,
        loopWait,
        retryTimeout,
        syncCommitToAnyStandby,
        restapi,
        dir,
        tls,
        bootstrapDcsYaml,
        etcdMembers);
  }

  /**
   * TLS everywhere: PostgreSQL with client certificates, etcd with client-certificate auth, REST
   * with verify_client: required (see {@link ClusterTls}).
   */
  public ClusterSpec withTls(ClusterTls t) {
    return new ClusterSpec(
        nodes,
        haproxy,
        ttl,
        loopWait,
        retryTimeout,
        syncCommitToAnyStandby,
        RestApiSecurity.tls(t.certs(), "required"),
        binDir,
        t,
        bootstrapDcsYaml,
        etcdMembers);
  }

  /** etcd as a cluster of {@code n} members (every agent is given all their addresses). */
  public ClusterSpec withEtcdMembers(int n) {
    return new ClusterSpec(
        nodes,
        haproxy,
        ttl,
        loopWait,
        retryTimeout,
        syncCommitToAnyStandby,
        restapi,
        binDir,
        tls,
        bootstrapDcsYaml,
        n);
  }

  /**
   * Extra keys for bootstrap.dcs, written as a user writes them in patroni.yml, one "key: value"
   * per line without indentation (e.g. "synchronous_mode: true"); they become the cluster's initial
   * dynamic configuration.
   */
  public ClusterSpec withBootstrapDcs(String yamlLines) {
    return new ClusterSpec(
        nodes,
        haproxy,
        ttl,
        loopWait,
        retryTimeout,
        syncCommitToAnyStandby,
        restapi,
        binDir,
        tls,
        yamlLines,
        etcdMembers);
  }
}
