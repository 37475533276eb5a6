package io.hagent.agent.watchdog;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * {@code watchdog.driver: fence}: the watchdog for hosts without {@code /dev/watchdog}
 * (docs/fencing.md, "The fence process"). Opening it starts (or re-attaches to) {@code
 * hagent-fence}, a bash process in a session of its own that kills the data directory's PostgreSQL
 * with SIGKILL unless a keepalive arrives before its deadline. Keepalives are absolute deadlines on
 * /proc/uptime's clock written to a FIFO, so a fence process scheduled late does not move them.
 *
 * <p>The FIFO is written through libc with O_NONBLOCK (JNA, as {@link LinuxWatchdogDevice}): a
 * fence process that stopped reading must fail a keepalive, never block the HA loop.
 */
public final class FenceProcessDevice implements WatchdogDevice {
  static final String PROGRAM = "hagent-fence";
  private static final int O_WRONLY = 1;
  private static final int O_NONBLOCK = 0x800;
  private static final int O_CLOEXEC = 0x80000;
  private static final long START_WAIT_MILLIS = 3_000;

  private final Path dataDir;
  private final Path dir;
  private final LongSupplier uptimeCentis;
  private int fd = -1;
  private int timeout = 60;
  private long pid = -1;

  /** libc, bound once on first use (JNA direct mapping). */
  private static final class LibC {
    static {
      Native.register(Platform.C_LIBRARY_NAME);
    }

    static native int open(String path, int flags) throws LastErrorException;

    static native NativeLong write(int fd, byte[] buf, NativeLong count) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native int mkfifo(String path, int mode) throws LastErrorException;
  }

  /**
   * @param dir where the fence process keeps its FIFO, PID file, program copy and log
   * @param uptimeCentis CLOCK_BOOTTIME in centiseconds, as /proc/uptime shows it
   */
  FenceProcessDevice(Path dataDir, Path dir, LongSupplier uptimeCentis) {
    this.dataDir = dataDir;
    this.dir = dir;
    this.uptimeCentis = uptimeCentis;
  }

  /** The device for a data directory: its state next to it, or in the temp dir if that fails. */
  public static FenceProcessDevice forDataDir(Path dataDir) {
    Path abs = dataDir.toAbsolutePath().normalize();
    Path parent = abs.getParent();
    Path dir =
        parent != null && Files.isWritable(parent)
            ? parent.resolve(abs.getFileName() + ".fence")
            : Path.of(System.getProperty("java.io.tmpdir"))
                .resolve("hagent-fence" + abs.toString().replace('/', '_'));
    return new FenceProcessDevice(abs, dir, FenceProcessDevice::readUptimeCentis);
  }

  static long readUptimeCentis() {
    try {
      String up = Files.readString(Path.of("/proc/uptime")).trim().split("\\s+")[0];
      int dot = up.indexOf('.');
      return Long.parseLong(up.substring(0, dot)) * 100 + Long.parseLong(up.substring(dot + 1));
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read /proc/uptime: " + e.getMessage(), e);
    }
  }

  Path dir() {
    return dir;
  }

  @Override
  public synchronized void open() throws WatchdogException {
    if (fd >= 0) {
      return;
    }
    if (!attach()) {
      start();
    }
    arm();
  }

  /** Opens the FIFO of a live fence process left by an earlier agent; false if there is none. */
  private boolean attach() throws WatchdogException {
    Optional<Long> live = liveFenceProcess();
    if (live.isEmpty()) {
      return false;
    }
    try {
      fd = LibC.open(dir.resolve("fence.fifo").toString(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      pid = live.get();
      return true;
    } catch (LastErrorException e) {
      return false; // no reader after all: it just exited
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      throw new WatchdogException("Can't open the fence process's FIFO: JNA unavailable");
    }
  }

  /** The PID in fence.pid if that process runs the fence program for this directory. */
  Optional<Long> liveFenceProcess() {
    try {
      long p = Long.parseLong(Files.readString(dir.resolve("fence.pid")).trim());
      String cmdline =
          new String(Files.readAllBytes(Path.of("/proc", Long.toString(p), "cmdline")))
              .replace('\0', ' ');
      return cmdline.contains(dir.resolve(PROGRAM).toString()) ? Optional.of(p) : Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private void start() throws WatchdogException {
    Path fifo = dir.resolve("fence.fifo");
    Path program = dir.resolve(PROGRAM);
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      Files.deleteIfExists(dir.resolve("fence.pid"));
      if (Files.exists(fifo, LinkOption.NOFOLLOW_LINKS) && !isFifo(fifo)) {
        Files.delete(fifo); // not a FIFO: whatever it is, it is ours to replace
      }
      if (!Files.exists(fifo)) {
        LibC.mkfifo(fifo.toString(), 0600);
      }
      try (InputStream in = FenceProcessDevice.class.getResourceAsStream(PROGRAM)) {
        if (in == null) {
          throw new WatchdogException("the fence program is missing from hagent's jar");
        }
        Files.write(program, in.readAllBytes());
      }
      Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwx------"));
      List<String> cmd = new ArrayList<>();
      if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
        cmd.add("/usr/bin/setsid"); // its own session: no signal to the agent's group reaches it
      }
      cmd.addAll(List.of("/bin/bash", program.toString(), dir.toString(), dataDir.toString()));
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("fence.log").toFile()))
              .redirectErrorStream(true);
      // nothing of the agent's environment (passwords in PGPASSWORD and the like) reaches it
      pb.environment().clear();
      pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
      pb.environment().put("LC_ALL", "C");
      pb.start();
    } catch (IOException | LastErrorException e) {
      throw new WatchdogException(
          "Can't start the fence process in " + dir + ": " + e.getMessage());
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      throw new WatchdogException("Can't start the fence process: JNA unavailable");
    }
    long deadline = System.currentTimeMillis() + START_WAIT_MILLIS;
    while (System.currentTimeMillis() < deadline) {
      if (attach()) {
        return;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new WatchdogException(
        "The fence process did not start within " + START_WAIT_MILLIS + " ms" + lastLogLine());
  }

  private static boolean isFifo(Path p) throws IOException {
    return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
  }

  /** Sends the deadline: now plus the timeout, on the fence process's clock. */
  private void arm() throws WatchdogException {
    long deadline = uptimeCentis.getAsLong() + timeout * 100L;
    send("D " + deadline + "\n");
  }

  private void send(String line) throws WatchdogException {
    byte[] b = line.getBytes(StandardCharsets.US_ASCII);
    try {
      LibC.write(fd, b, new NativeLong(b.length));
    } catch (LastErrorException e) {
      closeFd();
      throw new WatchdogException(
          "The fence process " + pid + " has exited or does not read its FIFO" + lastLogLine());
    }
  }

  private void closeFd() {
    try {
      LibC.close(fd);
    } catch (LastErrorException e) {
      // the descriptor is gone either way
    }
    fd = -1;
  }

  /** The fence log's last line, to explain an exit in the agent's own log. */
  private String lastLogLine() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("fence.log"));
      return lines.isEmpty() ? "" : " (its log: " + lines.get(lines.size() - 1) + ")";
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public synchronized void close() throws WatchdogException {
    if (fd < 0) {
      return;
    }
    try {
      send("V\n");
    } finally {
      closeFd();
    }
  }

  /**
   * Disarms a fence process an earlier agent left armed, when nothing here needs it: the caller
   * knows PostgreSQL does not run as primary (docs/fencing.md, "Which PostgreSQL").
   *
   * @return whether there was one
   */
  @Override
  public synchronized boolean disarmLeftover() throws WatchdogException {
    if (fd >= 0 || !attach()) {
      return false;
    }
    close();
    return true;
  }

  /**
   * Feeds it; a fence process that is gone (it fired, or was killed) is replaced by a new one with
   * a fresh deadline, so the primary is unguarded for at most one loop.
   */
  @Override
  public synchronized void keepalive() throws WatchdogException {
    if (fd < 0) {
      throw new WatchdogException("Watchdog device is closed");
    }
    try {
      arm();
    } catch (WatchdogException gone) {
      start();
      arm();
      throw new WatchdogException(gone.getMessage() + "; started a new one, pid " + pid);
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return fd >= 0;
  }

  @Override
  public boolean isHealthy() {
    Path parent = dir.getParent();
    return Files.isExecutable(Path.of("/bin/bash"))
        && Files.isReadable(Path.of("/proc/uptime"))
        && (Files.isWritable(dir) || (parent != null && Files.isWritable(parent)));
  }

  @Override
  public boolean canBeDisabled() {
    return true;
  }

  @Override
  public boolean hasSetTimeout() {
    return true;
  }

  /** Sets the timeout; on an open device the new deadline starts now, as WDIOC_SETTIMEOUT pings. */
  @Override
  public synchronized void setTimeout(int seconds) throws WatchdogException {
    if (seconds < 1) {
      throw new WatchdogException("Invalid timeout " + seconds + ". It must be at least 1 second");
    }
    timeout = seconds;
    if (fd >= 0) {
      arm();
    }
  }

  @Override
  public synchronized int getTimeout() {
    return timeout;
  }

  @Override
  public synchronized String describe() {
    return "hagent fence process" + (fd >= 0 ? " (pid " + pid + ")" : "");
  }
}
