package io.hagent.agent;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Without NOTIFY_SOCKET nothing is started (the real systemd-notify: {@link SystemdNotifyIT}). */
class SystemdNotifyTest {
  @Test
  void withoutNotifySocketNothingRuns() {
    SystemdNotify notify = new SystemdNotify(Map.of(), "/nonexistent/systemd-notify", 42);
    assertFalse(notify.enabled());
    assertFalse(notify.ready());
  }
}
