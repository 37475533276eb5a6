package io.hagent.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The messages and their encoding (the real socket: {@link SystemdNotifyIT}). */
class SystemdNotifyTest {
  private final List<String> sent = new ArrayList<>();

  @Test
  void withoutNotifySocketNothingIsSent() {
    SystemdNotify notify = new SystemdNotify(Map.of(), (s, m) -> sent.add(m));
    assertFalse(notify.enabled());
    assertFalse(notify.ready("up"));
    assertFalse(notify.stopping("down"));
    assertEquals(List.of(), sent);
  }

  @Test
  void readyAndStoppingCarryAOneLineStatus() {
    SystemdNotify notify =
        new SystemdNotify(Map.of("NOTIFY_SOCKET", "/run/n"), (s, m) -> sent.add(s + "|" + m));
    assertTrue(notify.ready("REST API listening on 127.0.0.1:8008"));
    assertTrue(notify.stopping("shutting\ndown"));
    assertTrue(notify.status("MAINPID=1"));
    assertEquals(
        List.of(
            "/run/n|READY=1\nSTATUS=REST API listening on 127.0.0.1:8008",
            "/run/n|STOPPING=1\nSTATUS=shutting down",
            "/run/n|STATUS=MAINPID=1"),
        sent);
  }

  /** systemd 253+ (Type=notify-reload) wants the monotonic time of the reload with RELOADING=1. */
  @Test
  void reloadingCarriesTheMonotonicTimeInMicroseconds() {
    SystemdNotify notify =
        new SystemdNotify(
            Map.of("NOTIFY_SOCKET", "/run/n"), (s, m) -> sent.add(m), () -> 123_456_789_012L);
    assertTrue(notify.reloading("reloading\nthe configuration"));
    assertTrue(notify.ready("reloaded"));
    assertEquals(
        List.of(
            "RELOADING=1\nMONOTONIC_USEC=123456789\nSTATUS=reloading the configuration",
            "READY=1\nSTATUS=reloaded"),
        sent);
  }

  @Test
  void aFailedSendIsReportedNotThrown() {
    SystemdNotify notify =
        new SystemdNotify(
            Map.of("NOTIFY_SOCKET", "/run/n"),
            (s, m) -> {
              throw new IOException("connection refused");
            });
    assertFalse(notify.ready("up"));
  }

  @Test
  void socketAddressesAsSdNotifyBuildsThem() {
    byte[] path = UnixDatagram.sockaddr("/run/x");
    byte[] family =
        ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? new byte[] {1, 0} : new byte[] {0, 1};
    assertArrayEquals(
        new byte[] {family[0], family[1], '/', 'r', 'u', 'n', '/', 'x', 0}, path, "NUL-terminated");
    assertArrayEquals(
        new byte[] {family[0], family[1], 0, 'n', 'o', 't', 'i', 'f', 'y'},
        UnixDatagram.sockaddr("@notify"),
        "abstract: leading NUL, no terminator");
    assertThrows(IllegalArgumentException.class, () -> UnixDatagram.sockaddr("relative"));
    assertThrows(
        IllegalArgumentException.class, () -> UnixDatagram.sockaddr("/" + "x".repeat(120)));
  }
}
