package io.hagent.common.dcs;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * A real standalone ZooKeeper server (the server of the org.apache.zookeeper artifact the client
 * comes from) as its own JVM, on a free port with a temporary data dir. It can be killed, started
 * again on the same port and data, and frozen with SIGSTOP; {@link #close()} always kills it (by
 * its handle) and removes the data.
 */
public final class ZooKeeperProcess implements AutoCloseable {
  /** ZooKeeper's tick: sessions may last 2 to 20 ticks, so 1 s allows ttl 2..20 s. */
  static final int TICK_MS = 1000;

  private final int tickMs;

  private final Path dir;
  private final int port;
  private Process process;

  ZooKeeperProcess() throws IOException {
    this(TICK_MS);
  }

  /**
   * A server whose sessions may last 2 to 20 ticks of {@code tickMs} (it-tests use ZooKeeper's
   * default 2 s, so Patroni's ttl 30 fits).
   */
  public ZooKeeperProcess(int tickMs) throws IOException {
    this.tickMs = tickMs;
    this.dir = Files.createTempDirectory("hagent-zk-");
    try (ServerSocket s = new ServerSocket(0)) {
      this.port = s.getLocalPort();
    }
  }

  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  public void start() throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx128m");
    cmd.add("-Dzookeeper.admin.enableServer=false");
    cmd.add("-Dzookeeper.4lw.commands.whitelist=ruok");
    cmd.add("-cp");
    cmd.add(classPath());
    cmd.add("org.apache.zookeeper.server.ZooKeeperServerMain");
    cmd.add(Integer.toString(port));
    cmd.add(dir.resolve("data").toString());
    cmd.add(Integer.toString(tickMs));
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("zk.log").toFile()))
            .start();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < until) {
      if (!process.isAlive()) {
        throw new IOException(
            "zookeeper exited: " + Files.readString(dir.resolve("zk.log")).strip());
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.getOutputStream().write("ruok".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        if (new String(
                s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII)
            .contains("imok")) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(100);
    }
    throw new IOException("zookeeper did not start within 30 s");
  }

  /** kill -9, keeping the data: sessions survive a restart within their timeout. */
  public void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      process = null;
    }
  }

  public void signal(String signal) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
        .inheritIO()
        .start()
        .waitFor();
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) {
      signal("CONT");
    }
    kill();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }

  /**
   * This JVM's class path; surefire/failsafe may hand it over as one jar whose manifest lists the
   * entries, which are expanded here.
   */
  public static String classPath() throws IOException {
    Set<String> out = new LinkedHashSet<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      out.add(entry);
      if (entry.endsWith(".jar") && new File(entry).isFile()) {
        try (JarFile jar = new JarFile(entry)) {
          String manifestPath =
              jar.getManifest() == null
                  ? null
                  : jar.getManifest().getMainAttributes().getValue("Class-Path");
          if (manifestPath != null) {
            for (String url : manifestPath.trim().split("\\s+")) {
              try {
                out.add(Path.of(URI.create(url)).toString());
              } catch (IllegalArgumentException e) {
                out.add(url);
              }
            }
          }
        }
      }
    }
    return String.join(File.pathSeparator, out);
  }
}
