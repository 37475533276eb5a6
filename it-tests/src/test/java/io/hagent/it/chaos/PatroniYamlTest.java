package io.hagent.it.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.it.Credentials;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Patroni's file in the chaos suite describes the cluster hagent's does: every setting of it has
 * the same value in hagent's file (hagent's may have more, for hagent only), in every mode.
 */
class PatroniYamlTest {
  private final Credentials creds = Credentials.random();
  private final ChaosCluster.Timings timings = new ChaosCluster.Timings(30, 10, 10);

  @Test
  void everyPatroniSettingIsHagentsToo() {
    for (ChaosCluster.Mode mode : ChaosCluster.Mode.values()) {
      Map<String, Object> patroni = flat(PatroniYaml.render("node2", timings, mode, creds));
      Map<String, Object> hagent = flat(AgentYaml.render("node2", timings, mode, creds));
      assertTrue(patroni.size() > 30, "parsed too few settings: " + patroni.keySet());
      patroni.forEach(
          (k, v) -> assertEquals(hagent.get(k), v, mode.label() + ": " + k + " differs"));
      // only hagent runs a fence: the containers have no /dev/watchdog
      assertEquals("fence", hagent.get("watchdog.driver"));
      assertEquals(null, patroni.get("watchdog.driver"));
    }
  }

  @Test
  void carriesTheRunsTimingsAndMode() {
    Map<String, Object> y =
        flat(
            PatroniYaml.render(
                "node3", new ChaosCluster.Timings(20, 2, 5), ChaosCluster.Mode.STRICT, creds));
    assertEquals("node3", y.get("name"));
    assertEquals("node3:8008", y.get("restapi.connect_address"));
    assertEquals(20, y.get("bootstrap.dcs.ttl"));
    assertEquals(2, y.get("bootstrap.dcs.loop_wait"));
    assertEquals(5, y.get("bootstrap.dcs.retry_timeout"));
    assertEquals(true, y.get("bootstrap.dcs.synchronous_mode"));
    assertEquals(true, y.get("bootstrap.dcs.synchronous_mode_strict"));
    assertEquals(creds.superuserPassword(), y.get("postgresql.authentication.superuser.password"));
  }

  @Test
  void onlyPatroniRunsOutsideTheImagesDefault() {
    assertTrue(ChaosAgent.HAGENT.command().isEmpty());
    assertEquals("patroni " + ChaosAgent.CONFIG_PATH, ChaosAgent.PATRONI.command().orElseThrow());
  }

  /** Dotted key paths to leaf values (lists are leaves: compared whole). */
  private static Map<String, Object> flat(String yaml) {
    Map<String, Object> out = new TreeMap<>();
    flatten("", new Yaml().load(yaml), out);
    return out;
  }

  private static void flatten(String prefix, Object node, Map<String, Object> out) {
    if (node instanceof Map<?, ?> m) {
      m.forEach((k, v) -> flatten(prefix.isEmpty() ? k.toString() : prefix + "." + k, v, out));
    } else {
      out.put(prefix, node);
    }
  }
}
