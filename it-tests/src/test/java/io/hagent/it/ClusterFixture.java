package io.hagent.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A whole test cluster under one temp dir: etcd, N agent nodes and optionally HAProxy. close()
 * kills everything it started, by PID, including postmasters the agents launched; a JVM shutdown
 * hook does the same as a last resort.
 */
public final class ClusterFixture implements AutoCloseable {
  private final ClusterSpec spec;
  private final Path baseDir;
  private final String scope;
  private final Credentials credentials = Credentials.random();
  private final EtcdProcess etcd;
  private final List<EtcdProcess> etcdMembers;
  private final List<AgentNode> nodes = new ArrayList<>();
  private final Map<String, NodeLinks> links = new java.util.HashMap<>();
  private HaproxyProcess haproxy;
  private boolean closed;

  private ClusterFixture(ClusterSpec spec, Path baseDir) {
    this.spec = spec;
    this.baseDir = baseDir;
    this.scope = "it" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    if (spec.etcdMembers() > 1) {
      this.etcdMembers = EtcdProcess.cluster(baseDir.resolve("etcd"), spec.etcdMembers());
      this.etcd = etcdMembers.get(0);
    } else {
      this.etcd =
          new EtcdProcess(baseDir.resolve("etcd"), spec.tls() == null ? null : spec.tls().certs());
      this.etcdMembers = List.of(etcd);
    }
  }

  /** Starts etcd, all agents at once (they race for the initialize key) and HAProxy if wanted. */
  public static ClusterFixture start(ClusterSpec spec) {
    return start(spec, name -> Map.of());
  }

  /** As {@link #start(ClusterSpec)}, with extra environment variables per node name. */
  public static ClusterFixture start(
      ClusterSpec spec, java.util.function.Function<String, Map<String, String>> envOf) {
    return start(spec, envOf, (name, yaml) -> yaml, false);
  }

  /**
   * As {@link #start(ClusterSpec, java.util.function.Function)}, with each node's YAML passed
   * through {@code editYaml} (node name, YAML) before its first start, e.g. to add callbacks.
   */
  public static ClusterFixture start(
      ClusterSpec spec,
      java.util.function.Function<String, Map<String, String>> envOf,
      java.util.function.BinaryOperator<String> editYaml) {
    return start(spec, envOf, editYaml, false);
  }

  /**
   * As {@link #start(ClusterSpec)}, with every node's network links running through {@link
   * TcpProxy}s (its agent to etcd; the other members to its PostgreSQL and REST API), so {@link
   * #partition(AgentNode)} can cut it off. Tests and HAProxy still reach every node directly.
   */
  public static ClusterFixture startPartitionable(ClusterSpec spec) {
    return start(spec, name -> Map.of(), (name, yaml) -> yaml, true);
  }

  private static ClusterFixture start(
      ClusterSpec spec,
      java.util.function.Function<String, Map<String, String>> envOf,
      java.util.function.BinaryOperator<String> editYaml,
      boolean partitionable) {
    Path base;
    try {
      base = Files.createTempDirectory("hagent-it-");
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a temp dir", e);
    }
    ClusterFixture cluster = new ClusterFixture(spec, base);
    ProcessReaper.registerCleanup(cluster::killPostmasters);
    try {
      if (cluster.etcdMembers.size() > 1) {
        EtcdProcess.startAll(cluster.etcdMembers);
      } else {
        cluster.etcd.start();
      }
      // every agent knows every etcd member, as a production config lists them all
      String etcdHosts =
          String.join("\n  - ", cluster.etcdMembers.stream().map(EtcdProcess::hostPort).toList());
      Path jar = agentJar();
      for (int i = 1; i <= spec.nodes(); i++) {
        String name = "node" + i;
        int restPort = Ports.free();
        int pgPort = Ports.free();
        NodeConfig cfg;
        if (partitionable) {
          if (cluster.etcdMembers.size() > 1) {
            throw new IllegalArgumentException("a partitionable cluster has a single etcd member");
          }
          NodeLinks l =
              new NodeLinks(
                  new TcpProxy(name + "-etcd", cluster.etcd.clientPort()),
                  new TcpProxy(name + "-pg", pgPort),
                  new TcpProxy(name + "-rest", restPort));
          cluster.links.put(name, l);
          cfg =
              new NodeConfig(
                  cluster.scope,
                  name,
                  base.resolve(name),
                  restPort,
                  pgPort,
                  l.etcd().hostPort(),
                  spec,
                  cluster.credentials,
                  l.rest().port(),
                  l.pg().port());
        } else {
          cfg =
              new NodeConfig(
                  cluster.scope,
                  name,
                  base.resolve(name),
                  restPort,
                  pgPort,
                  etcdHosts,
                  spec,
                  cluster.credentials);
        }
        writeYaml(cfg, editYaml.apply(name, cfg.yaml()));
        cluster.nodes.add(new AgentNode(cfg, jar, envOf.apply(name)));
      }
      cluster.nodes.forEach(AgentNode::start);
      if (spec.haproxy()) {
        cluster.haproxy =
            new HaproxyProcess(base.resolve("haproxy"))
                .start(
                    cluster.nodes.stream()
                        .map(
                            n ->
                                new HaproxyProcess.Backend(
                                    n.name(), n.config().pgPort(), n.config().restPort()))
                        .toList(),
                    HaproxyProcess.CheckTimings.fast());
      }
      return cluster;
    } catch (RuntimeException | Error e) {
      System.err.println(cluster.logTails(60));
      cluster.close();
      throw e;
    }
  }

  /**
   * Adds a node to the running cluster (named node{N+1}), its YAML passed through {@code editYaml}
   * first, and starts its agent; close() stops it with the others. For a member that joins later,
   * e.g. a replica built from a backup taken after the cluster started. Not for partitionable
   * clusters.
   */
  public synchronized AgentNode addNode(
      java.util.function.BinaryOperator<String> editYaml,
      java.util.function.Function<String, Map<String, String>> envOf) {
    if (!links.isEmpty()) {
      throw new IllegalStateException("addNode is not for partitionable clusters");
    }
    String name = "node" + (nodes.size() + 1);
    String etcdHosts =
        String.join("\n  - ", etcdMembers.stream().map(EtcdProcess::hostPort).toList());
    NodeConfig cfg =
        new NodeConfig(
            scope,
            name,
            baseDir.resolve(name),
            Ports.free(),
            Ports.free(),
            etcdHosts,
            spec,
            credentials);
    writeYaml(cfg, editYaml.apply(name, cfg.yaml()));
    AgentNode node = new AgentNode(cfg, agentJar(), envOf.apply(name));
    nodes.add(node);
    return node.start();
  }

  /** Writes the node's config file as AgentNode.start would (which keeps an existing one). */
  private static void writeYaml(NodeConfig cfg, String yaml) {
    try {
      Files.createDirectories(
          cfg.dir(),
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
      Files.writeString(cfg.configFile(), yaml);
      Files.setPosixFilePermissions(
          cfg.configFile(), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static Path agentJar() {
    return Path.of(System.getProperty("hagent.jar", "../agent/target/hagent.jar"))
        .toAbsolutePath()
        .normalize();
  }

  public ClusterSpec spec() {
    return spec;
  }

  public String scope() {
    return scope;
  }

  public String dcsPrefix() {
    return "/service/" + scope + "/";
  }

  /** The etcd (the first member when etcd runs as a cluster). */
  public EtcdProcess etcd() {
    return etcd;
  }

  /** Every etcd member (just {@link #etcd()} unless the spec asks for more). */
  public List<EtcdProcess> etcdMembers() {
    return etcdMembers;
  }

  public Optional<HaproxyProcess> haproxy() {
    return Optional.ofNullable(haproxy);
  }

  public List<AgentNode> nodes() {
    return List.copyOf(nodes);
  }

  public AgentNode node(String name) {
    return nodes.stream()
        .filter(n -> n.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no node named " + name));
  }

  public Path baseDir() {
    return baseDir;
  }

  public Credentials credentials() {
    return credentials;
  }

  /** A node's proxied links: its agent to etcd, the others to its PostgreSQL and REST API. */
  public record NodeLinks(TcpProxy etcd, TcpProxy pg, TcpProxy rest) {
    void cut() {
      etcd.cut();
      pg.cut();
      rest.cut();
    }

    void heal() {
      etcd.heal();
      pg.heal();
      rest.heal();
    }

    void close() {
      etcd.close();
      pg.close();
      rest.close();
    }
  }

  /**
   * Cuts the node off like a network partition: its agent no longer reaches etcd, the other members
   * no longer reach its PostgreSQL or REST API. Only for {@link #startPartitionable} clusters. Not
   * cut: the node's own calls to the other members' REST APIs (Patroni uses those only in failsafe
   * mode) and the test's and HAProxy's direct connections.
   */
  public void partition(AgentNode node) {
    linksOf(node).cut();
  }

  /**
   * Cuts the node's PostgreSQL and REST API off from the other members, dropping their open
   * connections (the replicas' WAL streams break at once), while its agent still reaches etcd: a
   * partition between the leader and its replicas only. Only for {@link #startPartitionable}
   * clusters; {@link #heal(AgentNode)} ends it.
   */
  public void cutFromMembers(AgentNode node) {
    NodeLinks l = linksOf(node);
    l.pg().cutAndDrop();
    l.rest().cutAndDrop();
  }

  /** Ends the node's partition; its connections made before are dropped. */
  public void heal(AgentNode node) {
    linksOf(node).heal();
  }

  private NodeLinks linksOf(AgentNode node) {
    NodeLinks l = links.get(node.name());
    if (l == null) {
      throw new IllegalStateException(
          "the cluster was not started with startPartitionable: cannot cut " + node.name());
    }
    return l;
  }

  /** The member name stored in the DCS leader key, if any. */
  public Optional<String> leaderName() {
    return leaderSource != null ? leaderSource.get() : kv().get(dcsPrefix() + "leader");
  }

  /** Where {@link #leaderName()} reads when the agents run on another store (ZooKeeper). */
  private volatile java.util.function.Supplier<Optional<String>> leaderSource;

  public void useLeaderSource(java.util.function.Supplier<Optional<String>> source) {
    this.leaderSource = source;
  }

  /** A client of an etcd member that is not frozen (with one member: that member). */
  public EtcdKv kv() {
    return etcdMembers.stream()
        .filter(m -> m.isRunning() && !m.isFrozen())
        .findFirst()
        .orElse(etcd)
        .kv();
  }

  /** Nodes whose GET /patroni says role primary, state running. */
  public List<AgentNode> primaries() {
    return nodes.stream().filter(n -> n.reportsRole("primary")).toList();
  }

  /** Nodes whose GET /patroni says role replica, state running. */
  public List<AgentNode> replicas() {
    return nodes.stream().filter(n -> n.reportsRole("replica")).toList();
  }

  /** Member keys (members/<name>) currently in etcd, by name. */
  public Map<String, String> members() {
    String p = dcsPrefix() + "members/";
    return kv().getPrefix(p).entrySet().stream()
        .collect(
            Collectors.toMap(
                e -> e.getKey().substring(p.length()),
                Map.Entry::getValue,
                (a, b) -> b,
                java.util.TreeMap::new));
  }

  /** Waits until exactly one node reports primary and the DCS leader key names it; returns it. */
  public AgentNode waitForLeader(Duration timeout) {
    return Wait.forValue(
        "exactly one primary holding the leader key",
        timeout,
        () -> {
          nodes.forEach(AgentNode::assertNotDied);
          List<AgentNode> primaries = primaries();
          if (primaries.size() != 1) {
            return Optional.empty();
          }
          AgentNode p = primaries.get(0);
          return leaderName().filter(p.name()::equals).map(n -> p);
        });
  }

  /** Waits until the node's PostgreSQL has a WAL receiver in state streaming. */
  public void waitStreaming(AgentNode replica, Duration timeout) {
    Wait.until(
        replica.name() + " to stream from the primary",
        timeout,
        () -> {
          replica.assertNotDied();
          return "streaming".equals(walReceiverStatus(replica).orElse(""));
        });
  }

  public Optional<String> walReceiverStatus(AgentNode node) {
    try (Connection c = node.connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT status FROM pg_stat_wal_receiver")) {
      return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
    } catch (SQLException e) {
      return Optional.empty();
    }
  }

  /**
   * Waits for one primary and every node with a running agent streaming from it, as PostgreSQL
   * (pg_stat_wal_receiver) and the agent (/patroni replication_state) both say; returns the leader.
   */
  public AgentNode waitForHealthyCluster(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    AgentNode leader = waitForLeader(timeout);
    for (AgentNode n : nodes) {
      if (n != leader && n.isAgentRunning()) {
        Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
        waitStreaming(n, left);
        Wait.until(
            n.name() + " to report replication_state streaming in /patroni",
            Duration.ofNanos(Math.max(1, deadline - System.nanoTime())),
            () ->
                n.status()
                    .map(s -> "streaming".equals(s.path("replication_state").asText()))
                    .orElse(false));
      }
    }
    return leader;
  }

  /** JDBC URL listing every node; the driver picks the one that is primary (rechecked each s). */
  public String multiHostPrimaryUrl() {
    return "jdbc:postgresql://"
        + nodes.stream()
            .map(n -> "127.0.0.1:" + n.config().pgPort())
            .collect(Collectors.joining(","))
        + "/postgres?targetServerType=primary&hostRecheckSeconds=1";
  }

  public String haproxyPrimaryUrl() {
    return "jdbc:postgresql://127.0.0.1:" + haproxy().orElseThrow().primaryPort() + "/postgres";
  }

  public Properties connectionProperties() {
    Properties p = AgentNode.connectionProperties(credentials);
    if (spec.tls() != null) {
      spec.tls().addJdbcTls(p);
    }
    return p;
  }

  /** Log tails of every process, for failure reports. */
  public String logTails(int lines) {
    StringBuilder sb =
        new StringBuilder("===== cluster " + scope + " under " + baseDir + " =====\n");
    for (AgentNode n : nodes) {
      sb.append("----- ").append(n).append(" log tail -----\n");
      sb.append(ChildProcess.tail(n.log(), lines));
      Path pgLogDir = n.config().dataDir().resolve("log");
      sb.append("----- ").append(n.name()).append(" postgres log tail -----\n");
      sb.append(latestFileTail(pgLogDir, lines / 2));
    }
    sb.append("----- etcd log tail -----\n").append(ChildProcess.tail(etcd.log(), lines / 3));
    if (haproxy != null) {
      sb.append("----- haproxy log tail -----\n").append(ChildProcess.tail(haproxy.log(), 20));
    }
    return sb.toString();
  }

  private static String latestFileTail(Path dir, int lines) {
    if (!Files.isDirectory(dir)) {
      return "(no " + dir + ")\n";
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .max(Comparator.comparing(p -> p.toFile().lastModified()))
          .map(p -> ChildProcess.tail(p, lines))
          .orElse("(empty " + dir + ")\n");
    } catch (IOException e) {
      return "(cannot list " + dir + ")\n";
    }
  }

  private void killPostmasters() {
    nodes.forEach(AgentNode::killPostmaster);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (AgentNode n : nodes) {
      n.killAgent();
    }
    killPostmasters();
    if (haproxy != null) {
      haproxy.close();
    }
    links.values().forEach(NodeLinks::close);
    etcdMembers.forEach(EtcdProcess::close);
    if (!Boolean.getBoolean("it.keep")) {
      deleteRecursively(baseDir);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e.getMessage());
    }
  }
}
