package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Callbacks on a live 3-node cluster, as an operator's hook scripts see them: every node records
 * each call (time, then the arguments) in a file of its own, and the test checks the sequence for
 * start, POST /restart, a reload (PATCH /config of a parameter), a switchover (both sides) and a
 * stop; pre_promote runs before each promotion and before_stop before each stop. node3's
 * pre_promote fails: a switchover to it ends with another node as leader and node3 never promoted.
 */
@Tag("scenario")
class CallbackScenariosTest {
  private static final Duration BOOTSTRAP = Duration.ofSeconds(90);
  private static final Duration HEAL = Duration.ofSeconds(120);
  private static final Duration CALLBACK = Duration.ofSeconds(20);

  /** A call recorded by a node's script: seconds since the epoch and the words after the log. */
  record Call(double at, String words) {}

  private Path scripts;
  private final Map<String, Integer> marks = new HashMap<>();

  @Test
  void callbacksFollowTheLifeCycleAndAFailingPrePromoteHandsTheLeadOn() throws Exception {
    scripts = Files.createTempDirectory("hagent-it-callbacks-");
    script("record.sh", "#!/bin/sh\nlog=\"$1\"; shift\necho \"$(date +%s.%N) $*\" >> \"$log\"\n");
    script(
        "fence-fails.sh",
        "#!/bin/sh\necho \"$(date +%s.%N) pre_promote failing\" >> \"$1\"\nexit 1\n");
    ClusterFixture c = null;
    try {
      c = ClusterFixture.start(ClusterSpec.threeNodes(), n -> Map.of(), this::withScripts);
      run(c);
      for (String n : List.of("node1", "node2", "node3")) {
        System.out.println("callbacks of " + n + ":\n" + readOrEmpty(log(n)));
      }
    } catch (Throwable t) {
      if (c != null) {
        System.err.println(c.logTails(120));
      }
      for (String n : List.of("node1", "node2", "node3")) {
        System.err.println("callbacks of " + n + ":\n" + readOrEmpty(log(n)));
      }
      throw t;
    } finally {
      if (c != null) {
        c.close();
      }
      try (Stream<Path> walk = Files.walk(scripts)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private void run(ClusterFixture c) throws Exception {
    String scope = c.scope();
    AgentNode leader = c.waitForHealthyCluster(BOOTSTRAP);

    // start: the bootstrap leader runs on_start as primary, the clones as replica
    for (AgentNode n : c.nodes()) {
      String want = "on_start " + (n == leader ? "primary" : "replica") + " " + scope;
      Wait.until(n.name() + "'s " + want, CALLBACK, () -> words(n.name(), 0).contains(want));
      assertEquals(
          List.of(want), withoutReloads(words(n.name(), 0)), n.name() + ": only on_start so far");
    }
    String ident = Files.readString(c.node("node1").config().dataDir().resolve("pg_ident.conf"));
    assertTrue(ident.contains("hagentmap postgres postgres"), ident);

    // POST /restart: before_stop, then only on_restart (no on_stop / on_start)
    mark(c);
    HttpResponse<String> restart = send(leader, "POST", "/restart", "{}");
    assertEquals(200, restart.statusCode(), restart.body());
    String restarted = "on_restart primary " + scope;
    Wait.until(restarted, CALLBACK, () -> since(leader).contains(restarted));
    assertEquals(List.of("before_stop", restarted), since(leader));
    c.waitForHealthyCluster(HEAL);

    // a reload of PostgreSQL's configuration (a changed parameter reaches every node)
    mark(c);
    HttpResponse<String> patch =
        send(
            leader, "PATCH", "/config", "{\"postgresql\":{\"parameters\":{\"work_mem\":\"5MB\"}}}");
    assertEquals(200, patch.statusCode(), patch.body());
    for (AgentNode n : c.nodes()) {
      String want = "on_reload " + (n == leader ? "primary" : "replica") + " " + scope;
      Wait.until(n.name() + "'s " + want, CALLBACK, () -> since(n).contains(want));
    }

    // switchover: the old primary stops (on_stop primary) and comes back as a replica
    // (on_role_change replica); the candidate fences (pre_promote) and becomes primary
    AgentNode candidate =
        c.nodes().stream()
            .filter(n -> n != leader && !n.name().equals("node3"))
            .findFirst()
            .orElseThrow();
    mark(c);
    HttpResponse<String> switchover =
        send(
            leader,
            "POST",
            "/switchover",
            "{\"leader\":\"" + leader.name() + "\",\"candidate\":\"" + candidate.name() + "\"}");
    assertEquals(200, switchover.statusCode(), switchover.body());
    assertEquals(candidate, c.waitForLeader(HEAL));
    String demoted = "on_role_change replica " + scope;
    String promoted = "on_role_change primary " + scope;
    Wait.until(leader.name() + "'s " + demoted, HEAL, () -> since(leader).contains(demoted));
    Wait.until(
        candidate.name() + "'s " + promoted, CALLBACK, () -> since(candidate).contains(promoted));
    assertEquals(
        List.of("before_stop", "on_stop primary " + scope, demoted), withoutReloads(since(leader)));
    assertEquals(List.of("pre_promote", promoted), withoutReloads(since(candidate)));
    double stoppedAt = at(leader, "on_stop primary");
    double fencedAt = at(candidate, "pre_promote");
    double promotedAt = at(candidate, "on_role_change primary");
    assertTrue(stoppedAt <= fencedAt, "the old primary stopped before the candidate fenced");
    assertTrue(fencedAt <= promotedAt, "pre_promote ran before the promotion");
    c.waitForHealthyCluster(HEAL);

    // node3's pre_promote fails: it takes the key, gives it up, and another node leads
    AgentNode node3 = c.node("node3");
    AgentNode current = c.waitForLeader(HEAL);
    assertNotEquals(node3, current);
    mark(c);
    HttpResponse<String> toNode3 =
        send(
            current,
            "POST",
            "/switchover",
            "{\"leader\":\"" + current.name() + "\",\"candidate\":\"node3\"}");
    System.out.println("switchover to node3: " + toNode3.statusCode() + " " + toNode3.body());
    Wait.until(
        "node3's failing pre_promote", HEAL, () -> since(node3).contains("pre_promote failing"));
    AgentNode after = c.waitForHealthyCluster(HEAL);
    assertNotEquals(node3, after, "node3 must not lead");
    assertTrue(node3.reportsRole("replica"), "node3 stays a replica");
    assertFalse(since(node3).contains(promoted), "node3 never called on_role_change primary");
    assertTrue(
        Files.readString(node3.log())
            .contains("Promotion cancelled because the pre-promote script failed"),
        "node3's log says why");
    Wait.until(after.name() + "'s " + promoted, CALLBACK, () -> since(after).contains(promoted));

    // stop: a replica's agent stops its PostgreSQL (before_stop, on_stop replica), then the
    // leader's (on_stop primary)
    AgentNode replica =
        c.nodes().stream().filter(n -> n != after && n != node3).findFirst().orElseThrow();
    mark(c);
    assertTrue(replica.stopAgent(Duration.ofSeconds(60)), replica.name() + " did not stop");
    String replicaStop = "on_stop replica " + scope;
    Wait.until(replicaStop, CALLBACK, () -> since(replica).contains(replicaStop));
    assertEquals(List.of("before_stop", replicaStop), withoutReloads(since(replica)));
    assertTrue(after.stopAgent(Duration.ofSeconds(60)), after.name() + " did not stop");
    String primaryStop = "on_stop primary " + scope;
    Wait.until(primaryStop, CALLBACK, () -> since(after).contains(primaryStop));
    assertEquals("before_stop", withoutReloads(since(after)).get(0));
  }

  /** node1..3 get every callback recorded; node3's pre_promote fails; node1 has a pg_ident. */
  private String withScripts(String name, String yaml) {
    String record = scripts.resolve("record.sh") + " " + log(name);
    String fence =
        name.equals("node3")
            ? scripts.resolve("fence-fails.sh") + " " + log(name)
            : record + " pre_promote";
    StringBuilder sb = new StringBuilder("\npostgresql:\n  callbacks:\n");
    for (String action :
        List.of("on_start", "on_stop", "on_restart", "on_reload", "on_role_change")) {
      sb.append("    ").append(action).append(": ").append(record).append('\n');
    }
    sb.append("  pre_promote: ").append(fence).append('\n');
    sb.append("  before_stop: ").append(record).append(" before_stop\n");
    if (name.equals("node1")) {
      sb.append("  pg_ident:\n  - hagentmap postgres postgres\n");
    }
    assertTrue(yaml.contains("\npostgresql:\n"), yaml);
    return yaml.replace("\npostgresql:\n", sb.toString());
  }

  private Path log(String node) {
    return scripts.resolve(node + ".log");
  }

  private void script(String name, String text) throws IOException {
    Path p = scripts.resolve(name);
    Files.writeString(p, text);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private List<Call> calls(String node) {
    List<Call> out = new ArrayList<>();
    for (String line : readOrEmpty(log(node)).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      int space = line.indexOf(' ');
      out.add(new Call(Double.parseDouble(line.substring(0, space)), line.substring(space + 1)));
    }
    return out;
  }

  private List<String> words(String node, int from) {
    List<Call> all = calls(node);
    return all.subList(Math.min(from, all.size()), all.size()).stream().map(Call::words).toList();
  }

  /** The calls of {@code n} since the last {@link #mark}. */
  private List<String> since(AgentNode n) {
    return words(n.name(), marks.getOrDefault(n.name(), 0));
  }

  private void mark(ClusterFixture c) {
    for (AgentNode n : c.nodes()) {
      marks.put(n.name(), calls(n.name()).size());
    }
  }

  /** The time of the first call since the mark that starts with {@code prefix}. */
  private double at(AgentNode n, String prefix) {
    List<Call> all = calls(n.name());
    return all.subList(marks.get(n.name()), all.size()).stream()
        .filter(c -> c.words().startsWith(prefix))
        .findFirst()
        .orElseThrow()
        .at();
  }

  /** A replica re-pointed at a new leader reloads: not part of the sequence checked. */
  private static List<String> withoutReloads(List<String> words) {
    return words.stream().filter(w -> !w.startsWith("on_reload")).toList();
  }

  private static String readOrEmpty(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static HttpResponse<String> send(AgentNode n, String method, String path, String body)
      throws Exception {
    return AgentNode.httpClient(null)
        .send(
            HttpRequest.newBuilder(n.restUri(path))
                .timeout(Duration.ofSeconds(90))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
