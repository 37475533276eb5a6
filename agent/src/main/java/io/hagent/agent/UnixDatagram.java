package io.hagent.agent;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Sends one datagram to a Unix socket, from this process. Java 17 has Unix domain stream sockets
 * only (JEP 380), and systemd's notify socket is a datagram socket; systemd accepts a message under
 * {@code NotifyAccess=main} only when the sending PID is the service's main PID, so the JVM must
 * send it itself rather than through a child (systemd-notify). JNA calls libc's socket(2),
 * sendto(2) and close(2) directly.
 */
final class UnixDatagram {
  private static final int AF_UNIX = 1;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int MSG_NOSIGNAL = 0x4000;
  private static final int SUN_PATH_MAX = 108;

  private UnixDatagram() {}

  /** libc, bound once on first use (JNA direct mapping: no proxy, no reflection per call). */
  private static final class LibC {
    static {
      Native.register(Platform.C_LIBRARY_NAME);
    }

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native NativeLong sendto(
        int fd, byte[] buf, NativeLong len, int flags, byte[] addr, int addrLen)
        throws LastErrorException;

    static native int close(int fd) throws LastErrorException;
  }

  /**
   * Sends {@code message} to the socket {@code address}: a path, or {@code @name} for Linux's
   * abstract namespace (systemd's notation in NOTIFY_SOCKET).
   */
  static void send(String address, String message) throws IOException {
    byte[] sockaddr = sockaddr(address);
    byte[] data = message.getBytes(StandardCharsets.UTF_8);
    int fd;
    try {
      fd = LibC.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw new IOException("socket(AF_UNIX, SOCK_DGRAM): errno " + e.getErrorCode(), e);
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      throw new IOException("cannot load JNA's native library: " + e.getMessage(), e);
    }
    try {
      LibC.sendto(fd, data, new NativeLong(data.length), MSG_NOSIGNAL, sockaddr, sockaddr.length);
    } catch (LastErrorException e) {
      throw new IOException("sendto " + address + ": errno " + e.getErrorCode(), e);
    } finally {
      try {
        LibC.close(fd);
      } catch (LastErrorException e) {
        // nothing was sent through fd after this point; a failed close changes nothing
      }
    }
  }

  /** struct sockaddr_un for address, cut to its used length (what systemd's sd_notify passes). */
  static byte[] sockaddr(String address) {
    boolean abstractName = address.startsWith("@");
    byte[] path = address.getBytes(StandardCharsets.UTF_8);
    if (path.length == 0 || path.length >= SUN_PATH_MAX) {
      throw new IllegalArgumentException("not a usable Unix socket address: " + address);
    }
    if (!abstractName && path[0] != '/') {
      throw new IllegalArgumentException(
          "NOTIFY_SOCKET is neither absolute nor abstract: " + address);
    }
    // family (native byte order), then the path: NUL-terminated, or for an abstract name a leading
    // NUL and exactly the name's bytes
    int len = 2 + path.length + (abstractName ? 0 : 1);
    ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
    b.putShort((short) AF_UNIX);
    b.put(path);
    byte[] out = b.array();
    if (abstractName) {
      out[2] = 0;
    }
    return out;
  }
}
