package io.hagent.it.chaos;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.testcontainers.containers.GenericContainer;

/**
 * The faults of the chaos suite. Each one is injected on the current leader (or on one etcd
 * member), held for {@link #hold}, then healed the way the environment would heal it: the image's
 * supervisor restarts a killed agent like systemd's Restart=always, a paused host is resumed, a
 * partition ends, an etcd member comes back. Nothing else is done to the cluster: whether it then
 * converges is what the suite measures. The last few are combinations of two ({@link #together}),
 * labelled {@code a+b}.
 *
 * <p>Longer than ~500 lines: one constant per fault of issue #16, each with its comment, and the
 * few building blocks they share; splitting them would scatter the fault list.
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
      return crash(leader);
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
      return freeze(cluster, leader);
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
      return cut(leader, cluster.addressesExcept(leader), true, true);
    }
  },
  /** The leader's container frozen for ttl / 2 (less than the lease), then resumed. */
  PAUSE_SHORT("pause-short") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return shortHold(cluster);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      return PAUSE.inject(cluster, leader);
    }
  },
  /** SIGSTOP of the leader's agent only for ttl / 2, then SIGCONT; PostgreSQL keeps running. */
  STOP_AGENT_SHORT("stop-agent-short") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return shortHold(cluster);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      return stop(leader, leader.agentPid());
    }
  },
  /** SIGSTOP of the leader's agent only for ttl + 10 s: its lease expires under a live primary. */
  STOP_AGENT_LONG("stop-agent-long") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return longHold(cluster);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      return stop(leader, leader.agentPid());
    }
  },
  /**
   * SIGSTOP of the leader's postmaster only for ttl / 2: running backends go on, new connections
   * (the agent's, HAProxy's clients') hang.
   */
  STOP_POSTGRES_SHORT("stop-postgres-short") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return shortHold(cluster);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      return stop(leader, leader.postmasterPid());
    }
  },
  /** SIGSTOP of the leader's postmaster only for ttl + 10 s. */
  STOP_POSTGRES_LONG("stop-postgres-long") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return longHold(cluster);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      return stop(leader, leader.postmasterPid());
    }
  },
  /** The leader cut off from the three etcd members only; it still reaches the replicas. */
  PARTITION_ETCD("partition-etcd") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return Duration.ofSeconds(cluster.timings().ttl() + 15L);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      return cut(leader, cluster.etcdAddresses(), true, true);
    }
  },
  /** The leader cut off from the other database nodes only; etcd and HAProxy still reach it. */
  PARTITION_REPLICAS("partition-replicas") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return Duration.ofSeconds(cluster.timings().ttl() + 15L);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      return cut(leader, cluster.nodeAddressesExcept(leader), true, true);
    }
  },
  /**
   * One-way: the leader receives nothing from the other members, while its own packets still go out
   * (so TCP connections hang rather than fail fast).
   */
  PARTITION_ONE_WAY("partition-one-way") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return Duration.ofSeconds(cluster.timings().ttl() + 15L);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      return cut(leader, cluster.addressesExcept(leader), true, false);
    }
  },
  /** A replica (not the leader) cut off from every other member for ttl + 15 s. */
  REPLICA_ISOLATED("replica-isolated") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return Duration.ofSeconds(cluster.timings().ttl() + 15L);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      ChaosNode replica = cluster.nodes().stream().filter(n -> n != leader).findFirst().get();
      return cut(replica, cluster.addressesExcept(replica), true, true);
    }
  },
  /**
   * 30 % of the packets between the leader and the other members dropped at random, both ways, for
   * ttl + 10 s (iptables' statistic match: this kernel has no sch_netem, see docs/reliability.md).
   */
  LOSS("loss") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return longHold(cluster);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      return lossy(leader, cluster.addressesExcept(leader));
    }
  },
  /**
   * The leader's link slowed for ttl + 10 s: a token bucket of 256 kbit/s with up to 1 s of queue
   * on everything it sends, so packets wait (delay grows with load) and the excess is dropped. A
   * stand-in for netem's fixed delay, which this kernel lacks.
   */
  SLOW_LINK("slow-link") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return longHold(cluster);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      leader.sh("tc qdisc add dev eth0 root tbf rate 256kbit burst 16kbit latency 1000ms");
      return () -> leader.sh("tc qdisc del dev eth0 root");
    }
  },
  /**
   * The leader's data volume (a 512 MB tmpfs, see {@link #smallDisk}) filled to the last byte by
   * root for ttl + 10 s, then the filler removed, as an operator freeing space would.
   */
  DISK_FULL("disk-full") {
    @Override
    boolean smallDisk() {
      return true;
    }

    @Override
    Duration hold(ChaosCluster cluster) {
      return longHold(cluster);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      leader.sh("dd if=/dev/zero of=/var/lib/hagent/chaos-fill bs=1M >/dev/null 2>&1 || true");
      return () -> leader.sh("rm -f /var/lib/hagent/chaos-fill");
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
      return etcdMemberDown(cluster);
    }
  },
  /** Two of the three etcd members killed for ttl + 10 s: no quorum, then both started again. */
  ETCD_QUORUM_LOST("etcd-quorum-lost") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return longHold(cluster);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      List<GenericContainer<?>> members = cluster.etcdMembers().subList(0, 2);
      members.forEach(m -> cluster.docker().killContainerCmd(m.getContainerId()).exec());
      return () ->
          members.forEach(m -> cluster.docker().startContainerCmd(m.getContainerId()).exec());
    }
  },

  // Combinations: two faults at once, injected together and healed together (in reverse order).

  /**
   * The leader crashes ({@link #KILL_BOTH}) while etcd1 is down ({@link #ETCD_MEMBER_DOWN}): the
   * failover is decided with two etcd members of three, one of which may have to become the raft
   * leader first.
   */
  KILL_BOTH_ETCD_MEMBER_DOWN("kill-both+etcd-member-down") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return ETCD_MEMBER_DOWN.hold(cluster);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      return together(() -> etcdMemberDown(cluster), () -> crash(leader));
    }
  },
  /**
   * The leader cut off from every member ({@link #PARTITION}) while the replica most likely to take
   * over ({@link #likelySuccessor}) is frozen: one replica is left. In the synchronous modes it is
   * not the synchronous standby and may lack acknowledged commits, so it must not be promoted; in
   * asynchronous mode it may.
   */
  PARTITION_REPLICA_PAUSE("partition+replica-pause") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return PARTITION.hold(cluster);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      ChaosNode successor = likelySuccessor(cluster, leader);
      return together(
          () -> freeze(cluster, successor),
          () -> cut(leader, cluster.addressesExcept(leader), true, true));
    }
  },
  /**
   * The leader frozen ({@link #PAUSE}) while 30 % of the packets of the replica most likely to take
   * over are dropped, to and from every other member ({@link #LOSS} on that replica): the election
   * and the new primary's first commits go over a lossy link.
   */
  PAUSE_REPLICA_LOSS("pause+replica-loss") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return PAUSE.hold(cluster);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      ChaosNode successor = likelySuccessor(cluster, leader);
      return together(
          () -> lossy(successor, cluster.addressesExcept(successor)),
          () -> freeze(cluster, leader));
    }
  },
  /**
   * The leader's agent stopped past its lease ({@link #STOP_AGENT_LONG}) while etcd1 is down for
   * the same ttl + 10 s: the frozen-agent window of docs/reliability.md with a degraded DCS, where
   * the replicas' election and the thawed agent's first look at etcd meet a new raft leader.
   */
  STOP_AGENT_LONG_ETCD_MEMBER_DOWN("stop-agent-long+etcd-member-down") {
    @Override
    Duration hold(ChaosCluster cluster) {
      return longHold(cluster);
    }

    @Override
    Heal inject(ChaosCluster cluster, ChaosNode leader) {
      return together(() -> etcdMemberDown(cluster), () -> stop(leader, leader.agentPid()));
    }
  };

  /** Less than the lease: ttl / 2. */
  static Duration shortHold(ChaosCluster cluster) {
    return Duration.ofSeconds(cluster.timings().ttl() / 2L);
  }

  /** Longer than the lease: ttl + 10 s. */
  static Duration longHold(ChaosCluster cluster) {
    return Duration.ofSeconds(cluster.timings().ttl() + 10L);
  }

  /**
   * kill -9 of the node's agent and postmaster at once; the image's supervisor restarts the agent.
   */
  static Heal crash(ChaosNode node) {
    node.sh("kill -9 " + node.agentPid() + " " + node.postmasterPid());
    return () -> {};
  }

  /** The node's container frozen (docker pause); the heal resumes it. */
  static Heal freeze(ChaosCluster cluster, ChaosNode node) {
    // the cgroup freezer gives up when a process does not stop in time ("OCI runtime pause
    // failed: unable to freeze"), seen at load 10 on this shared machine; runc thaws the
    // container again then, so trying again a moment later is the same fault, a little later
    for (int attempt = 1; ; attempt++) {
      try {
        cluster.docker().pauseContainerCmd(node.containerId()).exec();
        break;
      } catch (RuntimeException e) {
        if (attempt == 5) {
          throw e;
        }
        System.out.println("chaos: pause of " + node + " failed (attempt " + attempt + "): " + e);
        try {
          Thread.sleep(500);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
    return () -> cluster.docker().unpauseContainerCmd(node.containerId()).exec();
  }

  /**
   * 30 % of the packets between the node and the given addresses dropped at random, both ways
   * (iptables' statistic match); the heal flushes the rules.
   */
  static Heal lossy(ChaosNode node, List<String> ips) {
    StringBuilder rules = new StringBuilder("set -e");
    for (String ip : ips) {
      String stat = " -m statistic --mode random --probability 0.3 -j DROP";
      rules.append("; iptables -A INPUT -s ").append(ip).append(stat);
      rules.append("; iptables -A OUTPUT -d ").append(ip).append(stat);
    }
    node.sh(rules.toString());
    return () -> node.sh("iptables -F INPUT; iptables -F OUTPUT");
  }

  /** etcd1 killed; the heal starts it again (its data directory kept). */
  static Heal etcdMemberDown(ChaosCluster cluster) {
    GenericContainer<?> member = cluster.etcdMembers().get(0);
    cluster.docker().killContainerCmd(member.getContainerId()).exec();
    return () -> cluster.docker().startContainerCmd(member.getContainerId()).exec();
  }

  /**
   * Injects the faults in order and returns one heal that undoes all of them in reverse order,
   * trying every heal even when one fails. When an injection fails, what was already injected is
   * healed before the failure is thrown, so a combination never leaves half a fault behind.
   */
  @SafeVarargs
  static Heal together(Supplier<Heal>... faults) {
    List<Heal> injected = new ArrayList<>();
    try {
      for (Supplier<Heal> f : faults) {
        injected.add(f.get());
      }
    } catch (RuntimeException e) {
      try {
        healAll(injected);
      } catch (RuntimeException healFailed) {
        e.addSuppressed(healFailed);
      }
      throw e;
    }
    return () -> healAll(injected);
  }

  private static void healAll(List<Heal> heals) {
    RuntimeException first = null;
    for (int i = heals.size() - 1; i >= 0; i--) {
      try {
        heals.get(i).heal();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * The replica most likely to take over from the leader: the one the leader's pg_stat_replication
   * calls synchronous (in the synchronous modes only it may be promoted), else the one that has
   * replayed the most.
   */
  static ChaosNode likelySuccessor(ChaosCluster cluster, ChaosNode leader) {
    List<ChaosNode> replicas = cluster.nodes().stream().filter(n -> n != leader).toList();
    try (Connection c = leader.connect(2, 5);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT application_name FROM pg_stat_replication"
                    + " ORDER BY sync_state = 'sync' DESC, replay_lsn DESC NULLS LAST")) {
      while (rs.next()) {
        String name = rs.getString(1);
        for (ChaosNode n : replicas) {
          if (n.name().equals(name)) {
            // in the log, so that a round's outcome can be read against it
            System.out.println("chaos: the likeliest successor of " + leader + " is " + n);
            return n;
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot ask " + leader + " for its standbys", e);
    }
    return replicas.get(0);
  }

  /** SIGSTOP of one process in the node's container; the heal sends SIGCONT. */
  static Heal stop(ChaosNode node, String pid) {
    node.sh("kill -STOP " + pid);
    return () -> node.sh("kill -CONT " + pid);
  }

  /**
   * iptables in the node's container drop what comes from ({@code in}) and/or goes to ({@code out})
   * the given addresses; the heal flushes the rules. The test's own clients come from the network's
   * gateway and are not cut.
   */
  static Heal cut(ChaosNode node, List<String> ips, boolean in, boolean out) {
    StringBuilder rules = new StringBuilder("set -e");
    for (String ip : ips) {
      if (in) {
        rules.append("; iptables -A INPUT -s ").append(ip).append(" -j DROP");
      }
      if (out) {
        rules.append("; iptables -A OUTPUT -d ").append(ip).append(" -j DROP");
      }
    }
    node.sh(rules.toString());
    return () -> node.sh("iptables -F INPUT; iptables -F OUTPUT");
  }

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

  /** The fault needs the cluster whose data volumes are small tmpfs mounts it can fill. */
  boolean smallDisk() {
    return false;
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
