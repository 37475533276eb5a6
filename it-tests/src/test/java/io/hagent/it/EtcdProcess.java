package io.hagent.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One etcd (/usr/bin/etcd) on free loopback ports with its own data dir: a single-member cluster,
 * or one member of a cluster built by {@link #cluster}. restart() reuses the same ports and data,
 * so agents configured with its address reconnect to it. freeze()/thaw() send SIGSTOP/SIGCONT: a
 * member that keeps its sockets open but answers nothing, like a hung or partitioned server.
 */
public final class EtcdProcess implements AutoCloseable {
  private static final String ETCD = System.getProperty("it.etcd", "/usr/bin/etcd");

  private final Path dir;
  private final TestCertificates tls;
  private final int clientPort;
  private final int peerPort;
  private String name = "it-etcd";
  private String initialCluster;
  private boolean frozen;
  private ChildProcess process;
  private EtcdKv kv;

  public EtcdProcess(Path dir) {
    this(dir, null);
  }

  /**
   * With {@code tls}: clients connect over https and must present a certificate of the test CA
   * (--client-cert-auth); peers stay on http, there is only one member.
   */
  public EtcdProcess(Path dir, TestCertificates tls) {
    this.dir = dir;
    this.tls = tls;
    this.clientPort = Ports.free();
    this.peerPort = Ports.free();
  }

  /**
   * {@code size} members of one etcd cluster under {@code dir}, not started: start them with {@link
   * #startAll}, since a member answers only once a quorum runs.
   */
  public static List<EtcdProcess> cluster(Path dir, int size) {
    List<EtcdProcess> members = new java.util.ArrayList<>();
    for (int i = 1; i <= size; i++) {
      EtcdProcess m = new EtcdProcess(dir.resolve("etcd" + i));
      m.name = "it-etcd" + i;
      members.add(m);
    }
    String initial =
        String.join(
            ",", members.stream().map(m -> m.name + "=http://127.0.0.1:" + m.peerPort).toList());
    members.forEach(m -> m.initialCluster = initial);
    return members;
  }

  /** Starts every member at once and waits until each reports itself healthy. */
  public static void startAll(List<EtcdProcess> members) {
    members.forEach(EtcdProcess::launch);
    members.forEach(m -> m.awaitReady(Duration.ofSeconds(30)));
  }

  public EtcdProcess start() {
    launch();
    awaitReady(Duration.ofSeconds(30));
    return this;
  }

  private void launch() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("etcd is already running (pid " + process.pid() + ")");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String client = endpoint();
    String peer = "http://127.0.0.1:" + peerPort;
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                ETCD,
                "--name=" + name,
                "--data-dir=" + dir.resolve("data"),
                "--listen-client-urls=" + client,
                "--advertise-client-urls=" + client,
                "--listen-peer-urls=" + peer,
                "--initial-advertise-peer-urls=" + peer,
                "--initial-cluster="
                    + (initialCluster == null ? name + "=" + peer : initialCluster),
                "--initial-cluster-state=new"));
    if (tls != null) {
      cmd.addAll(
          List.of(
              "--cert-file=" + tls.serverCert(),
              "--key-file=" + tls.serverKey(),
              "--trusted-ca-file=" + tls.caCert(),
              "--client-cert-auth"));
    }
    process = ChildProcess.start(name, cmd, log(), Map.of());
    frozen = false;
  }

  /** SIGSTOP: the member keeps its sockets but answers nothing until {@link #thaw()}. */
  public void freeze() {
    signal("STOP");
    frozen = true;
  }

  /** SIGCONT after {@link #freeze()}. */
  public void thaw() {
    if (frozen) {
      signal("CONT");
      frozen = false;
    }
  }

  public boolean isFrozen() {
    return frozen;
  }

  private void signal(String sig) {
    if (process == null || !process.isAlive()) {
      throw new IllegalStateException(name + " is not running");
    }
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid()))
              .redirectErrorStream(true)
              .start();
      if (!kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + sig + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void awaitReady(Duration timeout) {
    EtcdKv kv = kv();
    Wait.until(
        "etcd to answer on " + endpoint(),
        timeout,
        () -> {
          if (!process.isAlive()) {
            throw new IllegalStateException(
                "etcd exited; log tail:\n" + ChildProcess.tail(log(), 30));
          }
          return kv.isHealthy();
        });
  }

  /** Graceful stop (SIGTERM). */
  public void stop() {
    if (frozen) {
      thaw();
    }
    if (process != null && process.isAlive() && !process.terminate(Duration.ofSeconds(15))) {
      process.kill();
    }
  }

  public void kill() {
    if (process != null && process.isAlive()) {
      process.kill();
    }
  }

  public EtcdProcess restart() {
    stop();
    return start();
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** host:port as written in etcd3.hosts. */
  public String hostPort() {
    return "127.0.0.1:" + clientPort;
  }

  public String endpoint() {
    return (tls == null ? "http://" : "https://") + hostPort();
  }

  public int clientPort() {
    return clientPort;
  }

  public int peerPort() {
    return peerPort;
  }

  public Path log() {
    return dir.resolve("etcd.log");
  }

  public synchronized EtcdKv kv() {
    if (kv == null) {
      kv = new EtcdKv(endpoint(), tls == null ? null : tls.sslContext(true));
    }
    return kv;
  }

  @Override
  public void close() {
    kill();
  }
}
