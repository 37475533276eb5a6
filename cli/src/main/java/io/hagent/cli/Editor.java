package io.hagent.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens $EDITOR (else editor, else vi) on the YAML and returns what was saved. */
final class Editor {
  private Editor() {}

  static String edit(Ctl ctl, String text, String cluster) {
    String editor = ctl.env.get("EDITOR");
    if (editor == null || editor.isBlank()) {
      editor = onPath(ctl, "editor") ? "editor" : onPath(ctl, "vi") ? "vi" : null;
    }
    if (editor == null) {
      throw new CtlException(
          "EDITOR environment variable is not set. editor or vi are not available");
    }
    Path tmp = null;
    try {
      tmp = Files.createTempFile(cluster + "-config-", ".yaml");
      Files.writeString(tmp, text);
      ctl.out.flush();
      Process p =
          new ProcessBuilder("sh", "-c", editor + " \"$1\"", "editor", tmp.toString())
              .inheritIO()
              .start();
      int rc = p.waitFor();
      if (rc != 0) {
        throw new CtlException("Editor exited with return code " + rc);
      }
      return Files.readString(tmp);
    } catch (IOException e) {
      throw new CtlException("Can not run editor " + editor + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CtlException("Interrupted");
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          // best effort: a temp file left behind is harmless
        }
      }
    }
  }

  private static boolean onPath(Ctl ctl, String name) {
    String path = ctl.env.getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
        return true;
      }
    }
    return false;
  }
}
