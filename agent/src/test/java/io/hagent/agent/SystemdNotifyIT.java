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

/** Against the real systemd-notify, with a Python datagram listener standing in for systemd. */
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

  @Test
  void sendsReadyAndOurPid() throws Exception {
    assumeTrue(onPath("systemd-notify") && onPath("python3"), "needs systemd-notify and python3");
    Path socket = dir.resolve("notify.sock");
    // Receives datagrams like systemd does, closes passed fds (the BARRIER=1 pipe), prints them.
    String listener =
        "import socket,sys,os,array\n"
            + "s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.bind(sys.argv[1])\n"
            + "print('bound',flush=True); s.settimeout(10)\n"
            + "while True:\n"
            + "  m,anc,f,a=s.recvmsg(4096,socket.CMSG_SPACE(64))\n"
            + "  for l,t,d in anc:\n"
            + "    fds=array.array('i'); fds.frombytes(d[:len(d)-len(d)%4]); [os.close(x) for x in fds]\n"
            + "  print(m.decode().replace('\\n',' '),flush=True)\n"
            + "  if m.startswith(b'BARRIER'): break\n";
    Process python =
        new ProcessBuilder("python3", "-c", listener, socket.toString())
            .redirectErrorStream(true)
            .start();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(python.getInputStream(), StandardCharsets.UTF_8))) {
      assertEquals("bound", out.readLine());
      SystemdNotify notify =
          new SystemdNotify(Map.of("NOTIFY_SOCKET", socket.toString()), "systemd-notify", 4242);
      assertTrue(notify.enabled());
      assertTrue(notify.ready());
      assertEquals("READY=1 MAINPID=4242", out.readLine());
      assertEquals("BARRIER=1", out.readLine());
    } finally {
      python.destroy();
      python.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aMissingSocketIsReportedNotThrown() {
    assumeTrue(onPath("systemd-notify"), "needs systemd-notify");
    SystemdNotify notify =
        new SystemdNotify(
            Map.of("NOTIFY_SOCKET", dir.resolve("absent.sock").toString()), "systemd-notify", 1);
    assertFalse(notify.ready());
  }
}
