package io.hagent.common.dcs;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.ClusterStatus;
import io.hagent.common.cluster.Failover;
import io.hagent.common.cluster.Leader;
import io.hagent.common.cluster.Member;
import io.hagent.common.cluster.SyncState;
import io.hagent.common.json.JsonTree;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the raw keys under a cluster prefix into a {@link Cluster}. Values written by other
 * (possibly buggy or older) agents are untrusted: a corrupt value degrades to "absent" and never
 * makes the read fail, since the HA loop must keep running.
 */
final class ClusterParser {

  /** One key as read from etcd; {@code key} is relative to the cluster prefix. */
  record RawKey(String key, String value, long modRevision, long lease) {}

  private ClusterParser() {}

  /**
   * Looked up only when there is something to warn about: hactl's gateway read must not pay for
   * initialising the logging backend (a fifth of its start-up) on every clean read.
   */
  private static Logger log() {
    return LoggerFactory.getLogger(ClusterParser.class);
  }

  static Cluster parse(Collection<RawKey> keys, long revision) {
    String initialize = null;
    Map<String, Object> config = null;
    long configModRevision = 0;
    Leader leader = null;
    ClusterStatus status = null;
    Long legacyOptime = null;
    List<Member> members = new ArrayList<>();
    Failover failover = null;
    SyncState sync = null;
    List<List<Object>> history = List.of();
    Map<String, Object> failsafe = null;

    for (RawKey raw : keys) {
      String key = raw.key();
      String value = raw.value();
      if (key.startsWith("members/")) {
        Member member = member(key.substring("members/".length()), raw);
        if (member != null) {
          members.add(member);
        }
        continue;
      }
      switch (key) {
        case "leader" -> leader = new Leader(value, raw.modRevision(), raw.lease());
        case "initialize" -> initialize = value;
        case "config" -> {
          config = object(key, value);
          configModRevision = raw.modRevision();
        }
        case "failover" -> {
          Map<String, Object> json = object(key, value);
          Failover f = json == null ? null : Failover.fromJson(json, raw.modRevision());
          failover = f == null || f.isEmpty() ? null : f;
        }
        case "sync" -> {
          // A corrupt sync key still carries the revision the primary needs to CAS it away.
          Map<String, Object> json = object(key, value);
          sync = SyncState.fromJson(json == null ? Map.of() : json, raw.modRevision());
        }
        case "status" -> {
          Map<String, Object> json = object(key, value);
          status = json == null ? null : ClusterStatus.fromJson(json);
        }
        case "optime/leader" -> legacyOptime = parseLong(key, value);
        case "history" -> history = history(value);
        case "failsafe" -> failsafe = object(key, value);
        default -> {
          // other keys (e.g. Patroni's leader-less extras) are not part of the cluster view
        }
      }
    }
    if ((status == null || status.optime() == 0) && legacyOptime != null) {
      status =
          status == null
              ? new ClusterStatus(legacyOptime, Map.of(), List.of())
              : new ClusterStatus(legacyOptime, status.slots(), status.retainSlots());
    }
    return new Cluster(
        initialize,
        config,
        configModRevision,
        leader,
        status == null ? ClusterStatus.EMPTY : status,
        List.copyOf(members),
        failover,
        sync,
        history,
        failsafe,
        revision);
  }

  private static Member member(String name, RawKey raw) {
    String value = raw.value();
    if (value.startsWith("postgres")) {
      return new Member(name, legacyMember(value), raw.modRevision());
    }
    Map<String, Object> data = object(raw.key(), value);
    return data == null ? null : new Member(name, data, raw.modRevision());
  }

  /**
   * Patroni < 1.0 stored {@code postgres://user:pw@host:port/db?application_name=<api_url>}: the
   * query carries the REST API url, the rest is the connection url.
   */
  private static Map<String, Object> legacyMember(String value) {
    Map<String, Object> data = new LinkedHashMap<>();
    int q = value.indexOf('?');
    data.put("conn_url", q < 0 ? value : value.substring(0, q));
    if (q >= 0) {
      for (String param : value.substring(q + 1).split("&")) {
        if (param.startsWith("application_name=")) {
          data.put(
              "api_url",
              URLDecoder.decode(
                  param.substring("application_name=".length()), StandardCharsets.UTF_8));
        }
      }
    }
    return data;
  }

  private static Map<String, Object> object(String key, String value) {
    try {
      return JsonTree.readObject(value);
    } catch (IllegalArgumentException e) {
      log().warn("Ignoring corrupt value of {}: {}", key, e.getMessage());
      return null;
    }
  }

  private static List<List<Object>> history(String value) {
    Object parsed;
    try {
      parsed = JsonTree.read(value);
    } catch (IllegalArgumentException e) {
      log().warn("Ignoring corrupt value of history: {}", e.getMessage());
      return List.of();
    }
    List<List<Object>> lines = new ArrayList<>();
    if (parsed instanceof List<?> list) {
      for (Object line : list) {
        if (line instanceof List<?> l && !l.isEmpty()) {
          lines.add(new ArrayList<>(l));
        }
      }
    }
    return List.copyOf(lines);
  }

  private static Long parseLong(String key, String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      log().warn("Ignoring corrupt value of {}", key);
      return null;
    }
  }
}
