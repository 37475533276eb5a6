package io.hagent.agent.watchdog;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Linux's watchdog API (Documentation/watchdog/watchdog-api.rst) on a device file such as
 * /dev/watchdog, through libc's open(2), write(2), ioctl(2) and close(2) by JNA: Java cannot issue
 * an ioctl itself, and the timeout can only be set by WDIOC_SETTIMEOUT. Keepalives are writes, as
 * Patroni sends them (every driver accepts those); closing writes the magic 'V' first so a driver
 * with WDIOF_MAGICCLOSE stops its timer instead of firing.
 *
 * <p>The ioctl numbers are those of the generic _IOC layout (x86-64, arm64, riscv64, s390x); the
 * few architectures with another layout (powerpc, mips, sparc, parisc) are refused on open.
 */
public final class LinuxWatchdogDevice implements WatchdogDevice {
  public static final String DEFAULT_DEVICE = "/dev/watchdog";

  private static final int O_WRONLY = 1;
  private static final int O_CLOEXEC = 0x80000;
  private static final int IOC_WRITE = 1;
  private static final int IOC_READ = 2;
  private static final int WATCHDOG_INFO_SIZE = 40; // u32 options, u32 firmware, u8 identity[32]
  static final long WDIOC_GETSUPPORT = ioc(IOC_READ, 0, WATCHDOG_INFO_SIZE);
  static final long WDIOC_KEEPALIVE = ioc(IOC_READ, 5, 4);
  static final long WDIOC_SETTIMEOUT = ioc(IOC_READ | IOC_WRITE, 6, 4);
  static final long WDIOC_GETTIMEOUT = ioc(IOC_READ, 7, 4);
  static final int WDIOF_SETTIMEOUT = 0x0080;
  static final int WDIOF_MAGICCLOSE = 0x0100;

  private final String path;
  private int fd = -1;
  private Support support;

  /** What WDIOC_GETSUPPORT reports. */
  record Support(int options, int firmware, String identity) {}

  public LinuxWatchdogDevice(String path) {
    this.path = path;
  }

  private static long ioc(int dir, int nr, int size) {
    return ((long) dir << 30) | ((long) size << 16) | ((long) 'W' << 8) | nr;
  }

  /** libc, bound once on first use (JNA direct mapping). */
  private static final class LibC {
    static {
      Native.register(Platform.C_LIBRARY_NAME);
    }

    static native int open(String path, int flags) throws LastErrorException;

    static native int ioctl(int fd, NativeLong request, byte[] arg) throws LastErrorException;

    static native NativeLong write(int fd, byte[] buf, NativeLong count) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;
  }

  @Override
  public synchronized void open() throws WatchdogException {
    if (fd >= 0) {
      return;
    }
    String arch = System.getProperty("os.arch", "");
    if (!Platform.isLinux() || arch.startsWith("ppc") || arch.startsWith("mips")) {
      throw new WatchdogException(
          "Can't open watchdog device: the watchdog ioctls are not known for " + arch);
    }
    try {
      fd = LibC.open(path, O_WRONLY | O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new WatchdogException("Can't open watchdog device: " + errno(e) + ": '" + path + "'");
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      throw new WatchdogException("Can't open watchdog device: JNA unavailable: " + e.getMessage());
    }
  }

  @Override
  public synchronized void close() throws WatchdogException {
    if (fd < 0) {
      return;
    }
    try {
      write(new byte[] {'V'});
      LibC.close(fd);
      fd = -1;
    } catch (LastErrorException e) {
      throw new WatchdogException("Error while closing " + describe() + ": " + errno(e));
    }
  }

  @Override
  public synchronized void keepalive() throws WatchdogException {
    if (fd < 0) {
      throw new WatchdogException("Watchdog device is closed");
    }
    try {
      write(new byte[] {'1'});
    } catch (LastErrorException e) {
      throw new WatchdogException("Could not send watchdog keepalive: " + errno(e));
    }
  }

  private void write(byte[] b) {
    LibC.write(fd, b, new NativeLong(b.length));
  }

  @Override
  public synchronized boolean isRunning() {
    return fd >= 0;
  }

  @Override
  public boolean isHealthy() {
    Path p = Path.of(path);
    return Files.exists(p) && Files.isWritable(p);
  }

  synchronized Support support() throws WatchdogException {
    if (support == null) {
      byte[] info = new byte[WATCHDOG_INFO_SIZE];
      try {
        ioctl(WDIOC_GETSUPPORT, info);
      } catch (LastErrorException e) {
        throw new WatchdogException("Could not get information about watchdog device: " + errno(e));
      }
      ByteBuffer b = ByteBuffer.wrap(info).order(ByteOrder.nativeOrder());
      int options = b.getInt();
      int firmware = b.getInt();
      int end = 8;
      while (end < info.length && info[end] != 0) {
        end++;
      }
      support =
          new Support(options, firmware, new String(info, 8, end - 8, StandardCharsets.UTF_8));
    }
    return support;
  }

  private void ioctl(long request, byte[] arg) throws WatchdogException {
    if (fd < 0) {
      throw new WatchdogException("Watchdog device is closed");
    }
    LibC.ioctl(fd, new NativeLong(request), arg);
  }

  @Override
  public boolean canBeDisabled() throws WatchdogException {
    return (support().options() & WDIOF_MAGICCLOSE) != 0;
  }

  @Override
  public boolean hasSetTimeout() throws WatchdogException {
    return (support().options() & WDIOF_SETTIMEOUT) != 0;
  }

  @Override
  public synchronized void setTimeout(int seconds) throws WatchdogException {
    if (seconds < 1 || seconds >= 0xFFFF) {
      throw new WatchdogException(
          "Invalid timeout " + seconds + ". Supported values are between 1 and 65535");
    }
    try {
      ioctl(WDIOC_SETTIMEOUT, intArg(seconds));
    } catch (LastErrorException e) {
      throw new WatchdogException("Could not set timeout on watchdog device: " + errno(e));
    }
  }

  @Override
  public synchronized int getTimeout() throws WatchdogException {
    byte[] arg = intArg(0);
    try {
      ioctl(WDIOC_GETTIMEOUT, arg);
    } catch (LastErrorException e) {
      throw new WatchdogException("Could not get timeout on watchdog device: " + errno(e));
    }
    return ByteBuffer.wrap(arg).order(ByteOrder.nativeOrder()).getInt();
  }

  private static byte[] intArg(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
  }

  @Override
  public synchronized String describe() {
    String at = DEFAULT_DEVICE.equals(path) ? "" : " at " + path;
    String identity = "Linux watchdog device";
    String version = "";
    if (fd >= 0) {
      try {
        Support s = support();
        identity = s.identity();
        version = s.firmware() != 0 ? " (firmware " + s.firmware() + ")" : "";
      } catch (WatchdogException e) {
        // the generic name then
      }
    }
    return identity + version + at;
  }

  private static String errno(LastErrorException e) {
    // JNA's message is "[errno] strerror"; Patroni (Python's OSError) writes "[Errno n] strerror"
    String m = String.valueOf(e.getMessage());
    return m.startsWith("[") ? "[Errno " + m.substring(1) : m;
  }
}
