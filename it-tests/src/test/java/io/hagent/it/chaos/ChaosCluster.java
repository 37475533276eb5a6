package io.hagent.it.chaos;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import io.hagent.it.Credentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The chaos suite's cluster in containers: three etcd members, three database hosts (each running
 * the agent of this build, or Debian's Patroni for {@link ChaosAgent#PATRONI}, which runs
 * PostgreSQL 15) and HAProxy, on a network of their own where every member has its own address and
 * name. Images come from scripts/chaos-images (no registry is reachable); containers and the
 * network are named hagent-chaos-*, and close() removes exactly the ones this instance created.
 */
public final class ChaosCluster implements AutoCloseable {
  public static final String NODE_IMAGE = "hagent-chaos-node:latest";
  public static final String ETCD_IMAGE = "hagent-chaos-etcd:latest";
  public static final String HAPROXY_IMAGE = "hagent-chaos-haproxy:latest";
  static final int HAPROXY_PRIMARY_PORT = 5000;

  /** bootstrap.dcs timings; Patroni's defaults unless the caller says otherwise. */
  public record Timings(int ttl, int loopWait, int retryTimeout) {
    public static Timings fromSystemProperties() {
      return new Timings(
          Integer.getInteger("chaos.ttl", 30),
          Integer.getInteger("chaos.loopWait", 10),
          Integer.getInteger("chaos.retryTimeout", 10));
    }
  }

  /**
   * The replication mode of bootstrap.dcs: what the cluster promises about acknowledged commits.
   */
  public enum Mode {
    /** Asynchronous replication (Patroni's default): a failover may lose recent commits. */
    ASYNC("async"),
    /** synchronous_mode: one synchronous standby while there is one. */
    SYNC("sync"),
    /** synchronous_mode_strict: no commit is acknowledged without a synchronous standby. */
    STRICT("strict");

    private final String label;

    Mode(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    public static Mode fromSystemProperties() {
      String v = System.getProperty("chaos.mode", "async");
      for (Mode m : values()) {
        if (m.label.equals(v)) {
          return m;
        }
      }
      throw new IllegalArgumentException("chaos.mode must be async, sync or strict, got " + v);
    }
  }

  /** The size of each node's tmpfs data volume when the cluster is built for the disk faults. */
  static final String SMALL_DISK = "size=512m";

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final Timings timings;
  private final Mode mode;
  private final boolean smallDisk;
  private final ChaosAgent agent;
  private final Credentials credentials = Credentials.random();
  private final Network network;
  private final List<GenericContainer<?>> etcd = new ArrayList<>();
  private final List<ChaosNode> nodes = new ArrayList<>();
  private GenericContainer<?> haproxy;

  /**
   * @param smallDisk each node's /var/lib/hagent (data directory, WAL) is a tmpfs of {@link
   *     #SMALL_DISK} that a fault can fill; it does not outlive a container restart, so the faults
   *     that restart a container run on the ordinary cluster
   */
  public ChaosCluster(Timings timings, Mode mode, boolean smallDisk) {
    this(timings, mode, smallDisk, ChaosAgent.HAGENT);
  }

  /**
   * @param agent what runs PostgreSQL on the database hosts (hagent of this build, or Patroni)
   */
  public ChaosCluster(Timings timings, Mode mode, boolean smallDisk, ChaosAgent agent) {
    this.timings = timings;
    this.mode = mode;
    this.smallDisk = smallDisk;
    this.agent = agent;
    this.network =
        Network.builder()
            .createNetworkCmdModifier(cmd -> cmd.withName("hagent-chaos-" + run))
            .build();
  }

  /** Fails with the command to run when an image is missing (a pull would hang: no registry). */
  public static void checkImages() {
    DockerClient docker = DockerClientFactory.instance().client();
    for (String image : List.of(NODE_IMAGE, ETCD_IMAGE, HAPROXY_IMAGE)) {
      try {
        docker.inspectImageCmd(image).exec();
      } catch (RuntimeException e) {
        throw new IllegalStateException(
            "image " + image + " is missing: run scripts/chaos-images as root first", e);
      }
    }
  }

  public ChaosCluster start(Path agentJar) {
    if (agent.needsJar() && !Files.isRegularFile(agentJar)) {
      throw new IllegalStateException(
          agentJar + " is missing: run scripts/mvn -DskipTests package");
    }
    checkImages();
    String initialCluster =
        IntStream.rangeClosed(1, 3)
            .mapToObj(i -> "etcd" + i + "=http://etcd" + i + ":2380")
            .collect(Collectors.joining(","));
    for (int i = 1; i <= 3; i++) {
      String name = "etcd" + i;
      etcd.add(
          named(new GenericContainer<>(DockerImageName.parse(ETCD_IMAGE)), name)
              .withCommand(
                  "--name",
                  name,
                  "--data-dir",
                  "/tmp/etcd-data",
                  "--listen-client-urls",
                  "http://0.0.0.0:2379",
                  "--advertise-client-urls",
                  "http://" + name + ":2379",
                  "--listen-peer-urls",
                  "http://0.0.0.0:2380",
                  "--initial-advertise-peer-urls",
                  "http://" + name + ":2380",
                  "--initial-cluster",
                  initialCluster,
                  "--initial-cluster-token",
                  "hagent-chaos-" + run,
                  "--initial-cluster-state",
                  "new")
              .withExposedPorts(2379)
              .waitingFor(Wait.forListeningPorts(2379).withStartupTimeout(Duration.ofSeconds(60))));
    }
    Startables.deepStart(etcd).join();
    for (int i = 1; i <= 3; i++) {
      String name = "node" + i;
      GenericContainer<?> c =
          named(new GenericContainer<>(DockerImageName.parse(NODE_IMAGE)), name)
              .withCopyToContainer(
                  Transferable.of(agent.configYaml(name, timings, mode, credentials), 0644),
                  ChaosAgent.CONFIG_PATH)
              .withEnv("RESTART_SEC", System.getProperty("chaos.restartSec", "5"))
              .withExposedPorts(ChaosNode.PG_PORT, ChaosNode.REST_PORT)
              .waitingFor(
                  Wait.forListeningPorts(ChaosNode.REST_PORT)
                      .withStartupTimeout(Duration.ofSeconds(90)));
      if (agent.needsJar()) {
        c.withCopyFileToContainer(
            MountableFile.forHostPath(agentJar, 0644), "/opt/hagent/hagent.jar");
      }
      agent.command().ifPresent(cmd -> c.withEnv("AGENT_CMD", cmd));
      c.withCreateContainerCmdModifier(
          cmd -> {
            cmd.withName("hagent-chaos-" + run + "-" + name).withHostName(name);
            // iptables inside the container: the partition nemeses
            cmd.getHostConfig().withCapAdd(Capability.NET_ADMIN);
            if (smallDisk) {
              cmd.getHostConfig().withTmpFs(Map.of("/var/lib/hagent", SMALL_DISK));
              // a tmpfs is mounted root-owned (docker 20.10 ignores mode=): hand it to postgres
              // before the image's entrypoint starts the agent
              cmd.withEntrypoint(
                  "bash",
                  "-c",
                  "chown postgres: /var/lib/hagent && exec /usr/bin/tini -s --"
                      + " /usr/local/bin/supervise");
            }
          });
      nodes.add(new ChaosNode(name, c, credentials));
    }
    Startables.deepStart(nodes.stream().map(ChaosNode::container).toList()).join();
    haproxy =
        named(new GenericContainer<>(DockerImageName.parse(HAPROXY_IMAGE)), "haproxy")
            .withCopyToContainer(Transferable.of(haproxyConfig(), 0644), "/etc/haproxy/haproxy.cfg")
            .withExposedPorts(HAPROXY_PRIMARY_PORT)
            .waitingFor(Wait.forListeningPorts(HAPROXY_PRIMARY_PORT));
    haproxy.start();
    return this;
  }

  private GenericContainer<?> named(GenericContainer<?> c, String name) {
    return c.withNetwork(network)
        .withNetworkAliases(name)
        .withCreateContainerCmdModifier(
            cmd -> cmd.withName("hagent-chaos-" + run + "-" + name).withHostName(name));
  }

  /** Patroni's sample haproxy.cfg: the primary is whoever answers OPTIONS /primary with 200. */
  private String haproxyConfig() {
    StringBuilder servers = new StringBuilder();
    for (int i = 1; i <= 3; i++) {
      servers.append("    server node%d node%d:5432 maxconn 100 check port 8008\n".formatted(i, i));
    }
    return """
        global
            maxconn 300

        defaults
            mode tcp
            retries 2
            timeout client 30m
            timeout connect 4s
            timeout server 30m
            timeout check 5s

        listen primary
            bind *:%d
            option httpchk OPTIONS /primary
            http-check expect status 200
            default-server inter 3s fall 3 rise 2 on-marked-down shutdown-sessions
        %s"""
        .formatted(HAPROXY_PRIMARY_PORT, servers);
  }

  public List<ChaosNode> nodes() {
    return List.copyOf(nodes);
  }

  public List<GenericContainer<?>> etcdMembers() {
    return List.copyOf(etcd);
  }

  public Timings timings() {
    return timings;
  }

  public Mode mode() {
    return mode;
  }

  public ChaosAgent agent() {
    return agent;
  }

  public boolean smallDisk() {
    return smallDisk;
  }

  public String haproxyJdbcUrl() {
    return "jdbc:postgresql://"
        + haproxy.getHost()
        + ":"
        + haproxy.getMappedPort(HAPROXY_PRIMARY_PORT)
        + "/postgres";
  }

  /** A container's address on the cluster network. */
  public String ipOf(GenericContainer<?> c) {
    return c.getContainerInfo().getNetworkSettings().getNetworks().values().stream()
        .findFirst()
        .orElseThrow()
        .getIpAddress();
  }

  /** The etcd members' addresses. */
  public List<String> etcdAddresses() {
    return etcd.stream().map(this::ipOf).toList();
  }

  /** The other database nodes' addresses. */
  public List<String> nodeAddressesExcept(ChaosNode node) {
    return nodes.stream().filter(n -> n != node).map(n -> ipOf(n.container())).toList();
  }

  /** Every other member's address: what a partition of {@code node} from everything cuts. */
  public List<String> addressesExcept(ChaosNode node) {
    List<String> ips = new ArrayList<>();
    etcd.forEach(c -> ips.add(ipOf(c)));
    nodes.stream().filter(n -> n != node).forEach(n -> ips.add(ipOf(n.container())));
    ips.add(ipOf(haproxy));
    return ips;
  }

  public DockerClient docker() {
    return DockerClientFactory.instance().client();
  }

  /** Every node's container output (supervisor, agent) and PostgreSQL log to target/chaos-logs/. */
  public void saveLogs(String prefix) {
    Path dir = Path.of("target", "chaos-logs");
    // the agent's name first: a Patroni run does not overwrite a hagent run's logs
    String file = agent.label() + "-" + prefix + "-";
    for (ChaosNode n : nodes) {
      try {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(file + n.name() + ".log"), n.container().getLogs());
        // PostgreSQL's own log, where the agent of this build sends it (stderr of the postmaster);
        // Patroni leaves the postmaster's stderr on its own, so there it is in the container output
        Files.writeString(
            dir.resolve(file + n.name() + "-postgres.log"),
            n.sh("tail -c 300000 /var/lib/hagent/data.log 2>/dev/null || true"));
      } catch (IOException | RuntimeException e) {
        System.err.println("chaos: could not save the logs of " + n.name() + ": " + e);
      }
    }
  }

  /** Stops and removes every container this cluster started (by ID), then its network. */
  @Override
  public void close() {
    List<GenericContainer<?>> all = new ArrayList<>();
    if (haproxy != null) {
      all.add(haproxy);
    }
    nodes.forEach(n -> all.add(n.container()));
    all.addAll(etcd);
    for (GenericContainer<?> c : all) {
      try {
        String id = c.getContainerId();
        if (id != null) {
          // a paused container cannot be stopped: unpause first (the pause nemesis may have failed)
          try {
            docker().unpauseContainerCmd(id).exec();
          } catch (RuntimeException notPaused) {
            // the usual case
          }
        }
        c.stop();
      } catch (RuntimeException e) {
        System.err.println("chaos: could not remove " + c.getContainerName() + ": " + e);
      }
    }
    try {
      network.close();
    } catch (RuntimeException e) {
      System.err.println("chaos: could not remove network hagent-chaos-" + run + ": " + e);
    }
  }
}
