package io.hagent.it.chaos;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.testcontainers.containers.GenericContainer;

/**
 * The faults of the chaos suite. Each one is injected on the current leader (or on one etcd
 * member), held for {@link #hold}, then healed the way the environment would heal it: the image's
 * supervisor restarts a killed agent like systemd's Restart=always, a paused host is resumed, a
 * partition ends, an etcd member comes back. Nothing else is done to the cluster: whether it then
 * converges is what the suite measures.
 */
public enum Nemesis {
  /** kill -9 of the leader's agent; PostgreSQL keeps running, the supervisor restarts the agent. */
  KILL_AGENT("kill-agent") {
    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      leader.sh("kill -9 " + leader.agentPid());
      return () -> {};
    }
  },
  /** kill -9 of the leader's postmaster; its agent is left running. */
  KILL_POSTGRES("kill-postgres") {
    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      leader.sh("kill -9 " + leader.postmasterPid());
      return () -> {};
    }
  },
  /** kill -9 of the leader's agent and postmaster at once (the OOM killer, a crash). */
  KILL_BOTH("kill-both") {
    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      leader.sh("kill -9 " + leader.agentPid() + " " + leader.postmasterPid());
      return () -> {};
    }
  },
  /**
   * The leader's whole host gone: its container killed (SIGKILL to every process), started again
   * after ttl + 10 s with its data directory as it was, as a machine that crashed and rebooted.
   */
  KILL_HOST("kill-host") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return Duration.ofSeconds(cluster.timings().ttl() + 10L);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      cluster.docker().killContainerCmd(leader.containerId()).exec();
      return () -> {
        cluster.docker().startContainerCmd(leader.containerId()).exec();
        leader.refreshPorts(cluster.docker());
      };
    }
  },
  /** The leader's container frozen (docker pause) for ttl + 10 s, then resumed. */
  PAUSE("pause") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return Duration.ofSeconds(cluster.timings().ttl() + 10L);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      cluster.docker().pauseContainerCmd(leader.containerId()).exec();
      return () -> cluster.docker().unpauseContainerCmd(leader.containerId()).exec();
    }
  },
  /**
   * The leader cut off from every other member (etcd, the other nodes, HAProxy) for ttl + 15 s by
   * iptables in its container; the test's own clients still reach it, as an application on the
   * leader's side of the partition would.
   */
  PARTITION("partition") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return Duration.ofSeconds(cluster.timings().ttl() + 15L);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      StringBuilder rules = new StringBuilder("set -e");
      for (String ip : cluster.addressesExcept(leader)) {
        rules.append("; iptables -A INPUT -s ").append(ip).append(" -j DROP");
        rules.append("; iptables -A OUTPUT -d ").append(ip).append(" -j DROP");
      }
      leader.sh(rules.toString());
      return () -> leader.sh("iptables -F INPUT; iptables -F OUTPUT");
    }
  },
  /** One etcd member killed for 20 s, then started again (the quorum stays). */
  ETCD_MEMBER_DOWN("etcd-member-down") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return Duration.ofSeconds(20);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      GenericContainer<?> member = cluster.etcdMembers().get(0);
      cluster.docker().killContainerCmd(member.getContainerId()).exec();
      return () -> cluster.docker().startContainerCmd(member.getContainerId()).exec();
    }
  };

  /** Undoes what the environment undoes by itself (resume, reconnect, restart). */
  @FunctionalInterface
  interface Heal {
    void heal();
  }

  private final String label;

  Nemesis(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** How long the fault lasts before it is healed. */
  Duration hold(ChaosCluster cluster) {
    return Duration.ZERO;
  }

  abstract Heal inject(ChaosCluster cluster, ChaosNode leader);

  public static Nemesis byLabel(String label) {
    return Arrays.stream(values())
        .filter(n -> n.label.equals(label))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException("unknown fault '" + label + "'; known: " + labels()));
  }

  public static List<String> labels() {
    return Arrays.stream(values()).map(Nemesis::label).toList();
  }
}
