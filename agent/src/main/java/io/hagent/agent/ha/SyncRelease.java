package io.hagent.agent.ha;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.SyncState;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.dcs.Dcs;
import io.hagent.common.dcs.DcsException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A synchronous standby about to stop (SIGTERM) first asks the primary to choose another one
 * (§6.2): it publishes {@code nosync: true, sync_priority: 0} in its member key and waits up to
 * {@code 2*loop_wait} for the {@code sync} key to drop it, so that commits do not stall on a
 * standby that is going away. Only a hint: a DCS error or the timeout lets the stop go on.
 */
final class SyncRelease {
  private static final Logger LOG = LoggerFactory.getLogger(SyncRelease.class);
  private static final long POLL_MILLIS = 250;

  private SyncRelease() {}

  /**
   * @param member our member key as it would be published now
   * @return whether we had to ask (we were listed as a synchronous standby)
   */
  static boolean beforeStop(
      String me, Cluster cluster, Map<String, Object> member, Dcs dcs, LongSupplier nanoTime) {
    if (!listed(me, cluster)) {
      return false;
    }
    DynamicConfig config = DynamicConfig.from(cluster.config());
    LOG.info("Waiting for primary to release us from synchronous standby");
    Map<String, Object> asking = new LinkedHashMap<>(member);
    @SuppressWarnings("unchecked")
    Map<String, Object> tags =
        member.get("tags") instanceof Map<?, ?> t
            ? new LinkedHashMap<>((Map<String, Object>) t)
            : new LinkedHashMap<>();
    tags.put("nosync", true);
    tags.put("sync_priority", 0);
    asking.put("tags", tags);
    long deadline = nanoTime.getAsLong() + TimeUnit.SECONDS.toNanos(2L * config.loopWait());
    try {
      dcs.touchMember(asking);
      while (nanoTime.getAsLong() < deadline) {
        if (!listed(me, dcs.readCluster())) {
          LOG.info("Released from synchronous standby");
          return true;
        }
        Thread.sleep(POLL_MILLIS);
      }
      LOG.info("The primary did not release us from synchronous standby in time, stopping anyway");
    } catch (DcsException e) {
      LOG.warn("Could not ask to be released from synchronous standby: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return true;
  }

  /** Listed as a standby (not as the leader) in the sync key, with synchronous mode on. */
  static boolean listed(String me, Cluster cluster) {
    if (cluster == null || cluster.sync() == null) {
      return false;
    }
    SyncState key = cluster.sync();
    return DynamicConfig.from(cluster.config()).synchronous()
        && !me.equals(key.leader())
        && key.syncStandbys().stream().anyMatch(n -> n.equalsIgnoreCase(me));
  }
}
