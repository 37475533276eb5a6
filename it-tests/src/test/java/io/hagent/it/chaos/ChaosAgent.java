package io.hagent.it.chaos;

import io.hagent.it.Credentials;
import java.util.Optional;

/**
 * Which agent the chaos cluster's database hosts run ({@code -Dchaos.agent}): this build's hagent,
 * or Debian's patroni package installed in the same node image. Everything else of a run (images,
 * PostgreSQL, faults, HAProxy, the checks, which ask PostgreSQL and the REST API both agents serve)
 * is the same, so the two columns of docs/reliability.md differ only by the agent.
 */
public enum ChaosAgent {
  /** This build's jar, copied into each container; the image's supervise runs it by default. */
  HAGENT("hagent") {
    @Override
    Optional<String> command() {
      return Optional.empty();
    }

    @Override
    String configYaml(String name, ChaosCluster.Timings t, ChaosCluster.Mode mode, Credentials c) {
      return AgentYaml.render(name, t, mode, c);
    }
  },
  /** Debian bookworm's patroni (3.0.2), from the node image. */
  PATRONI("patroni") {
    @Override
    Optional<String> command() {
      return Optional.of("patroni " + CONFIG_PATH);
    }

    @Override
    String configYaml(String name, ChaosCluster.Timings t, ChaosCluster.Mode mode, Credentials c) {
      return PatroniYaml.render(name, t, mode, c);
    }
  };

  /** Where each container's configuration file is; both agents are given it as their argument. */
  static final String CONFIG_PATH = "/etc/hagent/patroni.yml";

  private final String label;

  ChaosAgent(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /**
   * The AGENT_CMD the image's supervise runs as postgres ({@code bash -c "exec ..."}, so the PID it
   * records is the agent's own); empty for the image's default, this build's jar.
   */
  abstract Optional<String> command();

  abstract String configYaml(
      String name, ChaosCluster.Timings t, ChaosCluster.Mode mode, Credentials c);

  /** Whether the run needs this build's jar (only hagent does). */
  boolean needsJar() {
    return this == HAGENT;
  }

  public static ChaosAgent fromSystemProperties() {
    String v = System.getProperty("chaos.agent", "hagent");
    for (ChaosAgent a : values()) {
      if (a.label.equals(v)) {
        return a;
      }
    }
    throw new IllegalArgumentException("chaos.agent must be hagent or patroni, got " + v);
  }
}
