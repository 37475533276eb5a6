package io.hagent.common.dcs;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.config.ZooKeeperConfig;
import io.hagent.common.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ZooKeeper implementation of {@link Dcs}, with Patroni's layout: every value is a node under
 * {@code /<namespace>/<scope>/}; {@code leader} and {@code members/<name>} are EPHEMERAL nodes of
 * our session, the rest persistent. The session timeout is the ttl (as Patroni asks kazoo for), so
 * the server removes our ephemeral nodes at most ttl after it last heard from us.
 *
 * <p>Lock safety: the HA loop holds the lock until {@code sent + ttl}, where {@code sent} is when
 * it started a successful {@link #updateLeader}. That call makes a round trip on the session that
 * owns the leader node, which resets the server's session timer no earlier than {@code sent}; the
 * node thus lives at least until {@code sent + negotiated timeout}. Leader operations therefore
 * refuse to run on a session whose negotiated timeout is shorter than the ttl (a server's
 * maxSessionTimeout may cap it): the deadline would otherwise outlive the lock.
 *
 * <p>Every public method runs under {@link DcsRetry} with the same deadlines as the etcd store; a
 * ZooKeeper call runs on a pool thread so a hung connection never holds the caller past them.
 * Compare-and-set uses the node's {@code mzxid} as the "mod revision" the callers pass back (it is
 * global and monotonic, as etcd's) and the node's version to make the write atomic.
 *
 * <p>Why this file is longer than ~500 lines: it is one implementation of the whole {@link Dcs}
 * interface (every key of Patroni's layout, the session with its TLS and ACL set-up, the watch),
 * kept in one place as {@link EtcdDcs} is, so the two stores read side by side.
 */
public final class ZooKeeperDcs implements Dcs {
  private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperDcs.class);

  /** Keys whose change wakes the HA loop, as for etcd's watch. */
  private static final List<String> WATCHED =
      List.of("leader", "config", "failover", "status", "sync", "optime/leader");

  private final ZooKeeperConfig config;
  private final KeyLayout keys;
  private final String base; // "/service/batman", no trailing slash
  private final String memberName;
  private final List<ACL> acl;
  private final ExecutorService calls;
  private final DcsRetry retry;
  private final List<DcsListener> listeners = new CopyOnWriteArrayList<>();

  private volatile int ttl;
  private volatile int retryTimeout;

  private final Object sessionLock = new Object();
  private ZooKeeper zk; // guarded by sessionLock
  private int sessionTtl; // ttl the current session was opened with; guarded by sessionLock
  private boolean closed; // guarded by sessionLock
  private volatile boolean holdingLeader;

  // write caches, guarded by "this"
  private String lastMemberJson;
  private long lastMemberSession;
  private String lastStatusJson;

  private ZooKeeperDcs(
      ZooKeeperConfig config, KeyLayout keys, String memberName, int ttl, int retryTimeout) {
    this.config = config;
    this.keys = keys;
    String prefix = keys.prefix();
    this.base = prefix.substring(0, prefix.length() - 1);
    this.memberName = memberName;
    this.acl = ZooKeeperSessions.acl(config);
    this.ttl = ttl;
    this.retryTimeout = retryTimeout;
    AtomicInteger count = new AtomicInteger();
    this.calls =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "zookeeper-call-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.retry =
        new DcsRetry(
            "zookeeper", config.connectString(), System::nanoTime, TimeUnit.NANOSECONDS::sleep);
  }

  /**
   * @param memberName the agent's name; null for a client that owns no nodes (hactl)
   */
  public static ZooKeeperDcs create(
      ZooKeeperConfig config, KeyLayout keys, String memberName, int ttl, int retryTimeout) {
    if (ttl < 1 || retryTimeout < 1) {
      throw new IllegalArgumentException(
          "zookeeper: ttl and retry_timeout must be positive, got " + ttl + " and " + retryTimeout);
    }
    if (config.hosts() == null || config.hosts().isEmpty()) {
      throw new IllegalArgumentException("zookeeper: no hosts configured");
    }
    return new ZooKeeperDcs(config, keys, memberName, ttl, retryTimeout);
  }

  @Override
  public String memberName() {
    return memberName;
  }

  @Override
  public void setTimeouts(int ttlSeconds, int retryTimeoutSeconds) {
    if (ttlSeconds < 1 || retryTimeoutSeconds < 1) {
      throw new IllegalArgumentException(
          "zookeeper: ttl and retry_timeout must be positive, got "
              + ttlSeconds
              + " and "
              + retryTimeoutSeconds);
    }
    this.ttl = ttlSeconds;
    this.retryTimeout = retryTimeoutSeconds;
  }

  // ---------------------------------------------------------------- reading

  @Override
  public Cluster readCluster() throws DcsException {
    return retry(
        "get_cluster",
        deadline ->
            call(
                deadline,
                z -> {
                  List<ClusterParser.RawKey> raw = new ArrayList<>();
                  long[] revision = {0};
                  List<String> children;
                  try {
                    Stat baseStat = new Stat();
                    children = z.getChildren(base, false, baseStat);
                    revision[0] = Math.max(baseStat.getMzxid(), baseStat.getPzxid());
                  } catch (KeeperException.NoNodeException e) {
                    return ClusterParser.parse(List.of(), 0);
                  }
                  for (String child : children) {
                    if (child.equals("members") || child.equals("optime")) {
                      List<String> names;
                      try {
                        names = z.getChildren(base + "/" + child, false);
                      } catch (KeeperException.NoNodeException e) {
                        continue;
                      }
                      for (String name : names) {
                        read(z, child + "/" + name, raw, revision);
                      }
                    } else {
                      read(z, child, raw, revision);
                    }
                  }
                  return ClusterParser.parse(raw, revision[0]);
                }));
  }

  private void read(ZooKeeper z, String key, List<ClusterParser.RawKey> out, long[] revision)
      throws KeeperException, InterruptedException {
    Stat stat = new Stat();
    byte[] data;
    try {
      data = z.getData(base + "/" + key, false, stat);
    } catch (KeeperException.NoNodeException e) {
      return; // deleted between listing and reading
    }
    revision[0] = Math.max(revision[0], Math.max(stat.getMzxid(), stat.getPzxid()));
    out.add(new ClusterParser.RawKey(key, text(data), stat.getMzxid(), stat.getEphemeralOwner()));
  }

  // ---------------------------------------------------------------- leader node

  @Override
  public boolean attemptToAcquireLeader() throws DcsException {
    requireMember();
    boolean won =
        retry(
            "attempt_to_acquire_leader",
            deadline -> {
              ZooKeeper z = leaderSession();
              return call(deadline, z, this::createLeaderIfAbsent);
            });
    holdingLeader = won;
    if (!won) {
      LOG.info("Could not take out TTL lock");
    }
    return won;
  }

  /** True if the leader node is (now) ours on {@code z}'s session; false if another holds it. */
  private boolean createLeaderIfAbsent(ZooKeeper z) throws KeeperException, InterruptedException {
    try {
      createWithParents(z, keys.leader(), bytes(memberName), CreateMode.EPHEMERAL);
      return true;
    } catch (KeeperException.NodeExistsException e) {
      // an earlier attempt may have created it and lost only the answer
      Stat stat = new Stat();
      try {
        byte[] data = z.getData(keys.leader(), false, stat);
        return memberName.equals(text(data)) && stat.getEphemeralOwner() == z.getSessionId();
      } catch (KeeperException.NoNodeException gone) {
        return false;
      }
    }
  }

  @Override
  public boolean updateLeader() throws DcsException {
    requireMember();
    boolean ours =
        retry(
            "update_leader",
            deadline -> {
              ZooKeeper z = leaderSession();
              return call(
                  deadline,
                  z,
                  zz -> {
                    Stat stat = new Stat();
                    byte[] data;
                    try {
                      data = zz.getData(keys.leader(), false, stat);
                    } catch (KeeperException.NoNodeException e) {
                      // §4 "update leader": gone (e.g. our session expired while failsafe kept us
                      // primary) is created again if nobody else holds it
                      return createLeaderIfAbsent(zz);
                    }
                    if (!memberName.equals(text(data))) {
                      return false;
                    }
                    if (stat.getEphemeralOwner() == zz.getSessionId()) {
                      return true; // this round trip renewed the session
                    }
                    LOG.warn("Recreating the leader ZNode due to ownership mismatch");
                    try {
                      zz.delete(keys.leader(), stat.getVersion());
                    } catch (KeeperException.NoNodeException
                        | KeeperException.BadVersionException e) {
                      // changed meanwhile: the create below decides
                    }
                    return createLeaderIfAbsent(zz);
                  });
            });
    holdingLeader = ours;
    return ours;
  }

  @Override
  public void takeLeader() throws DcsException {
    requireMember();
    retry(
        "take_leader",
        deadline -> {
          ZooKeeper z = leaderSession();
          return call(
              deadline,
              z,
              zz -> {
                Stat stat = zz.exists(keys.leader(), false);
                if (stat != null && stat.getEphemeralOwner() != zz.getSessionId()) {
                  try {
                    zz.delete(keys.leader(), -1);
                  } catch (KeeperException.NoNodeException e) {
                    // gone already
                  }
                }
                if (!createLeaderIfAbsent(zz)) {
                  throw new KeeperException.NodeExistsException(keys.leader());
                }
                return null;
              });
        });
    holdingLeader = true;
  }

  @Override
  public boolean deleteLeader() throws DcsException {
    requireMember();
    boolean deleted =
        retry(
            "delete_leader",
            deadline ->
                call(
                    deadline,
                    z -> {
                      Stat stat = new Stat();
                      try {
                        byte[] data = z.getData(keys.leader(), false, stat);
                        if (!memberName.equals(text(data))) {
                          return false;
                        }
                        z.delete(keys.leader(), stat.getVersion());
                        return true;
                      } catch (KeeperException.NoNodeException
                          | KeeperException.BadVersionException e) {
                        return false;
                      }
                    }));
    holdingLeader = false;
    return deleted;
  }

  @Override
  public boolean deleteLeaderIfUnchanged(io.hagent.common.cluster.Leader observed)
      throws DcsException {
    return retry(
        "delete_leader_if_unchanged",
        deadline ->
            call(
                deadline,
                z -> {
                  Stat stat = new Stat();
                  try {
                    byte[] data = z.getData(keys.leader(), false, stat);
                    if (!observed.name().equals(text(data))
                        || stat.getMzxid() != observed.modRevision()
                        || stat.getEphemeralOwner() != observed.leaseId()) {
                      return false;
                    }
                    z.delete(keys.leader(), stat.getVersion()); // fails if changed since the read
                    return true;
                  } catch (KeeperException.NoNodeException
                      | KeeperException.BadVersionException e) {
                    return false;
                  }
                }));
  }

  // ---------------------------------------------------------------- member node

  @Override
  public synchronized void touchMember(Map<String, Object> data) throws DcsException {
    requireMember();
    String json = Json.write(data);
    String path = keys.member(memberName);
    long session =
        retry(
            "touch_member",
            deadline ->
                call(
                    deadline,
                    z -> {
                      long id = z.getSessionId();
                      if (json.equals(lastMemberJson) && lastMemberSession == id) {
                        return id; // the session keeps the node alive; nothing to write
                      }
                      Stat stat = z.exists(path, false);
                      if (stat != null && stat.getEphemeralOwner() == id) {
                        z.setData(path, bytes(json), -1);
                        return id;
                      }
                      if (stat != null) {
                        // left by an earlier session of ours: it would vanish with that session
                        try {
                          z.delete(path, -1);
                        } catch (KeeperException.NoNodeException e) {
                          // gone already
                        }
                      }
                      createWithParents(z, path, bytes(json), CreateMode.EPHEMERAL);
                      return id;
                    }));
    lastMemberJson = json;
    lastMemberSession = session;
  }

  // ---------------------------------------------------------------- persistent nodes

  @Override
  public boolean initialize(boolean create, String sysid) throws DcsException {
    if (!create) {
      setOrCreate(keys.initialize(), sysid);
      return true;
    }
    return retry(
        "initialize",
        deadline ->
            call(
                deadline,
                z -> {
                  try {
                    createWithParents(z, keys.initialize(), bytes(sysid), CreateMode.PERSISTENT);
                    return true;
                  } catch (KeeperException.NodeExistsException e) {
                    return false;
                  }
                }));
  }

  @Override
  public void cancelInitialization() throws DcsException {
    delete(keys.initialize());
  }

  @Override
  public boolean setConfig(String json, Long expectedModRevision) throws DcsException {
    return compareAndSet(keys.config(), json, expectedModRevision);
  }

  @Override
  public boolean setFailover(String json, Long expectedModRevision) throws DcsException {
    return compareAndSet(keys.failover(), json, expectedModRevision);
  }

  @Override
  public boolean setSync(String json, Long expectedModRevision) throws DcsException {
    return compareAndSet(keys.sync(), json, expectedModRevision);
  }

  @Override
  public void deleteSync() throws DcsException {
    delete(keys.sync());
  }

  @Override
  public void setHistory(String json) throws DcsException {
    setOrCreate(keys.history(), json);
  }

  @Override
  public void setStatus(String json) throws DcsException {
    synchronized (this) {
      if (json.equals(lastStatusJson)) {
        return;
      }
    }
    setOrCreate(keys.status(), json);
    synchronized (this) {
      lastStatusJson = json;
    }
  }

  @Override
  public void setFailsafe(String json) throws DcsException {
    setOrCreate(keys.failsafe(), json);
  }

  @Override
  public void deleteFailsafe() throws DcsException {
    delete(keys.failsafe());
  }

  @Override
  public void deleteCluster() throws DcsException {
    retry(
        "delete_cluster",
        deadline ->
            call(
                deadline,
                z -> {
                  deleteTree(z, base);
                  return null;
                }));
    synchronized (this) {
      lastMemberJson = null;
      lastStatusJson = null;
    }
  }

  private static void deleteTree(ZooKeeper z, String path)
      throws KeeperException, InterruptedException {
    List<String> children;
    try {
      children = z.getChildren(path, false);
    } catch (KeeperException.NoNodeException e) {
      return;
    }
    for (String child : children) {
      deleteTree(z, path + "/" + child);
    }
    try {
      z.delete(path, -1);
    } catch (KeeperException.NoNodeException e) {
      // gone already
    }
  }

  // ---------------------------------------------------------------- watch and close

  /**
   * One persistent recursive watch on the cluster's path per session (ZooKeeper 3.6+); it survives
   * reconnects, and a new session adds it again. A lost session also wakes the listeners: our
   * ephemeral nodes are gone.
   */
  @Override
  public void watch(DcsListener listener) {
    listeners.add(listener);
    ZooKeeper z;
    synchronized (sessionLock) {
      z = closed ? null : zk;
    }
    if (z != null) {
      addWatch(z);
    }
  }

  private void addWatch(ZooKeeper z) {
    z.addWatch(
        base,
        this::onEvent,
        AddWatchMode.PERSISTENT_RECURSIVE,
        (rc, path, ctx) -> {
          if (rc != KeeperException.Code.OK.intValue()) {
            LOG.debug("zookeeper: adding the watch on {} failed: {}", path, rc);
          }
        },
        null);
  }

  private void onEvent(WatchedEvent event) {
    String path = event.getPath();
    if (path == null || !path.startsWith(base + "/")) {
      return;
    }
    String key = path.substring(base.length() + 1);
    if (WATCHED.contains(key)) {
      boolean deleted = event.getType() == Watcher.Event.EventType.NodeDeleted;
      listeners.forEach(l -> l.changed(key, deleted));
    }
  }

  /** Closing the session removes our ephemeral nodes at once. */
  @Override
  public void close() {
    ZooKeeper last;
    synchronized (sessionLock) {
      closed = true;
      last = zk;
      zk = null;
    }
    listeners.clear();
    if (last != null) {
      try {
        // bounded: a stopping agent does not wait out an outage for this
        if (!last.close((int) TimeUnit.SECONDS.toMillis(retryTimeout))) {
          LOG.warn("zookeeper: could not close the session in time");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    calls.shutdownNow();
  }

  // ---------------------------------------------------------------- session

  /**
   * The live session, opened with the current ttl when there is none (first use, or the old one
   * expired: ZooKeeper then closes the handle for good). A client that owns nodes also opens a new
   * session when the ttl changed, unless it holds the leader node: dropping that session would hand
   * the lock to another node while our lease deadline still says we hold it.
   */
  private ZooKeeper session() throws DcsException {
    ZooKeeper old = null;
    ZooKeeper current;
    synchronized (sessionLock) {
      if (closed) {
        throw new DcsException("zookeeper: client is closed");
      }
      boolean ttlChanged = memberName != null && sessionTtl != ttl && !holdingLeader;
      if (zk != null && zk.getState().isAlive() && !ttlChanged) {
        return zk;
      }
      old = zk;
      zk = null;
      if (old != null && old.getState().isAlive()) {
        LOG.info("zookeeper: ttl is now {} s, opening a session with that timeout", ttl);
      } else if (old != null) {
        LOG.warn("zookeeper: session lost, opening a new one");
      }
      try {
        current = ZooKeeperSessions.open(config, ttl, this::onSessionEvent);
      } catch (IOException e) {
        throw new DcsRetry.Transient("zookeeper: " + e.getMessage(), e);
      }
      zk = current;
      sessionTtl = ttl;
    }
    if (old != null) {
      closeQuietly(old);
    }
    if (!listeners.isEmpty()) {
      addWatch(current);
    }
    return current;
  }

  /** The current session, for tests that expire it from outside. */
  ZooKeeper currentSession() {
    synchronized (sessionLock) {
      return zk;
    }
  }

  private void onSessionEvent(WatchedEvent event) {
    Watcher.Event.KeeperState state = event.getState();
    if (state == Watcher.Event.KeeperState.Expired) {
      LOG.warn("zookeeper: session expired: our leader and member nodes are gone");
      holdingLeader = false;
      listeners.forEach(l -> l.changed("leader", true));
    } else if (state == Watcher.Event.KeeperState.Disconnected) {
      LOG.info("zookeeper: connection lost, reconnecting");
    } else {
      onEvent(event);
    }
  }

  private void discard(ZooKeeper z) {
    synchronized (sessionLock) {
      if (zk != z) {
        return;
      }
      zk = null;
    }
    holdingLeader = false;
    closeQuietly(z);
  }

  private void closeQuietly(ZooKeeper z) {
    calls.submit(
        () -> {
          try {
            z.close(1000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
  }

  /**
   * The session for a leader operation: refused when its timeout is shorter than the ttl (see the
   * class comment). A session not yet connected has no negotiated timeout: the attempt fails as
   * transient, and the retry tries again shortly.
   */
  private ZooKeeper leaderSession() throws DcsException {
    ZooKeeper z = session();
    if (!z.getState().isConnected()) {
      throw new DcsRetry.Transient("zookeeper: not connected", null);
    }
    int negotiated = z.getSessionTimeout();
    if (negotiated < TimeUnit.SECONDS.toMillis(ttl)) {
      throw new DcsException(
          "zookeeper: the server granted a session timeout of "
              + negotiated
              + " ms, shorter than ttl "
              + ttl
              + " s: the leader lock could vanish before this node stops acting as leader."
              + " Lower ttl or raise the server's maxSessionTimeout");
    }
    return z;
  }

  // ---------------------------------------------------------------- helpers

  private boolean compareAndSet(String path, String value, Long expectedModRevision)
      throws DcsException {
    if (expectedModRevision == null) {
      setOrCreate(path, value);
      return true;
    }
    return retry(
        "set " + path,
        deadline ->
            call(
                deadline,
                z -> {
                  if (expectedModRevision == 0) {
                    try {
                      createWithParents(z, path, bytes(value), CreateMode.PERSISTENT);
                      return true;
                    } catch (KeeperException.NodeExistsException e) {
                      return false;
                    }
                  }
                  Stat stat = z.exists(path, false);
                  if (stat == null || stat.getMzxid() != expectedModRevision) {
                    return false;
                  }
                  try {
                    z.setData(path, bytes(value), stat.getVersion());
                    return true;
                  } catch (KeeperException.BadVersionException
                      | KeeperException.NoNodeException e) {
                    return false;
                  }
                }));
  }

  private void setOrCreate(String path, String value) throws DcsException {
    retry(
        "set " + path,
        deadline ->
            call(
                deadline,
                z -> {
                  try {
                    z.setData(path, bytes(value), -1);
                  } catch (KeeperException.NoNodeException e) {
                    try {
                      createWithParents(z, path, bytes(value), CreateMode.PERSISTENT);
                    } catch (KeeperException.NodeExistsException raced) {
                      z.setData(path, bytes(value), -1);
                    }
                  }
                  return null;
                }));
  }

  private void delete(String path) throws DcsException {
    retry(
        "delete " + path,
        deadline ->
            call(
                deadline,
                z -> {
                  try {
                    z.delete(path, -1);
                  } catch (KeeperException.NoNodeException e) {
                    // already absent
                  }
                  return null;
                }));
  }

  /** Creates {@code path}, first its missing parents as empty persistent nodes (kazoo makepath). */
  private void createWithParents(ZooKeeper z, String path, byte[] data, CreateMode mode)
      throws KeeperException, InterruptedException {
    try {
      z.create(path, data, acl, mode);
      return;
    } catch (KeeperException.NoNodeException e) {
      // parents first
    }
    int slash = 0;
    while ((slash = path.indexOf('/', slash + 1)) > 0) {
      try {
        z.create(path.substring(0, slash), new byte[0], acl, CreateMode.PERSISTENT);
      } catch (KeeperException.NodeExistsException e) {
        // there already
      }
    }
    z.create(path, data, acl, mode);
  }

  private void requireMember() {
    if (memberName == null) {
      throw new IllegalStateException("this zookeeper client was created without a member name");
    }
  }

  @FunctionalInterface
  private interface ZkCall<T> {
    T run(ZooKeeper z) throws KeeperException, InterruptedException;
  }

  private <T> T retry(String operation, DcsRetry.Attempt<T> attempt) throws DcsException {
    return retry.call(operation, retryTimeout, attempt);
  }

  private <T> T call(DcsRetry.Deadline deadline, ZkCall<T> op) throws DcsException {
    return call(deadline, session(), op);
  }

  /**
   * Runs {@code op} on a pool thread and waits at most until {@code deadline}: the client's own
   * waits (for a reconnect, for an answer) are tied to the session timeout, not to ours.
   */
  private <T> T call(DcsRetry.Deadline deadline, ZooKeeper z, ZkCall<T> op) throws DcsException {
    Future<T> future;
    try {
      future = calls.submit(() -> op.run(z));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      throw new DcsException("zookeeper: client is closed", e);
    }
    try {
      return future.get(Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new DcsRetry.Transient("zookeeper: request timed out", e);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new DcsException("zookeeper: interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof KeeperException ke) {
        String text = "zookeeper: " + ke.code() + (ke.getPath() == null ? "" : " " + ke.getPath());
        if (ke.code() == KeeperException.Code.SESSIONEXPIRED) {
          discard(z); // the handle can never be used again: the next attempt opens a new session
        }
        switch (ke.code()) {
          case CONNECTIONLOSS, OPERATIONTIMEOUT, SESSIONEXPIRED, SESSIONMOVED, NOTREADONLY ->
              throw new DcsRetry.Transient(text, ke);
          default -> throw new DcsException(text, ke);
        }
      }
      if (cause instanceof DcsException de) {
        throw de;
      }
      throw new DcsException("zookeeper: " + cause, cause);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return b == null ? "" : new String(b, StandardCharsets.UTF_8);
  }
}
