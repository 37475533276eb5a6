package io.hagent.it.chaos;

import io.hagent.it.Credentials;

/**
 * The configuration file of one chaos node for hagent: the cluster's patroni.yml as Patroni users
 * write it ({@link PatroniYaml}, which Patroni runs with unchanged), plus what only hagent has.
 */
final class AgentYaml {
  private AgentYaml() {}

  /** No /dev/watchdog in a container: hagent's fence process stands in (docs/fencing.md). */
  private static final String HAGENT_ONLY =
      """

      watchdog:
        mode: automatic
        driver: fence
      """;

  static String render(String name, ChaosCluster.Timings t, ChaosCluster.Mode mode, Credentials c) {
    return PatroniYaml.render(name, t, mode, c) + HAGENT_ONLY;
  }
}
