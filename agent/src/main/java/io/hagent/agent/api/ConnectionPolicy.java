package io.hagent.agent.api;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one connection may cost, enforced with Jetty's own hooks:
 *
 * <ul>
 *   <li>the request line and headers must be complete within {@link #HEADER_TIMEOUT_MILLIS} of the
 *       connection opening (TLS handshake included) or of the previous answer on it, else the
 *       connection is closed: a client that trickles header lines cannot hold it for long; Jetty's
 *       idle timeout alone would not catch it, since every line is activity;
 *   <li>the allowlist decision is taken once, when the connection is accepted, and travels with
 *       every request on it (attribute {@link #ALLOWLISTED});
 *   <li>a request body must arrive within the same time ({@link Limits#readWithin});
 *   <li>a request that waits on the DCS or the HA loop (a switchover, a restart) gets a longer idle
 *       timeout once its body is in ({@link Limits#waitingOnHaLoop}), so Jetty does not cut it off
 *       while nothing is written.
 * </ul>
 *
 * <p>None of this costs a thread per connection: Jetty reads with selectors, and the deadlines are
 * one-shot tasks on the connector's scheduler.
 */
final class ConnectionPolicy extends Handler.Wrapper implements Connection.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionPolicy.class);

  /** Request attribute: Boolean, the connection's allowlist decision. */
  static final String ALLOWLISTED = "hagent.allowlisted";

  /** Request attribute: this request's {@link Limits}. */
  static final String LIMITS = "hagent.limits";

  /** The same bound the HTTP/1.0 server had for reading one request. */
  static final long HEADER_TIMEOUT_MILLIS = 10_000;

  /** Idle timeout while a request that waits on the HA loop is served. */
  static final long BLOCKING_REQUEST_IDLE_MILLIS = 600_000;

  /**
   * Per-connection state. {@code deadline} (System.nanoTime()) is when the next request's headers
   * must be in; one check task per connection is pending at a time, however many requests it
   * carries (a task per request held 50 000 tasks, about 10 MB, under a burst of keep-alive
   * requests).
   */
  private static final class State {
    final boolean allowlisted;
    volatile long deadline;
    volatile boolean handling;

    State(boolean allowlisted) {
      this.allowlisted = allowlisted;
    }
  }

  private final Map<Connection, State> connections = new ConcurrentHashMap<>();
  private final Predicate<InetAddress> allowlist;
  private final long headerTimeoutMillis;
  private volatile Scheduler scheduler;

  ConnectionPolicy(Predicate<InetAddress> allowlist, long headerTimeoutMillis) {
    this.allowlist = allowlist;
    this.headerTimeoutMillis = headerTimeoutMillis;
  }

  /** Time limits for one request after its headers, called from the thread that serves it. */
  final class Limits {
    private final EndPoint endPoint;
    private final long idle;
    private volatile boolean extended;

    private Limits(EndPoint endPoint) {
      this.endPoint = endPoint;
      this.idle = endPoint.getIdleTimeout();
    }

    /** Runs a body read; the connection is closed if it has not finished in time. */
    <T> T readWithin(BodyRead<T> read) throws IOException {
      Scheduler s = scheduler;
      Scheduler.Task deadline =
          s == null
              ? null
              : s.schedule(endPoint::close, headerTimeoutMillis, TimeUnit.MILLISECONDS);
      try {
        return read.read();
      } finally {
        if (deadline != null) {
          deadline.cancel();
        }
      }
    }

    /** From here on the request waits on the HA loop: a long idle timeout until it is answered. */
    void waitingOnHaLoop() {
      extended = true;
      endPoint.setIdleTimeout(BLOCKING_REQUEST_IDLE_MILLIS);
    }

    private void done() {
      if (extended) {
        endPoint.setIdleTimeout(idle);
      }
    }
  }

  /** A blocking read. */
  interface BodyRead<T> {
    T read() throws IOException;
  }

  void setScheduler(Scheduler scheduler) {
    this.scheduler = scheduler;
  }

  int openConnections() {
    return connections.size();
  }

  // ---- Connection.Listener: every connection the connector opens (with TLS: both layers)

  @Override
  public void onOpened(Connection connection) {
    if (connection instanceof SslConnection) {
      return; // the HTTP connection on top of it is opened at the same time and carries the state
    }
    State state = new State(decide(connection.getEndPoint().getRemoteSocketAddress()));
    connections.put(connection, state);
    state.deadline = System.nanoTime() + headerTimeoutMillis * 1_000_000;
    schedule(connection, state, headerTimeoutMillis * 1_000_000);
  }

  @Override
  public void onClosed(Connection connection) {
    connections.remove(connection);
  }

  private boolean decide(SocketAddress remote) {
    if (!(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
      return false;
    }
    try {
      return allowlist.test(inet.getAddress());
    } catch (RuntimeException e) {
      LOG.warn("REST API: allowlist check failed for {}: {}", remote, e.toString());
      return false;
    }
  }

  /**
   * Checks the connection after {@code delayNanos}: closes it if it is idle past its deadline, else
   * checks again at the deadline (or a timeout later while a request is being served).
   */
  private void schedule(Connection connection, State state, long delayNanos) {
    Scheduler s = scheduler;
    if (s == null) {
      return;
    }
    s.schedule(() -> check(connection, state), delayNanos, TimeUnit.NANOSECONDS);
  }

  private void check(Connection connection, State state) {
    EndPoint endPoint = connection.getEndPoint();
    if (!endPoint.isOpen()) {
      return;
    }
    long timeout = headerTimeoutMillis * 1_000_000;
    if (state.handling) {
      schedule(connection, state, timeout); // the answer moves the deadline
      return;
    }
    long left = state.deadline - System.nanoTime();
    if (left > 0) {
      schedule(connection, state, left);
      return;
    }
    LOG.debug(
        "REST API: {} sent no complete request within {} ms; closing",
        endPoint.getRemoteSocketAddress(),
        headerTimeoutMillis);
    endPoint.close();
  }

  // ---- Handler.Wrapper: every request, once its headers are in

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Connection connection = request.getConnectionMetaData().getConnection();
    State state = connections.get(connection);
    if (state == null) {
      // not opened through our connector (cannot happen); decide now rather than fail open
      state = new State(decide(request.getConnectionMetaData().getRemoteSocketAddress()));
    }
    State current = state;
    current.handling = true;
    request.setAttribute(ALLOWLISTED, current.allowlisted);
    Limits limits = new Limits(connection.getEndPoint());
    request.setAttribute(LIMITS, limits);
    Callback done =
        Callback.from(
            callback,
            () -> {
              limits.done();
              current.deadline = System.nanoTime() + headerTimeoutMillis * 1_000_000;
              current.handling = false;
            });
    boolean handled = super.handle(request, response, done);
    if (!handled) {
      current.deadline = System.nanoTime() + headerTimeoutMillis * 1_000_000;
      current.handling = false;
    }
    return handled;
  }
}
