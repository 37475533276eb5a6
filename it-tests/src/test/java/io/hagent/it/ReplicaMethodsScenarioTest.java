package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * create_replica_methods on a live 3-node cluster: every node is configured with {@code [mine,
 * basebackup]}, where {@code mine} is a script of the test that runs pg_basebackup itself and
 * records its arguments. The first replica to run it gets it (an atomic mkdir); for the second the
 * script fails, and that replica falls back to the built-in basebackup. Both end up streaming.
 */
@Tag("scenario")
class ReplicaMethodsScenarioTest {
  private static final Duration BOOTSTRAP = Duration.ofSeconds(120);

  @Test
  void aCustomMethodBuildsOneReplicaAndAFailingOneFallsBackToBasebackup() throws Exception {
    Path scripts = Files.createTempDirectory("hagent-it-replica-methods-");
    Path script = scripts.resolve("mine.sh");
    Files.writeString(
        script,
        """
        #!/bin/sh
        # $1: where to record the call; the rest: hagent's --option=value arguments
        calls="$1"; shift
        echo "$*" >> "$calls"
        for a in "$@"; do
          case "$a" in
            --datadir=*) datadir="${a#--datadir=}" ;;
            --connstring=*) connstring="${a#--connstring=}" ;;
          esac
        done
        if ! mkdir "%1$s/first" 2>/dev/null; then
          echo "mine: not the first replica, failing on purpose" >&2
          exit 3
        fi
        %2$s/pg_basebackup -D "$datadir" -X stream -c fast -d "$connstring" || exit 4
        touch "%1$s/built-by-mine"
        """
            .formatted(scripts, NodeConfig.BIN_DIR));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    ClusterFixture c = null;
    try {
      c =
          ClusterFixture.start(
              ClusterSpec.threeNodes(),
              n -> Map.of(),
              (name, yaml) ->
                  yaml.replace(
                      "\npostgresql:\n",
                      "\npostgresql:\n"
                          + "  create_replica_methods:\n  - mine\n  - basebackup\n"
                          + "  mine:\n"
                          + "    command: "
                          + script
                          + " "
                          + scripts.resolve("calls-" + name + ".log")
                          + "\n"
                          + "    extra: hello world\n"));
      AgentNode leader = c.waitForHealthyCluster(BOOTSTRAP);
      for (AgentNode r : c.nodes().stream().filter(n -> n != leader).toList()) {
        c.waitStreaming(r, BOOTSTRAP);
      }
      assertTrue(Files.exists(scripts.resolve("built-by-mine")), "the custom method ran");
      AgentNode byMine = null;
      AgentNode byBasebackup = null;
      for (AgentNode n : c.nodes()) {
        if (n == leader) {
          continue;
        }
        String log = Files.readString(n.log());
        if (log.contains("replica has been created using mine")) {
          byMine = n;
        } else if (log.contains("replica has been created using basebackup")) {
          byBasebackup = n;
          assertTrue(
              log.contains("Error creating replica using method mine: " + script)
                  && log.contains("exited with code=3"),
              log);
        }
      }
      assertTrue(byMine != null && byBasebackup != null, "one replica each way");
      List<String> calls = Files.readAllLines(scripts.resolve("calls-" + byMine.name() + ".log"));
      assertEquals(1, calls.size(), calls.toString());
      String call = calls.get(0);
      assertTrue(
          call.startsWith(
              "--extra=hello world --scope="
                  + c.scope()
                  + " --role=replica --datadir="
                  + byMine.config().dataDir()
                  + " --connstring=dbname=postgres user="),
          call);
      assertTrue(call.contains("port=" + leader.config().pgPort()), call);
      assertTrue(!call.contains("password="), "no password on the command line: " + call);
    } catch (Throwable t) {
      if (c != null) {
        System.err.println(c.logTails(80));
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
}
