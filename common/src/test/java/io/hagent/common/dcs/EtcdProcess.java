package io.hagent.common.dcs;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-node etcd (/usr/bin/etcd) on free ports with a temporary data dir. It can be
 * stopped and started again on the same ports and data, and {@link #close()} always kills the
 * process (by its handle) and removes the data.
 */
final class EtcdProcess implements AutoCloseable {

  private final Path dir;
  private final int clientPort;
  private final int peerPort;
  private Process process;

  /** etcd's TLS flags and the context the health check uses; null for plain http. */
  private List<String> tlsFlags;

  private javax.net.ssl.SSLContext tlsClient;

  EtcdProcess() throws IOException {
    this.dir = Files.createTempDirectory("hagent-etcd-");
    this.clientPort = freePort();
    int peer = freePort();
    while (peer == clientPort) {
      peer = freePort();
    }
    this.peerPort = peer;
  }

  String endpoint() {
    return (tlsFlags == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
  }

  /**
   * Serves clients over https with this certificate and requires client certificates of {@code
   * cafile} (--client-cert-auth); {@code client} is what the readiness check presents.
   */
  EtcdProcess withTls(
      String certfile, String keyfile, String cafile, javax.net.ssl.SSLContext client) {
    this.tlsFlags =
        List.of(
            "--cert-file=" + certfile,
            "--key-file=" + keyfile,
            "--trusted-ca-file=" + cafile,
            "--client-cert-auth");
    this.tlsClient = client;
    return this;
  }

  synchronized void start() throws IOException, InterruptedException {
    if (process != null && process.isAlive()) {
      return;
    }
    String client = endpoint();
    String peer = "http://127.0.0.1:" + peerPort;
    List<String> cmd = new ArrayList<>();
    cmd.add("/usr/bin/etcd");
    cmd.add("--name=hagent-test");
    cmd.add("--data-dir=" + dir.resolve("data"));
    cmd.add("--listen-client-urls=" + client);
    cmd.add("--advertise-client-urls=" + client);
    cmd.add("--listen-peer-urls=" + peer);
    cmd.add("--initial-advertise-peer-urls=" + peer);
    cmd.add("--initial-cluster=hagent-test=" + peer);
    cmd.add("--log-level=warn");
    if (tlsFlags != null) {
      cmd.addAll(tlsFlags);
    }
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()))
            .start();
    waitUntilReady();
  }

  private void waitUntilReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("etcd exited early:\n" + log());
      }
      if (healthy()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IOException("etcd did not become ready within 30 s:\n" + log());
  }

  /** GET /health answers {"health":"true"} once the node has a leader (itself). */
  private boolean healthy() {
    try (Socket s =
        tlsClient == null
            ? new Socket("127.0.0.1", clientPort)
            : tlsClient.getSocketFactory().createSocket("127.0.0.1", clientPort)) {
      s.setSoTimeout(1000);
      s.getOutputStream()
          .write(
              ("GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return answer.contains("\"health\":\"true\"");
    } catch (IOException e) {
      return false;
    }
  }

  /** Kills etcd (SIGKILL), keeping its data for a restart. */
  synchronized void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      process = null;
    }
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) etcd: connections stay open but nothing answers. */
  synchronized void signal(String signal) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + signal + " failed");
    }
  }

  /** Runs etcdctl against this node and returns its stdout. */
  String etcdctl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/etcdctl", "--endpoints=" + endpoint()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("etcdctl timed out");
    }
    if (p.exitValue() != 0) {
      throw new IOException("etcdctl " + String.join(" ", args) + " failed: " + out);
    }
    return out;
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("etcd.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public synchronized void close() throws InterruptedException {
    kill();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
