package io.hagent.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A single-member etcd (/usr/bin/etcd) on free loopback ports with its own data dir. restart()
 * reuses the same ports and data, so agents configured with its address reconnect to it.
 */
public final class EtcdProcess implements AutoCloseable {
  private static final String ETCD = System.getProperty("it.etcd", "/usr/bin/etcd");

  private final Path dir;
  private final TestCertificates tls;
  private final int clientPort;
  private final int peerPort;
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

  public EtcdProcess start() {
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
                "--name=it-etcd",
                "--data-dir=" + dir.resolve("data"),
                "--listen-client-urls=" + client,
                "--advertise-client-urls=" + client,
                "--listen-peer-urls=" + peer,
                "--initial-advertise-peer-urls=" + peer,
                "--initial-cluster=it-etcd=" + peer,
                "--initial-cluster-state=new"));
    if (tls != null) {
      cmd.addAll(
          List.of(
              "--cert-file=" + tls.serverCert(),
              "--key-file=" + tls.serverKey(),
              "--trusted-ca-file=" + tls.caCert(),
              "--client-cert-auth"));
    }
    process = ChildProcess.start("etcd", cmd, log(), Map.of());
    awaitReady(Duration.ofSeconds(30));
    return this;
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
