package io.hagent.agent.api;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hostile clients on one thread: {@code tricklers} connections that send a request line and then
 * one header line every {@code interval}, never finishing the request, and {@code silent}
 * connections that send nothing. A connection the server closes is opened again at once, the way a
 * determined attacker would; {@link #closedByServer()} counts those.
 */
public final class SlowClients implements AutoCloseable {
  private final InetSocketAddress target;
  private final long intervalNanos;
  private final List<Client> clients = new ArrayList<>();
  private final AtomicInteger closedByServer = new AtomicInteger();
  private final Thread thread;
  private volatile boolean running = true;

  private final class Client {
    final boolean trickle;
    SocketChannel channel;
    long nextLineAt;
    int lines;

    Client(boolean trickle) {
      this.trickle = trickle;
    }

    void open() throws IOException {
      channel = SocketChannel.open(target);
      channel.configureBlocking(false);
      lines = 0;
      nextLineAt = System.nanoTime();
      if (trickle) {
        send("GET /patroni HTTP/1.1\r\n");
        nextLineAt += intervalNanos;
      }
    }

    void send(String text) throws IOException {
      channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
    }

    /** Writes a due header line; reopens the connection if the server has closed it. */
    void poll(ByteBuffer scratch) {
      try {
        scratch.clear();
        if (channel.read(scratch) < 0) {
          reopen();
          return;
        }
        if (trickle && System.nanoTime() >= nextLineAt) {
          send("X-Slow-" + (++lines) + ": still typing\r\n");
          nextLineAt += intervalNanos;
        }
      } catch (IOException e) {
        reopen();
      }
    }

    private void reopen() {
      closedByServer.incrementAndGet();
      try {
        channel.close();
      } catch (IOException e) {
        // already gone
      }
      try {
        open();
      } catch (IOException e) {
        // the listen queue is full for a moment: try again on the next round
        nextLineAt = System.nanoTime();
      }
    }
  }

  public SlowClients(String host, int port, int tricklers, int silent, long intervalMillis)
      throws IOException {
    this.target = new InetSocketAddress(host, port);
    this.intervalNanos = intervalMillis * 1_000_000L;
    for (int i = 0; i < tricklers + silent; i++) {
      Client c = new Client(i < tricklers);
      c.open();
      clients.add(c);
    }
    thread = new Thread(this::run, "slow-clients");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    ByteBuffer scratch = ByteBuffer.allocate(4096);
    while (running) {
      for (Client c : clients) {
        if (c.channel.isOpen()) {
          c.poll(scratch);
        } else {
          c.reopen();
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  public int closedByServer() {
    return closedByServer.get();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(5000);
    for (Client c : clients) {
      try {
        c.channel.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
