package io.hagent.common.dcs;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.config.EtcdConfig;
import io.hagent.common.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The etcd v3 implementation of {@link Dcs} (jetcd), retried as Patroni retries.
 *
 * <p>Every public method is one operation run by {@link DcsRetry}: attempts with their own deadline
 * (jetcd alone would wait forever: a keep-alive sent while etcd is down completes only when etcd
 * returns) and a growing pause between them, until one succeeds or {@code retryTimeout} seconds
 * have passed since the operation began; then it gives up with {@link DcsException}. An etcd blip
 * shorter than {@code retry_timeout} is thus invisible to the caller.
 *
 * <p>Why this file is longer than ~500 lines: it is one implementation of the whole {@link Dcs}
 * interface (every key of Patroni's layout, the lease, the watch, member failover across the
 * endpoints), kept in one place as {@link ZooKeeperDcs} is, so the two stores read side by side.
 */
public final class EtcdDcs implements Dcs {

  private static final Logger LOG = LoggerFactory.getLogger(EtcdDcs.class);

  private final Supplier<Client> clientFactory;
  private final Object clientLock = new Object();
  private Client client; // guarded by clientLock
  private volatile boolean reconnectNeeded;
  private boolean closed; // guarded by clientLock
  private final KeyLayout keys;
  private final String memberName;
  private final ExecutorService executor;
  private final ScheduledExecutorService scheduler;
  private final List<PrefixWatch> watches = new ArrayList<>();
  private final DcsRetry retry;

  private volatile int ttl;
  private volatile int retryTimeout;

  // Lease state, guarded by "this".
  private long leaseId; // 0 = none granted yet (or lost)
  private int leaseTtl;
  private long lastLeaseRefreshNanos;
  private String lastMemberJson;
  private long lastMemberLease;
  private String lastStatusJson;

  private EtcdDcs(
      Supplier<Client> clientFactory,
      KeyLayout keys,
      String memberName,
      int ttl,
      int retryTimeout,
      ExecutorService executor,
      ScheduledExecutorService scheduler,
      DcsRetry retry) {
    this.clientFactory = clientFactory;
    this.client = clientFactory.get();
    this.keys = keys;
    this.memberName = memberName;
    this.ttl = ttl;
    this.retryTimeout = retryTimeout;
    this.executor = executor;
    this.scheduler = scheduler;
    this.retry = retry;
  }

  /**
   * @param memberName the agent's name; null for a read/write client without a lease (hactl)
   */
  public static EtcdDcs create(
      EtcdConfig config, KeyLayout keys, String memberName, int ttl, int retryTimeout) {
    if (ttl < 1 || retryTimeout < 1) {
      throw new IllegalArgumentException(
          "etcd: ttl and retry_timeout must be positive, got " + ttl + " and " + retryTimeout);
    }
    ExecutorService executor = Executors.newFixedThreadPool(2, daemonThreads("etcd-pool"));
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(daemonThreads("etcd-watch-restart"));
    try {
      Supplier<Client> factory = () -> EtcdClients.build(config, executor);
      DcsRetry retry =
          new DcsRetry(
              String.join(",", config.endpoints()), System::nanoTime, TimeUnit.NANOSECONDS::sleep);
      return new EtcdDcs(factory, keys, memberName, ttl, retryTimeout, executor, scheduler, retry);
    } catch (RuntimeException e) {
      executor.shutdownNow();
      scheduler.shutdownNow();
      throw e;
    }
  }

  @Override
  public String memberName() {
    return memberName;
  }

  @Override
  public void setTimeouts(int ttlSeconds, int retryTimeoutSeconds) {
    if (ttlSeconds < 1 || retryTimeoutSeconds < 1) {
      throw new IllegalArgumentException(
          "etcd: ttl and retry_timeout must be positive, got "
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
    String prefix = keys.prefix();
    GetResponse response =
        retry(
            "get_cluster",
            deadline ->
                await(
                    kv().get(bytes(prefix), GetOption.builder().isPrefix(true).build()), deadline));
    List<ClusterParser.RawKey> raw = new ArrayList<>(response.getKvs().size());
    for (KeyValue kv : response.getKvs()) {
      raw.add(
          new ClusterParser.RawKey(
              text(kv.getKey()).substring(prefix.length()),
              text(kv.getValue()),
              kv.getModRevision(),
              kv.getLease()));
    }
    return ClusterParser.parse(raw, response.getHeader().getRevision());
  }

  // ---------------------------------------------------------------- leader key

  @Override
  public synchronized boolean attemptToAcquireLeader() throws DcsException {
    requireMember();
    ByteSequence leader = bytes(keys.leader());
    TxnResponse response =
        retry(
            "attempt_to_acquire_leader",
            deadline -> {
              refreshLease(deadline, true);
              return withLease(
                  deadline,
                  lease ->
                      kv().txn()
                          .If(new Cmp(leader, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                          .Then(Op.put(leader, bytes(memberName), withLease(lease)))
                          .commit());
            });
    if (!response.isSucceeded()) {
      LOG.info("Could not take out TTL lock");
    }
    return response.isSucceeded();
  }

  @Override
  public synchronized boolean updateLeader() throws DcsException {
    requireMember();
    return retry("update_leader", this::updateLeaderOnce);
  }

  private boolean updateLeaderOnce(DcsRetry.Deadline deadline) throws DcsException {
    refreshLease(deadline, true);
    ByteSequence leader = bytes(keys.leader());
    Cmp ours = new Cmp(leader, Cmp.Op.EQUAL, CmpTarget.value(bytes(memberName)));
    TxnResponse check =
        await(kv().txn().If(ours).Then(Op.get(leader, GetOption.DEFAULT)).commit(), deadline);
    if (!check.isSucceeded()) {
      // §4 "update leader": a key that is gone (our old lease expired, e.g. while etcd was
      // unreachable and failsafe mode kept us primary) is created again if nobody else holds it
      return withLease(
              deadline,
              lease ->
                  kv().txn()
                      .If(new Cmp(leader, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                      .Then(Op.put(leader, bytes(memberName), withLease(lease)))
                      .commit())
          .isSucceeded();
    }
    List<KeyValue> found = check.getGetResponses().get(0).getKvs();
    if (!found.isEmpty() && found.get(0).getLease() == leaseId) {
      return true;
    }
    // Our key, but on an older lease (ttl changed or the lease was lost): move it to ours.
    TxnResponse moved =
        withLease(
            deadline,
            lease ->
                kv().txn()
                    .If(ours)
                    .Then(Op.put(leader, bytes(memberName), withLease(lease)))
                    .commit());
    return moved.isSucceeded();
  }

  @Override
  public synchronized void takeLeader() throws DcsException {
    requireMember();
    retry(
        "take_leader",
        deadline -> {
          refreshLease(deadline, false);
          return withLease(
              deadline,
              lease -> kv().put(bytes(keys.leader()), bytes(memberName), withLease(lease)));
        });
  }

  @Override
  public boolean deleteLeader() throws DcsException {
    requireMember();
    ByteSequence leader = bytes(keys.leader());
    return retry(
            "delete_leader",
            deadline ->
                await(
                    kv().txn()
                        .If(new Cmp(leader, Cmp.Op.EQUAL, CmpTarget.value(bytes(memberName))))
                        .Then(Op.delete(leader, DeleteOption.DEFAULT))
                        .commit(),
                    deadline))
        .isSucceeded();
  }

  @Override
  public boolean deleteLeaderIfUnchanged(io.hagent.common.cluster.Leader observed)
      throws DcsException {
    ByteSequence leader = bytes(keys.leader());
    return retry(
            "delete_leader_if_unchanged",
            deadline ->
                await(
                    kv().txn()
                        .If(
                            new Cmp(leader, Cmp.Op.EQUAL, CmpTarget.value(bytes(observed.name()))),
                            new Cmp(
                                leader,
                                Cmp.Op.EQUAL,
                                CmpTarget.modRevision(observed.modRevision())))
                        // every put changes mod_revision, also one that only moves the key to
                        // another lease (a restarted holder's renewal): no lease compare needed
                        .Then(Op.delete(leader, DeleteOption.DEFAULT))
                        .commit(),
                    deadline))
        .isSucceeded();
  }

  // ---------------------------------------------------------------- member key

  @Override
  public synchronized void touchMember(Map<String, Object> data) throws DcsException {
    requireMember();
    String json = Json.write(data);
    retry(
        "touch_member",
        deadline -> {
          refreshLease(deadline, false);
          if (json.equals(lastMemberJson) && lastMemberLease == leaseId) {
            return null;
          }
          lastMemberJson = null; // unknown until the put succeeds
          return withLease(
              deadline,
              lease -> kv().put(bytes(keys.member(memberName)), bytes(json), withLease(lease)));
        });
    lastMemberJson = json;
    lastMemberLease = leaseId;
  }

  // ---------------------------------------------------------------- keys without lease

  @Override
  public boolean initialize(boolean create, String sysid) throws DcsException {
    ByteSequence key = bytes(keys.initialize());
    if (!create) {
      retry("initialize", deadline -> await(kv().put(key, bytes(sysid)), deadline));
      return true;
    }
    return retry(
            "initialize",
            deadline ->
                await(
                    kv().txn()
                        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                        .Then(Op.put(key, bytes(sysid), PutOption.DEFAULT))
                        .commit(),
                    deadline))
        .isSucceeded();
  }

  @Override
  public void cancelInitialization() throws DcsException {
    delete(keys.initialize());
  }

  @Override
  public boolean setConfig(String json, Long expectedModRevision) throws DcsException {
    return compareAndPut(keys.config(), json, expectedModRevision);
  }

  @Override
  public boolean setFailover(String json, Long expectedModRevision) throws DcsException {
    return compareAndPut(keys.failover(), json, expectedModRevision);
  }

  @Override
  public boolean setSync(String json, Long expectedModRevision) throws DcsException {
    return compareAndPut(keys.sync(), json, expectedModRevision);
  }

  @Override
  public void deleteSync() throws DcsException {
    delete(keys.sync());
  }

  @Override
  public void setHistory(String json) throws DcsException {
    put(keys.history(), json);
  }

  @Override
  public void setStatus(String json) throws DcsException {
    synchronized (this) {
      if (json.equals(lastStatusJson)) {
        return;
      }
    }
    put(keys.status(), json);
    synchronized (this) {
      lastStatusJson = json;
    }
  }

  @Override
  public void setFailsafe(String json) throws DcsException {
    put(keys.failsafe(), json);
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
            await(
                kv().delete(bytes(keys.prefix()), DeleteOption.builder().isPrefix(true).build()),
                deadline));
    synchronized (this) {
      lastMemberJson = null;
      lastStatusJson = null;
    }
  }

  // ---------------------------------------------------------------- watch and close

  @Override
  public void watch(DcsListener listener) {
    PrefixWatch watch =
        new PrefixWatch(() -> client().getWatchClient(), keys.prefix(), listener, scheduler);
    synchronized (watches) {
      watches.add(watch);
    }
    watch.start();
  }

  @Override
  public void close() {
    synchronized (watches) {
      watches.forEach(PrefixWatch::close);
      watches.clear();
    }
    long lease;
    synchronized (this) {
      lease = leaseId;
      leaseId = 0;
    }
    if (lease != 0) {
      try {
        // one attempt: a stopping agent does not wait out an etcd outage for this
        await(leases().revoke(lease), singleAttempt());
      } catch (DcsException e) {
        LOG.warn("Could not revoke the etcd lease: {}", e.getMessage());
      }
    }
    Client last;
    synchronized (clientLock) {
      closed = true;
      last = client;
    }
    last.close();
    scheduler.shutdownNow();
    executor.shutdownNow();
  }

  // ---------------------------------------------------------------- connection

  /**
   * The client to use now. After a call failed for lack of a connection, the client is replaced:
   * gRPC backs off reconnecting for up to two minutes, which after a long etcd outage would keep us
   * away from a healthy etcd much longer than the ttl. A fresh channel connects at once.
   */
  private Client client() {
    Client current;
    Client old;
    synchronized (clientLock) {
      if (!reconnectNeeded || closed) {
        return client;
      }
      reconnectNeeded = false;
      old = client;
      client = clientFactory.get();
      current = client;
    }
    // debug only: DcsRetry already logs every failed attempt that leads here
    LOG.debug("Reconnecting to etcd");
    old.close(); // outside clientLock: closing waits for jetcd's locks, whose holders call us
    // outside clientLock: a watch takes its own lock and then asks for the client
    List<PrefixWatch> toRestart;
    synchronized (watches) {
      toRestart = List.copyOf(watches);
    }
    toRestart.forEach(PrefixWatch::restart);
    return current;
  }

  private KV kv() {
    return client().getKVClient();
  }

  private Lease leases() {
    return client().getLeaseClient();
  }

  // ---------------------------------------------------------------- lease handling

  /**
   * Makes sure we hold a live lease of the current ttl. A keep-alive is sent when {@code force} is
   * set (leader updates) or when the last one is older than a quarter of the ttl, so member keys of
   * replicas stay alive without a keep-alive on every call.
   */
  private void refreshLease(DcsRetry.Deadline deadline, boolean force) throws DcsException {
    if (leaseId == 0 || leaseTtl != ttl) {
      grantLease(deadline);
      return;
    }
    long age = System.nanoTime() - lastLeaseRefreshNanos;
    if (!force && age < TimeUnit.SECONDS.toNanos(ttl) / 4) {
      return;
    }
    long sent = System.nanoTime();
    try {
      await(leases().keepAliveOnce(leaseId), deadline);
      lastLeaseRefreshNanos = sent;
    } catch (LeaseNotFoundException e) {
      LOG.info("etcd lease {} is gone, granting a new one", Long.toHexString(leaseId));
      grantLease(deadline);
    }
  }

  private void grantLease(DcsRetry.Deadline deadline) throws DcsException {
    int wanted = ttl;
    long sent = System.nanoTime();
    leaseId = await(leases().grant(wanted), deadline).getID();
    leaseTtl = wanted;
    lastLeaseRefreshNanos = sent;
  }

  /** Runs a write with our lease; if etcd no longer knows the lease, grants one and retries. */
  private <T> T withLease(DcsRetry.Deadline deadline, LeaseWrite<T> write) throws DcsException {
    try {
      return await(write.start(leaseId), deadline);
    } catch (LeaseNotFoundException e) {
      LOG.info("etcd lease {} is gone, granting a new one", Long.toHexString(leaseId));
      grantLease(deadline);
      return await(write.start(leaseId), deadline);
    }
  }

  @FunctionalInterface
  private interface LeaseWrite<T> {
    CompletableFuture<T> start(long lease);
  }

  private static PutOption withLease(long lease) {
    return PutOption.builder().withLeaseId(lease).build();
  }

  // ---------------------------------------------------------------- plain key helpers

  private boolean compareAndPut(String key, String value, Long expectedModRevision)
      throws DcsException {
    if (expectedModRevision == null) {
      put(key, value);
      return true;
    }
    ByteSequence k = bytes(key);
    return retry(
            "put " + key,
            deadline ->
                await(
                    kv().txn()
                        .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedModRevision)))
                        .Then(Op.put(k, bytes(value), PutOption.DEFAULT))
                        .commit(),
                    deadline))
        .isSucceeded();
  }

  private void put(String key, String value) throws DcsException {
    retry("put " + key, deadline -> await(kv().put(bytes(key), bytes(value)), deadline));
  }

  private void delete(String key) throws DcsException {
    retry("delete " + key, deadline -> await(kv().delete(bytes(key)), deadline));
  }

  private void requireMember() {
    if (memberName == null) {
      throw new IllegalStateException("this etcd client was created without a member name");
    }
  }

  // ---------------------------------------------------------------- deadlines

  /** Runs one operation under {@link DcsRetry} with the current retry_timeout. */
  private <T> T retry(String operation, DcsRetry.Attempt<T> attempt) throws DcsException {
    return retry.call(operation, retryTimeout, attempt);
  }

  private DcsRetry.Deadline singleAttempt() {
    return new DcsRetry.Deadline(
        System.nanoTime() + TimeUnit.SECONDS.toNanos(retryTimeout), System::nanoTime);
  }

  private <T> T await(CompletableFuture<T> future, DcsRetry.Deadline deadline) throws DcsException {
    long waitNanos = Math.max(0, deadline.remainingNanos());
    try {
      return future.get(waitNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      reconnectNeeded = true;
      throw new DcsRetry.Transient("etcd: request timed out", e);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new DcsException("etcd: interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (EtcdErrors.isLeaseNotFound(cause)) {
        throw new LeaseNotFoundException(cause);
      }
      if (EtcdErrors.isUnavailable(cause)) {
        reconnectNeeded = true;
        throw new DcsRetry.Transient("etcd: " + EtcdErrors.describe(cause), cause);
      }
      if (EtcdErrors.isDeadlineExceeded(cause)) {
        throw new DcsRetry.Transient("etcd: " + EtcdErrors.describe(cause), cause);
      }
      throw new DcsException("etcd: " + EtcdErrors.describe(cause), cause);
    }
  }

  /** etcd does not know the lease we wrote with (it expired or was revoked). */
  private static final class LeaseNotFoundException extends DcsException {
    LeaseNotFoundException(Throwable cause) {
      super("etcd: requested lease not found", cause);
    }
  }

  // ---------------------------------------------------------------- bytes

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static String text(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
