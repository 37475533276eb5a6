package io.hagent.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP forwarder on 127.0.0.1 that a test can cut like a network partition, for scenarios run as
 * an unprivileged user on one machine (no network namespaces, no firewall rules: neither iptables
 * nor nft is installed here, and the tests run as 'postgres').
 *
 * <p>While cut, nothing is forwarded in either direction, and new connections are accepted but
 * never answered: the peer sees what a partition does (no reply, its own timeouts fire), not the
 * instant "connection refused" of a stopped process. {@link #heal()} drops every connection made so
 * far (after a long partition real TCP connections have timed out too) and forwards again.
 */
public final class TcpProxy implements AutoCloseable {
  private final String name;
  private final int targetPort;
  private final ServerSocket server;
  private final Thread acceptor;
  private final List<Socket> sockets = new ArrayList<>();
  private volatile boolean cut;
  private volatile boolean closed;

  /** Listens on a free port of 127.0.0.1 and forwards to 127.0.0.1:targetPort. */
  public TcpProxy(String name, int targetPort) {
    this.name = name;
    this.targetPort = targetPort;
    try {
      this.server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen for proxy " + name, e);
    }
    this.acceptor = new Thread(this::acceptLoop, "tcp-proxy-" + name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  public String hostPort() {
    return "127.0.0.1:" + port();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      track(client);
      if (cut) {
        continue; // accepted, never answered: the client waits as on a partitioned network
      }
      Socket upstream = new Socket();
      try {
        upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2000);
      } catch (IOException e) {
        closeQuietly(client);
        closeQuietly(upstream);
        continue;
      }
      track(upstream);
      pump(client, upstream, "up");
      pump(upstream, client, "down");
    }
  }

  private synchronized void track(Socket s) {
    sockets.removeIf(Socket::isClosed);
    sockets.add(s);
  }

  private void pump(Socket from, Socket to, String direction) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  // cut while reading: hold the bytes; heal() closes the sockets, ending this
                  while (cut && !from.isClosed()) {
                    Wait.sleep(java.time.Duration.ofMillis(50));
                  }
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException | IllegalStateException e) {
                // a socket closed (heal, close, or the peer went away)
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "tcp-proxy-" + name + "-" + direction);
    t.setDaemon(true);
    t.start();
  }

  /** Stops forwarding: a partition between the two sides starts now. */
  public void cut() {
    cut = true;
  }

  /**
   * As {@link #cut()}, and every connection made so far is dropped at once: the peers see their
   * sessions end now (a replica's WAL stream breaks at once instead of after wal_receiver_timeout),
   * and their reconnection attempts hang as on a partitioned network.
   */
  public void cutAndDrop() {
    cut = true;
    dropAll();
  }

  public boolean isCut() {
    return cut;
  }

  /** Ends the partition: every connection made so far is dropped, new ones are forwarded. */
  public void heal() {
    dropAll();
    cut = false;
  }

  private void dropAll() {
    List<Socket> all;
    synchronized (this) {
      all = new ArrayList<>(sockets);
      sockets.clear();
    }
    all.forEach(TcpProxy::closeQuietly);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // nothing to do
    }
    dropAll();
  }

  @Override
  public String toString() {
    return "proxy " + name + " " + port() + " -> " + targetPort + (cut ? " (cut)" : "");
  }
}
