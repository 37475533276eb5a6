package io.hagent.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The datagram really leaves this JVM, from this JVM's PID: a Python listener stands in for systemd
 * and reads the sender's credentials (SO_PASSCRED), as systemd does for NotifyAccess=main.
 */
class SystemdNotifyIT {
  @TempDir Path dir;

  static boolean onPath(String program) {
    for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(p, program))) {
        return true;
      }
    }
    return false;
  }

  /** Prints "pid message" for each datagram until it has read {@code count}. */
  private static final String LISTENER =
      "import socket,sys,struct\n"
          + "a=sys.argv[1]; a='\\0'+a[1:] if a.startswith('@') else a\n"
          + "s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\n"
          + "s.setsockopt(socket.SOL_SOCKET,socket.SO_PASSCRED,1); s.bind(a)\n"
          + "print('bound',flush=True); s.settimeout(10)\n"
          + "for _ in range(int(sys.argv[2])):\n"
          + "  m,anc,f,_a=s.recvmsg(4096,socket.CMSG_SPACE(12))\n"
          + "  pid=[struct.unpack('iII',d[:12])[0] for l,t,d in anc if t==socket.SCM_CREDENTIALS]\n"
          + "  print(pid[0] if pid else -1, m.decode().replace('\\n','|'),flush=True)\n";

  private void roundTrip(String address) throws Exception {
    assumeTrue(onPath("python3"), "needs python3 for the listener");
    Process python =
        new ProcessBuilder("python3", "-c", LISTENER, address, "2")
            .redirectErrorStream(true)
            .start();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(python.getInputStream(), StandardCharsets.UTF_8))) {
      assertEquals("bound", out.readLine());
      SystemdNotify notify =
          new SystemdNotify(Map.of("NOTIFY_SOCKET", address), UnixDatagram::send);
      assertTrue(notify.ready("REST API listening"));
      assertTrue(notify.stopping("shutting down"));
      long me = ProcessHandle.current().pid();
      assertEquals(me + " READY=1|STATUS=REST API listening", out.readLine());
      assertEquals(me + " STOPPING=1|STATUS=shutting down", out.readLine());
    } finally {
      python.destroy();
      python.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void sendsFromThisProcessToAPathSocket() throws Exception {
    roundTrip(dir.resolve("notify.sock").toString());
  }

  @Test
  void sendsToAnAbstractSocket() throws Exception {
    roundTrip("@hagent-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
  }

  @Test
  void aMissingSocketIsReportedNotThrown() {
    SystemdNotify notify =
        new SystemdNotify(
            Map.of("NOTIFY_SOCKET", dir.resolve("absent.sock").toString()), UnixDatagram::send);
    assertFalse(notify.ready("up"));
  }
}
