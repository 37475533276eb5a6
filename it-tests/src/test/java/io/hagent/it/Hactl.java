package io.hagent.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs hactl as an operator does ({@code java -jar hactl.jar -c node1.yml ARGS}, a separate process
 * with bin/hactl's JVM flags) against a test cluster, for scenarios that only need a command or two
 * of it.
 */
final class Hactl {
  record Result(List<String> args, int exitCode, String out, String err) {}

  private Hactl() {}

  static Result run(ClusterFixture c, String... args) throws IOException, InterruptedException {
    Path jar =
        Path.of(System.getProperty("hactl.jar", "../cli/target/hactl.jar"))
            .toAbsolutePath()
            .normalize();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
    cmd.addAll(List.of("-c", c.nodes().get(0).config().configFile().toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(c.baseDir(), "hactl-", ".out");
    Path err = Files.createTempFile(c.baseDir(), "hactl-", ".err");
    Process p =
        new ProcessBuilder(cmd)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("hactl " + List.of(args) + " hung for 120 s");
    }
    return new Result(
        List.of(args),
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
