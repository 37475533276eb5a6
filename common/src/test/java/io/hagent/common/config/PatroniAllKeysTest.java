package io.hagent.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A file with every key of Patroni 4.1's documentation (see the file's header) loads; each key
 * hagent does not act on is named in a warning, and no secret is echoed.
 */
class PatroniAllKeysTest {
  @Test
  void everyDocumentedKeyLoads() throws Exception {
    Path file = Path.of(PatroniAllKeysTest.class.getResource("/patroni-4.1-all-keys.yml").toURI());
    ConfigLoader.Check check = ConfigLoader.check(file, Map.of("HOME", "/home/postgres"));
    assertEquals(List.of(), check.problems());
    // Which key and how it is left unused; the full sentences are
    // checked in UnimplementedSettingsTest.
    assertEquals(
        List.of(
            "postgresql.custom_conf: /etc/patroni/postgresql.custom.conf is not implemented yet",
            "postgresql.use_unix_socket: true is not implemented yet",
            "postgresql.use_unix_socket_repl: true is not implemented yet",
            "log.traceback_level: ERROR has no effect in hagent",
            "log.max_queue_size: 1000 has no effect in hagent",
            "log.static_fields (app) is not implemented yet",
            "log.mode: 420 is not implemented yet",
            "thread_pool_size: 5 has no effect in hagent",
            "thread_stack_size: 512kB has no effect in hagent"),
        check.warnings().stream().map(PatroniAllKeysTest::keyAndVerb).toList());
    for (String w : check.warnings()) {
      assertFalse(w.contains("secret"), w);
    }
  }

  /** "postgresql.use_unix_socket: true is not implemented yet" of the whole sentence. */
  private static String keyAndVerb(String warning) {
    for (String verb : List.of(" is not implemented yet", " has no effect in hagent")) {
      int at = warning.indexOf(verb);
      if (at >= 0) {
        return warning.substring(0, at + verb.length());
      }
    }
    return warning;
  }
}
