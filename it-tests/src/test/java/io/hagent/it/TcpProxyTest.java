package io.hagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The partition stand-in: forwards, then while cut answers nothing, then forwards again. */
class TcpProxyTest {
  private ServerSocket echo;
  private Thread echoThread;

  @BeforeEach
  void startEchoServer() throws IOException {
    echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    echoThread =
        new Thread(
            () -> {
              while (!echo.isClosed()) {
                try {
                  Socket s = echo.accept();
                  Thread t =
                      new Thread(
                          () -> {
                            try (s;
                                InputStream in = s.getInputStream();
                                OutputStream out = s.getOutputStream()) {
                              in.transferTo(out);
                            } catch (IOException e) {
                              // client gone
                            }
                          });
                  t.setDaemon(true);
                  t.start();
                } catch (IOException e) {
                  return;
                }
              }
            });
    echoThread.setDaemon(true);
    echoThread.start();
  }

  @AfterEach
  void stopEchoServer() throws IOException {
    echo.close();
  }

  private static String roundTrip(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    s.getOutputStream().flush();
    byte[] buf = new byte[text.length()];
    int n = 0;
    while (n < buf.length) {
      int r = s.getInputStream().read(buf, n, buf.length - n);
      if (r < 0) {
        throw new IOException("closed after " + n + " bytes");
      }
      n += r;
    }
    return new String(buf, StandardCharsets.UTF_8);
  }

  @Test
  void forwardsThenBlackholesThenForwardsAgain() throws Exception {
    try (TcpProxy proxy = new TcpProxy("echo", echo.getLocalPort())) {
      Socket before = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
      before.setSoTimeout(2000);
      assertEquals("hello", roundTrip(before, "hello"));

      proxy.cut();
      before.setSoTimeout(500);
      // an open connection gets no answer, and neither does a new one (no "refused")
      assertThrows(SocketTimeoutException.class, () -> roundTrip(before, "lost"));
      try (Socket during = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
        during.setSoTimeout(500);
        assertThrows(SocketTimeoutException.class, () -> roundTrip(during, "lost"));
      }

      proxy.heal();
      // connections from before the heal are gone, as after a long real partition
      before.setSoTimeout(2000);
      assertThrows(IOException.class, () -> roundTrip(before, "again"));
      before.close();
      try (Socket after = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
        after.setSoTimeout(2000);
        assertEquals("again", roundTrip(after, "again"));
      }
    }
  }
}
