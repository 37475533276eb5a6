package io.hagent.it;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for systemd's notify socket: a Unix datagram socket bound to a path, with SO_PASSCRED
 * so that every datagram comes with the sender's PID (SCM_CREDENTIALS), which is what systemd
 * checks for NotifyAccess=main. Java 17 has no Unix datagram sockets, so libc is called through
 * JNA. Linux on a 64-bit platform (LP64 struct layouts), which is where the it-tests run.
 */
final class NotifySocket implements AutoCloseable {
  /** One datagram and the PID the kernel says sent it (-1 if no credentials came with it). */
  record Message(long pid, String text) {
    List<String> lines() {
      return List.of(text.split("\n"));
    }
  }

  private static final int AF_UNIX = 1;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_PASSCRED = 16;
  private static final int SCM_CREDENTIALS = 2;
  private static final int MSG_DONTWAIT = 0x40;
  private static final int EAGAIN = 11;
  private static final int BUFFER = 4096;
  private static final int CONTROL = 64;

  private static final class LibC {
    static {
      Native.register(Platform.C_LIBRARY_NAME);
    }

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native int bind(int fd, byte[] addr, int len) throws LastErrorException;

    static native int setsockopt(int fd, int level, int name, int[] value, int len)
        throws LastErrorException;

    static native NativeLong recvmsg(int fd, Pointer msg, int flags) throws LastErrorException;

    static native int close(int fd);
  }

  private final Path path;
  private final int fd;
  private final List<Message> messages = new CopyOnWriteArrayList<>();
  private final Thread reader;
  private volatile boolean open = true;

  NotifySocket(Path path) {
    if (!Platform.isLinux() || !Platform.is64Bit()) {
      throw new IllegalStateException("NotifySocket needs 64-bit Linux");
    }
    this.path = path;
    byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
    ByteBuffer addr = ByteBuffer.allocate(2 + p.length + 1).order(ByteOrder.nativeOrder());
    addr.putShort((short) AF_UNIX).put(p).put((byte) 0);
    fd = LibC.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    LibC.setsockopt(fd, SOL_SOCKET, SO_PASSCRED, new int[] {1}, 4);
    LibC.bind(fd, addr.array(), addr.capacity());
    reader = new Thread(this::readLoop, "notify-socket-" + path.getFileName());
    reader.setDaemon(true);
    reader.start();
  }

  Path path() {
    return path;
  }

  /** Every datagram received so far, in order. */
  List<Message> messages() {
    return List.copyOf(messages);
  }

  private void readLoop() {
    Memory buf = new Memory(BUFFER);
    Memory control = new Memory(CONTROL);
    Memory iov = new Memory(16);
    iov.setPointer(0, buf);
    iov.setLong(8, BUFFER);
    Memory msg = new Memory(56);
    while (open) {
      // struct msghdr (LP64): name 0, namelen 8, iov 16, iovlen 24, control 32, controllen 40,
      // flags 48
      msg.clear();
      msg.setPointer(16, iov);
      msg.setLong(24, 1);
      control.clear();
      msg.setPointer(32, control);
      msg.setLong(40, CONTROL);
      long n;
      try {
        n = LibC.recvmsg(fd, msg, MSG_DONTWAIT).longValue();
      } catch (LastErrorException e) {
        if (e.getErrorCode() != EAGAIN) {
          System.err.println("notify socket " + path + ": recvmsg errno " + e.getErrorCode());
        }
        sleep();
        continue;
      }
      String text = new String(buf.getByteArray(0, (int) n), StandardCharsets.UTF_8);
      long pid = -1;
      // struct cmsghdr: len 0 (size_t), level 8, type 12, data 16; struct ucred: pid, uid, gid
      if (msg.getLong(40) >= 28
          && control.getInt(8) == SOL_SOCKET
          && control.getInt(12) == SCM_CREDENTIALS) {
        pid = control.getInt(16);
      }
      messages.add(new Message(pid, text));
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    open = false;
    try {
      reader.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LibC.close(fd);
    try {
      Files.deleteIfExists(path);
    } catch (java.io.IOException e) {
      // a temp dir the test deletes anyway
    }
  }
}
