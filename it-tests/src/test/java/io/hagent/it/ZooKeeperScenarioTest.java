package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.common.dcs.ZooKeeperProcess;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/**
 * Three agents on a real ZooKeeper server (no etcd: the fixture's etcd is stopped before the agents
 * can bootstrap): bootstrap, replication, the Patroni node layout, {@code hactl list}, a kill -9
 * failover, a switchover through hactl, and a frozen ZooKeeper (SIGSTOP): the primary must stop
 * accepting writes before its session (ttl) can expire and another node could take the lock.
 */
class ZooKeeperScenarioTest {
  private static final Duration BOOTSTRAP = Duration.ofMinutes(3);
  private static final Duration HEAL = Duration.ofMinutes(2);

  @Test
  void clusterRunsOnZooKeeper() throws Exception {
    try (ZooKeeperProcess zk = new ZooKeeperProcess(2000)) {
      zk.start();
      ClusterFixture c =
          ClusterFixture.start(
              ClusterSpec.threeNodes(), name -> Map.of(), (name, yaml) -> onZooKeeper(yaml, zk));
      try (c;
          ZooKeeper raw = client(zk)) {
        c.etcd().stop(); // nothing may depend on it
        String base = "/service/" + c.scope();
        c.useLeaderSource(() -> read(raw, base + "/leader"));
        run(c, zk, raw, base);
      } catch (Throwable t) {
        System.err.println(c.logTails(80));
        throw t;
      }
    }
  }

  private void run(ClusterFixture c, ZooKeeperProcess zk, ZooKeeper raw, String base)
      throws Exception {
    Duration ttl = Duration.ofSeconds(c.spec().ttl());
    // bootstrap and replication
    AgentNode leader = c.waitForHealthyCluster(BOOTSTRAP);
    assertEquals(1, c.primaries().size());
    assertEquals(2, c.replicas().size());
    exec(leader, "CREATE TABLE zk_probe (v int); INSERT INTO zk_probe VALUES (1)");
    for (AgentNode r : c.replicas()) {
      Wait.until(r.name() + " to replay the write", HEAL, () -> count(r) == 1);
    }

    // the layout an operator's zkCli.sh ls shows under Patroni
    List<String> children = new ArrayList<>(raw.getChildren(base, false));
    children.sort(null);
    assertTrue(
        children.containsAll(List.of("config", "initialize", "leader", "members", "status")),
        children.toString());
    Stat leaderStat = new Stat();
    raw.getData(base + "/leader", false, leaderStat);
    assertNotEquals(0, leaderStat.getEphemeralOwner(), "leader is an ephemeral node");
    List<String> members = new ArrayList<>(raw.getChildren(base + "/members", false));
    members.sort(null);
    assertEquals(List.of("node1", "node2", "node3"), members);
    assertEquals(0, raw.exists(base + "/config", false).getEphemeralOwner());

    // hactl reads the cluster from ZooKeeper through the same config file
    String list = hactl(c, "list").out();
    for (AgentNode n : c.nodes()) {
      assertTrue(list.contains(n.name()), list);
    }
    assertTrue(list.contains("Leader"), list);
    // and through --dcs-url alone, which replaces the file's zookeeper section
    String byUrl = hactl(c, "--dcs-url", "zookeeper://" + zk.hostPort() + "/service", "list").out();
    for (AgentNode n : c.nodes()) {
      assertTrue(byUrl.contains(n.name()), byUrl);
    }

    // kill -9 of the leader: exactly one replica takes over once the session expires
    AgentNode old = leader;
    long crashed = System.nanoTime();
    old.crash();
    AgentNode next =
        Wait.forValue(
            "a new primary",
            HEAL,
            () -> c.primaries().stream().filter(n -> n != old).findFirst().map(n -> n));
    System.out.printf(
        "zookeeper crash failover: %s primary after %d ms%n",
        next.name(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashed));
    old.start();
    leader = c.waitForHealthyCluster(HEAL);
    assertEquals(next, leader);

    // switchover through hactl
    AgentNode candidate = c.replicas().get(0);
    hactl(c, "switchover", "--candidate", candidate.name(), "--force");
    Wait.until(
        candidate.name() + " to lead after the switchover",
        HEAL,
        () ->
            c.leaderName().filter(candidate.name()::equals).isPresent()
                && candidate.reportsRole("primary"));
    leader = c.waitForHealthyCluster(HEAL);
    assertEquals(candidate, leader);

    // ZooKeeper frozen: writes must stop before the session (ttl) could expire
    AgentNode primary = leader;
    exec(primary, "INSERT INTO zk_probe VALUES (2)");
    long frozen = System.nanoTime();
    zk.signal("STOP");
    long stoppedAfter;
    try {
      while (true) {
        long elapsed = System.nanoTime() - frozen;
        if (!writable(primary)) {
          stoppedAfter = elapsed;
          break;
        }
        assertTrue(
            elapsed < ttl.toNanos(),
            "the primary still accepted writes " + ttl + " after ZooKeeper froze");
        Thread.sleep(200);
      }
    } finally {
      zk.signal("CONT");
    }
    System.out.printf(
        "zookeeper frozen: primary stopped accepting writes after %d ms (ttl %d s)%n",
        TimeUnit.NANOSECONDS.toMillis(stoppedAfter), ttl.toSeconds());
    assertTrue(stoppedAfter < ttl.toNanos());
    c.waitForHealthyCluster(HEAL);
  }

  /** The fixture's YAML with its etcd3 section replaced by a zookeeper one. */
  static String onZooKeeper(String yaml, ZooKeeperProcess zk) {
    String edited =
        yaml.replaceFirst(
            "(?m)^etcd3:\\n  hosts:\\n  - \\S+\\n",
            "zookeeper:\n  hosts:\n  - " + zk.hostPort() + "\n");
    assertNotEquals(yaml, edited, "no etcd3 section to replace in:\n" + yaml);
    return edited;
  }

  static ZooKeeper client(ZooKeeperProcess zk) throws Exception {
    CountDownLatch up = new CountDownLatch(1);
    ZooKeeper z =
        new ZooKeeper(
            zk.hostPort(),
            20_000,
            e -> {
              if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                up.countDown();
              }
            });
    assertTrue(up.await(10, TimeUnit.SECONDS));
    return z;
  }

  static Optional<String> read(ZooKeeper z, String path) {
    try {
      return Optional.of(new String(z.getData(path, false, null), StandardCharsets.UTF_8));
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  private static void exec(AgentNode n, String sql) throws SQLException {
    try (Connection conn = n.connect();
        Statement st = conn.createStatement()) {
      st.execute(sql);
    }
  }

  private static int count(AgentNode n) {
    try (Connection conn = n.connect();
        Statement st = conn.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM zk_probe")) {
      rs.next();
      return rs.getInt(1);
    } catch (SQLException e) {
      return -1;
    }
  }

  private static boolean writable(AgentNode n) {
    try (Connection conn = n.connect();
        Statement st = conn.createStatement()) {
      st.setQueryTimeout(3);
      st.execute("INSERT INTO zk_probe VALUES (3)");
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  record Result(int exit, String out, String err) {}

  static Result hactl(ClusterFixture c, String... args) throws Exception {
    Path jar =
        Path.of(System.getProperty("hactl.jar", "../cli/target/hactl.jar"))
            .toAbsolutePath()
            .normalize();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(List.of("-c", c.node("node1").config().configFile().toString()));
    cmd.addAll(List.of(args));
    Path dir = Files.createDirectories(c.baseDir().resolve("hactl"));
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process p =
        new ProcessBuilder(cmd)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("hactl " + List.of(args) + " hung");
    }
    Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    assertEquals(0, r.exit(), "hactl " + List.of(args) + ":\n" + r.out() + r.err());
    return r;
  }
}
