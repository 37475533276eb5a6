package io.hagent.agent;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import io.hagent.common.dcs.DcsException;
import io.hagent.common.rest.RestClient;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's two checks before a node starts anything (§3.2 {@code name}): wait until the DCS
 * answers, then refuse to start when a member key with our name exists and its REST API answers, so
 * that a copied config or a second service unit never gives one member two agents.
 */
final class AgentStartupGuard {
  private static final Logger LOG = LoggerFactory.getLogger(AgentStartupGuard.class);

  /** Patroni's pause between attempts to read the cluster at start. */
  static final long DCS_RETRY_MILLIS = 5000;

  interface ClusterReader {
    Cluster read() throws DcsException;
  }

  /** Whether anything answers HTTP at the URL (any status; false on refusal or timeout). */
  interface Liveness {
    boolean answers(String url);
  }

  interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  private AgentStartupGuard() {}

  /** Patroni waits this long for the other agent's answer. */
  static final Duration LIVENESS_TIMEOUT = Duration.ofSeconds(3);

  /** {@link Liveness} over HTTP(S) with the node's own REST client settings. */
  static Liveness http(RestClient client) {
    return url -> {
      try {
        client.get(url, LIVENESS_TIMEOUT);
        return true;
      } catch (IOException | RuntimeException e) {
        return false;
      }
    };
  }

  /**
   * Reads the cluster, retrying every 5 s while the DCS does not answer: without it the name cannot
   * be checked, and nothing else at start needs to happen sooner.
   */
  static Cluster awaitCluster(ClusterReader dcs, Sleeper sleeper) throws InterruptedException {
    while (true) {
      try {
        return dcs.read();
      } catch (DcsException e) {
        LOG.warn("Can not get cluster from dcs");
        LOG.debug("reading the cluster at start: {}", e.getMessage());
        sleeper.sleep(DCS_RETRY_MILLIS);
      }
    }
  }

  /**
   * True when the member key {@code name} exists and its API answers on {@code /liveness}. Any HTTP
   * status counts, as in Patroni: a 503 is still an agent that runs under our name.
   */
  static boolean anotherNodeRuns(Cluster cluster, String name, Liveness liveness) {
    Optional<Member> member = cluster == null ? Optional.empty() : cluster.member(name);
    if (member.isEmpty()) {
      return false;
    }
    String url = livenessUrl(member.get().apiUrl());
    return url != null && liveness.answers(url);
  }

  /** The member's api_url with its path replaced by {@code /liveness}; null if unusable. */
  static String livenessUrl(String apiUrl) {
    if (apiUrl == null || apiUrl.isBlank()) {
      return null;
    }
    try {
      URI u = new URI(apiUrl.trim());
      if (u.getScheme() == null || u.getRawAuthority() == null) {
        return null;
      }
      return new URI(u.getScheme(), u.getRawAuthority(), "/liveness", null, null).toString();
    } catch (URISyntaxException e) {
      return null;
    }
  }
}
