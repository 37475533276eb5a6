package io.hagent.agent.watchdog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A watchdog device for tests on machines without softdog: wdfuse.c (a FUSE file system whose one
 * file behaves like /dev/watchdog: keepalive writes, magic close, WDIOC_* ioctls, "fired" when not
 * fed in time) compiled with gcc against libfuse3 and mounted by fusermount3 in a temp dir. Every
 * event the device sees is a line in {@link #events()}; "fired" is where a real watchdog would
 * reset the machine, and the test decides what to do about it.
 *
 * <p>Needs gcc, libfuse3-dev, fuse3 (scripts/install-deps) and a /dev/fuse the test user may open
 * (Debian's udev rule makes it 0666; install-deps does the same where udev does not run).
 */
public final class FuseWatchdog implements AutoCloseable {
  private final Path mountpoint;
  private final Path events;
  private final Process process;

  /** One line of the device's event log. */
  public record Event(long epochMs, String name, Integer value) {}

  private FuseWatchdog(Path mountpoint, Path events, Process process) {
    this.mountpoint = mountpoint;
    this.events = events;
    this.process = process;
  }

  /** Why no test device can be mounted here, or empty when one can. */
  public static Optional<String> unavailable() {
    if (!Files.isExecutable(Path.of("/usr/bin/gcc"))) {
      return Optional.of("gcc is not installed");
    }
    if (!Files.isExecutable(Path.of("/usr/bin/fusermount3"))) {
      return Optional.of("fuse3 (fusermount3) is not installed");
    }
    if (!Files.exists(Path.of("/usr/include/fuse3/fuse.h"))) {
      return Optional.of("libfuse3-dev is not installed");
    }
    Path dev = Path.of("/dev/fuse");
    if (!Files.isReadable(dev) || !Files.isWritable(dev)) {
      return Optional.of("/dev/fuse is missing or not read-writable by this user");
    }
    return Optional.empty();
  }

  /** Compiles the device (once per dir) and mounts it under {@code dir}. */
  public static FuseWatchdog mount(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path binary = dir.resolve("wdfuse");
    if (!Files.isExecutable(binary)) {
      Path source = dir.resolve("wdfuse.c");
      try (InputStream in = FuseWatchdog.class.getResourceAsStream("/watchdog/wdfuse.c")) {
        if (in == null) {
          throw new IOException("watchdog/wdfuse.c is not on the test classpath");
        }
        Files.copy(in, source);
      }
      run(
          List.of(
              "gcc",
              "-O2",
              "-Wall",
              "-I/usr/include/fuse3",
              "-o",
              binary.toString(),
              source.toString(),
              "-lfuse3",
              "-lpthread"));
    }
    Path mnt = dir.resolve("mnt");
    Files.createDirectories(mnt);
    Path events = dir.resolve("events.log");
    Files.deleteIfExists(events);
    Process p =
        new ProcessBuilder(binary.toString(), mnt.toString(), events.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("wdfuse.out").toFile())
            .start();
    FuseWatchdog w = new FuseWatchdog(mnt, events, p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.exists(w.device())) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        w.close();
        throw new IOException(
            "the FUSE watchdog did not mount: "
                + Files.readString(dir.resolve("wdfuse.out"), StandardCharsets.UTF_8));
      }
      Thread.sleep(50);
    }
    return w;
  }

  private static void run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", cmd) + " failed:\n" + out);
    }
  }

  /** The device file, to put in watchdog.device. */
  public Path device() {
    return mountpoint.resolve("watchdog");
  }

  public List<Event> events() {
    List<Event> out = new ArrayList<>();
    try {
      if (!Files.exists(events)) {
        return out;
      }
      for (String line : Files.readAllLines(events, StandardCharsets.UTF_8)) {
        String[] f = line.trim().split(" ");
        if (f.length >= 2) {
          out.add(
              new Event(Long.parseLong(f[0]), f[1], f.length > 2 ? Integer.valueOf(f[2]) : null));
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  /** The events named {@code name}, in order. */
  public List<Event> events(String name) {
    return events().stream().filter(e -> e.name().equals(name)).toList();
  }

  /**
   * Waits up to {@code timeoutMs} until at least {@code count} events named {@code name} were seen.
   * The kernel sends FUSE's RELEASE after close(2) has already returned, so a "close" event is only
   * observable some milliseconds later.
   */
  public List<Event> awaitEvents(String name, int count, long timeoutMs)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    List<Event> seen = events(name);
    while (seen.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
      seen = events(name);
    }
    return seen;
  }

  public boolean fired() {
    return !events("fired").isEmpty();
  }

  /** Unmounts (fusermount3 -u) and stops the device process it started. */
  @Override
  public void close() {
    try {
      new ProcessBuilder("fusermount3", "-u", "-z", mountpoint.toString())
          .redirectErrorStream(true)
          .start()
          .waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      // the process is stopped below either way; the kernel unmounts when its fd closes
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
