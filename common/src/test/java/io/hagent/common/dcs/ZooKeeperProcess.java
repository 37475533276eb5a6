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
  private Tls tls; // null: plain port only

  /**
   * A TLS client port next to the plain one (Netty server, PEM key and trust stores).
   *
   * @param keyStorePem the server's unencrypted PKCS#8 key and its certificate in one PEM file
   * @param trustStorePem the CA whose client certificates the server accepts
   * @param clientAuth {@code need}, {@code want} or {@code none}
   */
  public record Tls(Path keyStorePem, Path trustStorePem, String clientAuth, int port) {}

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

  /** Serves TLS on another free port from the next {@link #start()} on; returns that port. */
  public int enableTls(Path keyStorePem, Path trustStorePem, String clientAuth) throws IOException {
    int securePort;
    try (ServerSocket s = new ServerSocket(0)) {
      securePort = s.getLocalPort();
    }
    tls = new Tls(keyStorePem, trustStorePem, clientAuth, securePort);
    return securePort;
  }

  public String secureHostPort() {
    return "127.0.0.1:" + tls.port();
  }

  public void start() throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx128m");
    cmd.add("-Dzookeeper.admin.enableServer=false");
    cmd.add("-Dzookeeper.4lw.commands.whitelist=ruok");
    if (tls != null) {
      // TLS needs the Netty server and a config file (secureClientPort has no argument form)
      cmd.add("-Dzookeeper.serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory");
      cmd.add("-Dzookeeper.ssl.keyStore.location=" + tls.keyStorePem());
      cmd.add("-Dzookeeper.ssl.keyStore.type=PEM");
      cmd.add("-Dzookeeper.ssl.trustStore.location=" + tls.trustStorePem());
      cmd.add("-Dzookeeper.ssl.trustStore.type=PEM");
      cmd.add("-Dzookeeper.ssl.clientAuth=" + tls.clientAuth());
      // clients are checked by certificate; their source address is no host name to match
      cmd.add("-Dzookeeper.ssl.hostnameVerification=false");
      cmd.add(
          "-Dzookeeper.authProvider.x509="
              + "org.apache.zookeeper.server.auth.X509AuthenticationProvider");
    }
    cmd.add("-cp");
    cmd.add(classPath());
    cmd.add("org.apache.zookeeper.server.ZooKeeperServerMain");
    if (tls == null) {
      cmd.add(Integer.toString(port));
      cmd.add(dir.resolve("data").toString());
      cmd.add(Integer.toString(tickMs));
    } else {
      Path cfg = dir.resolve("zoo.cfg");
      Files.writeString(
          cfg,
          "tickTime="
              + tickMs
              + "\ndataDir="
              + dir.resolve("data")
              + "\nclientPort="
              + port
              + "\nclientPortAddress=127.0.0.1\nsecureClientPort="
              + tls.port()
              + "\n");
      cmd.add(cfg.toString());
    }
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
      try (Socket s = new Socket()) {
        // bounded: a server still starting may accept and never answer
        s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(2000);
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
