package io.hagent.agent.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The data directory as a whole: whether it holds a cluster, creating, emptying, removing it. */
final class DataDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(DataDirectory.class);

  private final Path dataDir;
  private final PgCtl pgCtl;

  DataDirectory(Path dataDir, PgCtl pgCtl) {
    this.dataDir = dataDir;
    this.pgCtl = pgCtl;
  }

  LocalState.DataDirState state() {
    if (!Files.isDirectory(dataDir)) {
      return Files.exists(dataDir)
          ? LocalState.DataDirState.INVALID
          : LocalState.DataDirState.EMPTY;
    }
    try (Stream<Path> entries = Files.list(dataDir)) {
      if (entries.findAny().isEmpty()) {
        return LocalState.DataDirState.EMPTY;
      }
    } catch (IOException e) {
      return LocalState.DataDirState.INVALID;
    }
    return Files.exists(dataDir.resolve("PG_VERSION"))
            && Files.exists(dataDir.resolve("global/pg_control"))
        ? LocalState.DataDirState.INITIALIZED
        : LocalState.DataDirState.INVALID;
  }

  /** Creates it if missing and gives it the mode PostgreSQL insists on (0700). */
  void create() throws IOException {
    if (!Files.exists(dataDir)) {
      Files.createDirectories(dataDir.getParent());
      Files.createDirectory(dataDir);
    }
    Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
  }

  /** Deletes what is inside (a failed pg_basebackup's leftovers), keeping the directory. */
  void empty() throws IOException {
    try (Stream<Path> entries = Files.list(dataDir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        FileTrees.delete(p);
      }
    }
  }

  /** Deletes the data directory (not a configured config_dir); refused while PostgreSQL runs. */
  boolean remove() {
    if (pgCtl.postmasterPid().isPresent()) {
      LOG.error("Can not remove the data directory: PostgreSQL is running");
      return false;
    }
    LOG.info("Removing data directory: {}", dataDir);
    try {
      if (Files.isSymbolicLink(dataDir)) {
        Files.delete(dataDir);
      } else if (Files.exists(dataDir)) {
        FileTrees.delete(dataDir);
      }
      return true;
    } catch (IOException e) {
      LOG.error("Could not remove data directory {}: {}", dataDir, e.getMessage());
      return false;
    }
  }
}
