package io.hagent.common.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the files of a certificate look like on disk (modification time, size, inode) so that a
 * renewal, including the rename that certbot and cert-manager do, is noticed.
 */
record FileStamp(List<String> stamps) {

  static FileStamp of(String... files) {
    List<String> out = new ArrayList<>();
    for (String f : files) {
      if (f == null) {
        out.add("-");
        continue;
      }
      try {
        BasicFileAttributes a = Files.readAttributes(Path.of(f), BasicFileAttributes.class);
        out.add(a.lastModifiedTime() + "/" + a.size() + "/" + Objects.toString(a.fileKey()));
      } catch (IOException e) {
        out.add("missing");
      }
    }
    return new FileStamp(List.copyOf(out));
  }
}
