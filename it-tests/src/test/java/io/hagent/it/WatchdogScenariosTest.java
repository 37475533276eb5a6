package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hagent.agent.watchdog.FuseWatchdog;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The watchdog and the frozen leader (issue 12, docs/fencing.md) on a real 3-node cluster. Every
 * node runs with {@code watchdog.mode: required} on its own test watchdog device (a FUSE file that
 * behaves like /dev/watchdog and logs what it sees, {@link FuseWatchdog}; this machine has no
 * softdog). A real watchdog resets the machine when it fires; the test device only records "fired",
 * and the scenario that needs the reset does it itself: kill -9 of that node's postmaster and
 * agent, which is what a reset does to them (the machine's other processes do not matter here).
 *
 * <p>Skipped, with the reason, where FUSE cannot be mounted.
 */
@Tag("scenario")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WatchdogScenariosTest {
  private static final Duration HEAL = Duration.ofSeconds(120);
  private static final ClusterSpec SPEC = ClusterSpec.threeNodes();
  private static final int SAFETY_MARGIN = 5;
  private static final Map<String, FuseWatchdog> DEVICES = new TreeMap<>();
  private static Path devicesDir;
  private static ClusterFixture c;

  /**
   * The tails of every node's log when a scenario fails (the cluster is not a ClusterExtension).
   */
  @org.junit.jupiter.api.extension.RegisterExtension
  static final LogTailsOnFailure LOG_TAILS = new LogTailsOnFailure(() -> c);

  @BeforeAll
  static void startCluster() throws Exception {
    String why = FuseWatchdog.unavailable().orElse(null);
    assumeTrue(why == null, "no test watchdog device can be mounted here: " + why);
    devicesDir = Files.createTempDirectory("hagent-it-watchdog-");
    for (int i = 1; i <= SPEC.nodes(); i++) {
      DEVICES.put("node" + i, FuseWatchdog.mount(devicesDir.resolve("node" + i)));
    }
    ProcessReaper.registerCleanup(() -> DEVICES.values().forEach(FuseWatchdog::close));
    c =
        ClusterFixture.start(
            SPEC,
            name -> Map.of(),
            (name, yaml) ->
                yaml
                    + "\nwatchdog:\n  mode: required\n  device: %s\n  safety_margin: %d\n"
                        .formatted(DEVICES.get(name).device(), SAFETY_MARGIN));
  }

  @AfterAll
  static void stopCluster() {
    if (c != null) {
      for (AgentNode n : c.nodes()) {
        n.agentPid().ifPresent(pid -> signal(pid, "CONT"));
      }
      c.close();
    }
    DEVICES.values().forEach(FuseWatchdog::close);
    if (devicesDir != null && !Boolean.getBoolean("it.keep")) {
      try (java.util.stream.Stream<Path> files = Files.walk(devicesDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (java.io.IOException e) {
        System.err.println("could not remove " + devicesDir + ": " + e.getMessage());
      }
    }
  }

  @BeforeEach
  void heal() {
    for (AgentNode n : c.nodes()) {
      if (!n.isAgentRunning()) {
        n.start();
      }
    }
  }

  private static int timeout() {
    return SPEC.ttl() - SAFETY_MARGIN;
  }

  @Test
  @Order(1)
  void theLeaderOpensItsWatchdogWithTtlMinusSafetyMarginAndFeedsItEveryCycle() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    FuseWatchdog dev = DEVICES.get(leader.name());
    Wait.until("the leader's watchdog to be opened", Duration.ofSeconds(20), () -> isOpen(dev));
    assertEquals(timeout(), lastValue(dev, "settimeout"), "events: " + dev.events());
    int before = dev.events("keepalive").size();
    Thread.sleep(TimeUnit.SECONDS.toMillis(5L * SPEC.loopWait()));
    List<FuseWatchdog.Event> fed = dev.events("keepalive");
    assertTrue(fed.size() - before >= 3, "keepalives in 5 loop_waits: " + (fed.size() - before));
    long maxGap = 0;
    for (int i = Math.max(1, before); i < fed.size(); i++) {
      maxGap = Math.max(maxGap, fed.get(i).epochMs() - fed.get(i - 1).epochMs());
    }
    assertTrue(maxGap <= SPEC.loopWait() * 1000L + 1500, "largest keepalive gap " + maxGap + " ms");
    for (AgentNode r : c.replicas()) {
      assertTrue(DEVICES.get(r.name()).events("open").isEmpty(), r.name() + " opened its device");
    }
    assertTrue(!dev.fired(), "the fed watchdog fired: " + dev.events());
    System.out.printf(
        "watchdog: opened with %d s, largest keepalive gap %d ms%n", timeout(), maxGap);
  }

  @Test
  @Order(2)
  void aTtlChangeReconfiguresTheLeadersWatchdog() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    FuseWatchdog dev = DEVICES.get(leader.name());
    try {
      assertEquals(200, patchConfig(leader, "{\"ttl\": 24}"));
      Wait.until(
          "the watchdog timeout to follow ttl 24",
          Duration.ofSeconds(20),
          () -> lastValue(dev, "settimeout") == 24 - SAFETY_MARGIN);
    } finally {
      assertEquals(200, patchConfig(leader, "{\"ttl\": " + SPEC.ttl() + "}"));
    }
    Wait.until(
        "the watchdog timeout to follow ttl back",
        Duration.ofSeconds(20),
        () -> lastValue(dev, "settimeout") == timeout());
  }

  @Test
  @Order(3)
  void pauseClosesTheWatchdogCleanlyAndResumeOpensItAgain() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    FuseWatchdog dev = DEVICES.get(leader.name());
    int opens = dev.events("open").size();
    try {
      assertEquals(200, patchConfig(leader, "{\"pause\": true}"));
      Wait.until("the watchdog to be closed in pause", Duration.ofSeconds(20), () -> !isOpen(dev));
      assertEquals("close", last(dev).name(), "a clean (magic) close: " + dev.events());
    } finally {
      assertEquals(200, patchConfig(leader, "{\"pause\": false}"));
    }
    Wait.until(
        "the watchdog to be opened again after resume",
        Duration.ofSeconds(20),
        () -> dev.events("open").size() > opens && isOpen(dev));
    assertTrue(!dev.fired(), "events: " + dev.events());
  }

  @Test
  @Order(4)
  void aCleanShutdownClosesTheWatchdogCleanly() throws Exception {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    FuseWatchdog dev = DEVICES.get(leader.name());
    assertTrue(leader.stopAgent(Duration.ofSeconds(60)), "the agent did not stop on SIGTERM");
    // FUSE's RELEASE reaches the device after close(2) has returned: wait for it, briefly.
    Wait.until("the watchdog to be closed on shutdown", Duration.ofSeconds(5), () -> !isOpen(dev));
    assertEquals("close", last(dev).name(), "a clean (magic) close: " + dev.events());
    leader.start();
    c.waitForHealthyCluster(HEAL);
  }

  /**
   * The leader's agent is frozen (SIGSTOP) while a client writes straight to its PostgreSQL port.
   * Its watchdog fires before the leader key can expire; the test then does what the reset would:
   * kill -9 of that node's postmaster and agent. A replica promotes after the key expired, and no
   * commit the old primary acknowledged is later than the new primary's promotion.
   */
  @Test
  @Order(5)
  void aFrozenLeaderIsResetByItsWatchdogBeforeAReplicaPromotes() throws Exception {
    AgentNode old = c.waitForHealthyCluster(HEAL);
    FuseWatchdog dev = DEVICES.get(old.name());
    execute(old, "CREATE TABLE IF NOT EXISTS wd_writes (id bigserial PRIMARY KEY, t timestamptz)");
    int fired = dev.events("fired").size();
    long pid = old.agentPid().orElseThrow();
    AgentNode promoted;
    long stopMs;
    long firedMs;
    DirectWriter writer = new DirectWriter(old);
    try {
      writer.awaitAcks(20);
      stopMs = System.currentTimeMillis();
      signal(pid, "STOP");
      try {
        Wait.until(
            "the frozen leader's watchdog to fire",
            Duration.ofSeconds(2L * SPEC.ttl()),
            () -> dev.events("fired").size() > fired);
        firedMs = dev.events("fired").get(fired).epochMs();
        old.crash(); // what the watchdog's reset does to this node's processes
        promoted = waitForNewPrimary(old);
        Wait.sleep(Duration.ofMillis(Math.max(0, stopMs + 2000L * SPEC.ttl() - now())));
      } finally {
        if (old.isAgentRunning()) {
          signal(pid, "CONT");
        }
      }
    } finally {
      writer.close();
    }
    long promotedMs = promotionTime(promoted);
    long lastAck = writer.lastAck();
    System.out.printf(
        "frozen leader with watchdog: fired %d ms after SIGSTOP, last acknowledged write on the old"
            + " primary %d ms before %s's promotion (%d acknowledged in all)%n",
        firedMs - stopMs, promotedMs - lastAck, promoted.name(), writer.acks.size());
    assertTrue(
        firedMs - stopMs <= (timeout() + SPEC.loopWait() + 1) * 1000L,
        "fired " + (firedMs - stopMs) + " ms after SIGSTOP");
    assertTrue(
        lastAck < promotedMs,
        "the old primary acknowledged a commit "
            + (lastAck - promotedMs)
            + " ms after the new primary's promotion");

    old.start(); // the machine is back after its reset
    assertRejoinedAsReplica(old, promoted);
  }

  /**
   * The same freeze without acting on the watchdog, then SIGCONT: the woken agent checks its lease
   * deadline first and stops PostgreSQL before anything else, /primary never answers 200 after the
   * wake-up, and the node rejoins as a replica. What it cannot undo is what its PostgreSQL
   * acknowledged during the freeze: that is what the watchdog's reset is for (counted, printed).
   */
  @Test
  @Order(6)
  void aFrozenLeaderWokenAfterTwoTtlsFencesItselfFirst() throws Exception {
    AgentNode old = c.waitForHealthyCluster(HEAL);
    FuseWatchdog dev = DEVICES.get(old.name());
    execute(old, "CREATE TABLE IF NOT EXISTS wd_writes (id bigserial PRIMARY KEY, t timestamptz)");
    int fired = dev.events("fired").size();
    long pid = old.agentPid().orElseThrow();
    PrimaryPoller poller = new PrimaryPoller(old);
    DirectWriter writer = new DirectWriter(old);
    long contMs;
    AgentNode promoted;
    try {
      writer.awaitAcks(20);
      long stopMs = System.currentTimeMillis();
      signal(pid, "STOP");
      try {
        promoted = waitForNewPrimary(old);
        Wait.sleep(Duration.ofMillis(Math.max(0, stopMs + 2000L * SPEC.ttl() - now())));
      } finally {
        contMs = System.currentTimeMillis();
        signal(pid, "CONT");
      }
      Wait.until(
          old.name() + "'s PostgreSQL to stop accepting writes",
          Duration.ofSeconds(20),
          () -> writer.lastFailure() > contMs);
      Wait.until(
          "/primary to answer after the wake-up",
          Duration.ofSeconds(10),
          () -> poller.answers.stream().anyMatch(a -> a[0] >= contMs));
    } finally {
      writer.close();
      poller.close();
    }
    long promotedMs = promotionTime(promoted);
    long afterPromotion = writer.acks.stream().filter(t -> t > promotedMs).count();
    long afterWake = writer.acks.stream().filter(t -> t > contMs).count();
    System.out.printf(
        "frozen leader woken after 2 x ttl: %d writes acknowledged after the wake-up, PostgreSQL"
            + " refused writes %d ms after SIGCONT; %d writes were acknowledged during the freeze"
            + " after %s's promotion (the watchdog, which fired: %s, prevents these by a reset)%n",
        afterWake,
        writer.lastFailure() - contMs,
        afterPromotion,
        promoted.name(),
        dev.events("fired").size() > fired);
    assertTrue(dev.events("fired").size() > fired, "the watchdog did not fire during the freeze");
    List<long[]> answeredAfterWake = poller.answers.stream().filter(a -> a[0] >= contMs).toList();
    System.out.printf(
        "frozen leader woken after 2 x ttl: /primary answers after the wake-up: %s%n",
        answeredAfterWake.stream().limit(10).map(a -> (a[0] - contMs) + " ms: " + a[1]).toList());
    assertTrue(!answeredAfterWake.isEmpty(), "/primary was not answered after the wake-up");
    assertEquals(
        List.of(),
        answeredAfterWake.stream()
            .filter(a -> a[1] == 200)
            .map(a -> (a[0] - contMs) + " ms")
            .toList(),
        "/primary answered 200 after the wake-up");
    assertTrue(
        writer.lastAck() < contMs + 2000,
        "the old primary still acknowledged writes "
            + (writer.lastAck() - contMs)
            + " ms after"
            + " SIGCONT");
    String log = Files.readString(old.log());
    // whichever thread the scheduler runs first after SIGCONT fences: the loop or the lease guard
    assertTrue(
        log.contains("leader lease ran out") || log.contains("leader lock was not renewed in time"),
        "no fencing line in " + old.log());
    // Only the old primary is checked: the other replica kept streaming from the frozen primary
    // after the promotion, so its WAL may have diverged from the new primary's (the damage the
    // watchdog's reset prevents), and hagent does not rewind a running replica yet.
    Wait.until(
        old.name() + " to rejoin " + promoted.name() + " as a streaming replica",
        HEAL,
        () ->
            old.status()
                .map(
                    st ->
                        "replica".equals(st.path("role").asText())
                            && "streaming".equals(st.path("replication_state").asText())
                            && st.path("timeline").asInt()
                                == promoted
                                    .status()
                                    .map(p -> p.path("timeline").asInt())
                                    .orElse(-1))
                .orElse(false));
    for (AgentNode other : c.nodes()) {
      if (other != old && other != promoted) {
        Wait.sleep(Duration.ofSeconds(10));
        System.out.printf(
            "frozen leader woken after 2 x ttl: the other replica %s, which streamed from the frozen"
                + " primary during the freeze, reports replication_state '%s'%n",
            other.name(),
            other.status().map(st -> st.path("replication_state").asText()).orElse("?"));
      }
    }
  }

  // ---- helpers

  private void assertRejoinedAsReplica(AgentNode old, AgentNode promoted) {
    AgentNode leader = c.waitForHealthyCluster(HEAL);
    assertEquals(promoted, leader);
    assertEquals("replica", old.status().orElseThrow().path("role").asText());
    assertEquals(
        leader.status().orElseThrow().path("timeline").asInt(),
        old.status().orElseThrow().path("timeline").asInt(),
        "the old primary rejoined on another timeline");
  }

  private static AgentNode waitForNewPrimary(AgentNode old) {
    return Wait.forValue(
        "a replica to promote",
        Duration.ofSeconds(3L * SPEC.ttl()),
        () -> c.nodes().stream().filter(n -> n != old && n.reportsRole("primary")).findFirst());
  }

  /**
   * When the new primary became writable, from PostgreSQL itself: the newest timeline history file
   * in its pg_wal is written by the promotion before it accepts any write.
   */
  static long promotionTime(AgentNode n) throws SQLException {
    try (Connection conn = n.connect();
        Statement s = conn.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT (extract(epoch FROM modification) * 1000)::bigint FROM pg_ls_waldir()"
                    + " WHERE name LIKE '%.history' ORDER BY name DESC LIMIT 1")) {
      assertTrue(r.next(), n.name() + " has no timeline history file");
      return r.getLong(1);
    }
  }

  private static boolean isOpen(FuseWatchdog dev) {
    List<FuseWatchdog.Event> e = dev.events();
    for (int i = e.size() - 1; i >= 0; i--) {
      switch (e.get(i).name()) {
        case "open":
          return true;
        case "close":
        case "close-unexpected":
          return false;
        default:
      }
    }
    return false;
  }

  private static FuseWatchdog.Event last(FuseWatchdog dev) {
    List<FuseWatchdog.Event> e = dev.events();
    return e.get(e.size() - 1);
  }

  private static int lastValue(FuseWatchdog dev, String name) {
    List<FuseWatchdog.Event> e = dev.events(name);
    return e.isEmpty() ? -1 : e.get(e.size() - 1).value();
  }

  private static int patchConfig(AgentNode n, String body) throws Exception {
    return AgentNode.httpClient(null)
        .send(
            HttpRequest.newBuilder(n.restUri("/config"))
                .timeout(Duration.ofSeconds(30))
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json")
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  static void execute(AgentNode n, String sql) throws SQLException {
    try (Connection conn = n.connect();
        Statement s = conn.createStatement()) {
      s.execute(sql);
    }
  }

  /** kill -SIG pid (Java cannot send SIGSTOP/SIGCONT); only PIDs of agents this test started. */
  static void signal(long pid, String sig) {
    try {
      Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("kill -" + sig + " " + pid + " failed");
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  /**
   * A client that writes straight to one node's PostgreSQL port (not through HAProxy), one small
   * autocommit INSERT after another, and notes the wall time each commit was acknowledged; it
   * reconnects after an error and notes the time of the last one.
   */
  static final class DirectWriter implements AutoCloseable {
    final List<Long> acks = new CopyOnWriteArrayList<>();
    private volatile long lastFailure;
    private volatile boolean running = true;
    private final Thread thread;

    DirectWriter(AgentNode node) {
      thread =
          new Thread(
              () -> {
                while (running) {
                  try (Connection conn = node.connect();
                      PreparedStatement ps =
                          conn.prepareStatement("INSERT INTO wd_writes (t) VALUES (now())")) {
                    while (running) {
                      ps.executeUpdate();
                      acks.add(System.currentTimeMillis());
                      Thread.sleep(20);
                    }
                  } catch (SQLException e) {
                    lastFailure = System.currentTimeMillis();
                    sleepQuietly(200);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "direct-writer-" + node.name());
      thread.setDaemon(true);
      thread.start();
    }

    void awaitAcks(int n) {
      Wait.until(n + " acknowledged direct writes", Duration.ofSeconds(30), () -> acks.size() >= n);
    }

    long lastAck() {
      return acks.isEmpty() ? 0 : acks.get(acks.size() - 1);
    }

    long lastFailure() {
      return lastFailure;
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.interrupt();
      thread.join(15_000);
    }
  }

  /**
   * Asks one node's GET /primary over and over, as HAProxy's check does (with the test HAProxy's
   * `timeout check 2s`), and records {answered at, status} for every answer. Requests sent in the
   * last 2 s of a freeze are answered after the wake-up. Without a timeout, a 200 computed just
   * before the freeze but still unsent could be delivered after it; a check timeout shorter than
   * the lease is what makes such an answer worthless to HAProxy (docs/fencing.md).
   */
  static final class PrimaryPoller implements AutoCloseable {
    final List<long[]> answers = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private final Thread thread;

    PrimaryPoller(AgentNode node) {
      HttpClient http = AgentNode.httpClient(null);
      thread =
          new Thread(
              () -> {
                while (running) {
                  try {
                    int code =
                        http.send(
                                HttpRequest.newBuilder(node.restUri("/primary"))
                                    .timeout(Duration.ofSeconds(2))
                                    .GET()
                                    .build(),
                                HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                    answers.add(new long[] {System.currentTimeMillis(), code});
                  } catch (java.io.IOException e) {
                    sleepQuietly(50);
                  } catch (InterruptedException e) {
                    return;
                  }
                  sleepQuietly(50);
                }
              },
              "primary-poller-" + node.name());
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.interrupt();
      thread.join(5_000);
    }
  }

  static Optional<Void> sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Optional.empty();
  }
}
