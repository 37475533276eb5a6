package io.hagent.agent.ha;

import io.hagent.agent.ha.CrashEvidence.Probe;
import io.hagent.agent.ha.CrashEvidence.Round;
import io.hagent.agent.ha.CrashEvidence.Verdict;
import io.hagent.agent.postgres.Postgres;
import io.hagent.agent.postgres.WalStream;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.HostPort;
import io.hagent.common.cluster.Leader;
import io.hagent.common.cluster.Member;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.dcs.Dcs;
import io.hagent.common.dcs.DcsException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's watch for a leader whose processes are gone while its host answers
 * (docs/crash-detection.md): every {@link #PERIOD_MILLIS} it looks at its own WAL receiver; once
 * the stream from the leader closed, it probes the leader's REST API and PostgreSQL ports, and when
 * {@link CrashEvidence} says crashed it removes the leader key with a compare-and-delete and wakes
 * the HA loop. The election that follows is the ordinary one; this only shortens the wait for the
 * key.
 */
final class LeaderCrashDetector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderCrashDetector.class);

  static final long PERIOD_MILLIS = 300;
  static final int CONNECT_TIMEOUT_MILLIS = 500;

  /** After a probe found the leader alive (or could not tell), wait this long before the next. */
  static final long ALIVE_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);

  /** One TCP connect, closed at once; how it ended. */
  interface Connector {
    Probe connect(HostPort address, int timeoutMillis);
  }

  private final String me;
  private final Supplier<Cluster> cluster;
  private final Supplier<DynamicConfig> dynamic;
  private final Postgres pg;
  private final Dcs dcs;
  private final Connector connector;
  private final Runnable wake;
  private final LongSupplier nanoTime;

  /** The leader key (holder and revision) this replica's stream was last seen streaming from. */
  private Leader streamedFrom;

  private final List<Round> rounds = new ArrayList<>();
  private long quietUntil;
  private volatile Thread thread;

  LeaderCrashDetector(
      String me,
      Supplier<Cluster> cluster,
      Supplier<DynamicConfig> dynamic,
      Postgres pg,
      Dcs dcs,
      Connector connector,
      Runnable wake,
      LongSupplier nanoTime) {
    this.me = me;
    this.cluster = cluster;
    this.dynamic = dynamic;
    this.pg = pg;
    this.dcs = dcs;
    this.connector = connector;
    this.wake = wake;
    this.nanoTime = nanoTime;
  }

  void start() {
    Thread t =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                try {
                  tick();
                } catch (RuntimeException e) {
                  LOG.warn("leader crash detector: {}", e.toString());
                  reset();
                }
                try {
                  Thread.sleep(PERIOD_MILLIS);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "leader-crash-detector");
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  @Override
  public void close() {
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }

  /** One look; package-private for tests, which drive it without the thread. */
  void tick() {
    Cluster c = cluster.get();
    DynamicConfig d = dynamic.get();
    Leader leader = c == null ? null : c.leader();
    Member holder = leader == null ? null : c.member(leader.name()).orElse(null);
    if (d == null
        || !d.fastFailover()
        || holder == null
        || c.isPaused()
        || leader.name().equals(me)) {
      streamedFrom = null;
      reset();
      return;
    }
    WalStream stream = pg.walStream();
    if (stream == null) {
      streamedFrom = null; // our own PostgreSQL cannot be asked: no trigger
      reset();
      return;
    }
    HostPort pgAddress = HostPort.fromConnUrl(holder.connUrl());
    if (stream.streaming()) {
      // the trigger counts only for a stream from the holder itself (not a cascading source)
      streamedFrom = fromHolder(stream, pgAddress) ? leader : null;
      reset();
      return;
    }
    boolean streamedFromLeader = leader.equals(streamedFrom);
    if (!streamedFromLeader) {
      reset();
      return;
    }
    long now = nanoTime.getAsLong();
    if (now - quietUntil < 0) {
      return;
    }
    HostPort apiAddress = apiAddress(holder.apiUrl());
    if (apiAddress == null || pgAddress == null) {
      return;
    }
    Probe api = connector.connect(apiAddress, CONNECT_TIMEOUT_MILLIS);
    Probe db = api == Probe.REFUSED ? connector.connect(pgAddress, CONNECT_TIMEOUT_MILLIS) : null;
    rounds.add(new Round(now, api, db));
    Verdict verdict = CrashEvidence.judge(true, true, false, rounds);
    switch (verdict) {
      case ALIVE_OR_UNKNOWN -> {
        LOG.debug(
            "WAL stream from leader {} closed, but its REST API gave {} and PostgreSQL {}: not"
                + " treated as a crash",
            leader.name(),
            api,
            db == null ? "was not probed" : db);
        reset();
        quietUntil = now + ALIVE_BACKOFF_NANOS;
      }
      case CRASHED -> removeKey(leader, apiAddress, pgAddress, d.ttl());
      default -> {}
    }
  }

  private void removeKey(Leader leader, HostPort api, HostPort db, int ttl) {
    String evidence = CrashEvidence.describe(rounds);
    reset();
    streamedFrom = null; // one removal per observed key
    LOG.warn(
        "Leader {}'s REST API ({}) and PostgreSQL ({}) refuse connections ({}) and this node's WAL"
            + " stream from it closed: removing its leader key (revision {}) so the election need"
            + " not wait for the {} s lease",
        leader.name(),
        api,
        db,
        evidence,
        leader.modRevision(),
        ttl);
    try {
      if (dcs.deleteLeaderIfUnchanged(leader)) {
        LOG.warn("Removed the leader key of crashed leader {}", leader.name());
      } else {
        LOG.info(
            "Leader key of {} changed or was already removed meanwhile; left as it is",
            leader.name());
      }
    } catch (DcsException e) {
      LOG.warn("Could not remove the leader key of {}: {}", leader.name(), e.getMessage());
    }
    wake.run();
  }

  private void reset() {
    rounds.clear();
  }

  private static boolean fromHolder(WalStream stream, HostPort pgAddress) {
    return pgAddress != null
        && stream.senderHost() != null
        && Objects.equals(bare(stream.senderHost()), bare(pgAddress.host()))
        && stream.senderPort() == pgAddress.port();
  }

  /** An IPv6 literal without its URL brackets. */
  private static String bare(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  static HostPort apiAddress(String apiUrl) {
    if (apiUrl == null) {
      return null;
    }
    try {
      URI uri = URI.create(apiUrl);
      if (uri.getHost() == null) {
        return null;
      }
      int port = uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
      return new HostPort(uri.getHost(), port);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The real connector: a plain TCP connect, classified by {@link CrashEvidence#classify}. */
  static Probe tcpConnect(HostPort address, int timeoutMillis) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(bare(address.host()), address.port()), timeoutMillis);
      return Probe.CONNECTED;
    } catch (IOException e) {
      return CrashEvidence.classify(e);
    }
  }
}
