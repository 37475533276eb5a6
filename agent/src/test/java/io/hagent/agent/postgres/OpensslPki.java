package io.hagent.agent.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CA, a server certificate for 127.0.0.1 and client certificates whose keys are in every PEM form
 * an operator's openssl writes, made with the openssl command line.
 */
final class OpensslPki {
  static final String KEY_PASSWORD = "k3y-pa55 word";

  final Path dir;

  OpensslPki(Path dir) throws Exception {
    this.dir = Files.createDirectories(dir);
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=hagent-test-ca");
    Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    openssl("genpkey", "-algorithm", "RSA", "-out", "server.key");
    sign("server", "/CN=127.0.0.1", null, "server.ext");
  }

  /** The key kinds: file name -> how openssl makes it. */
  enum Kind {
    RSA_PKCS1("-----BEGIN RSA PRIVATE KEY-----", "genrsa", "-traditional", "-out", "%s", "2048"),
    RSA_PKCS8("-----BEGIN PRIVATE KEY-----", "genpkey", "-algorithm", "RSA", "-out", "%s"),
    EC_SEC1(
        "-----BEGIN EC PRIVATE KEY-----",
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        "%s"),
    ENCRYPTED_PKCS8(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----",
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-aes-256-cbc",
        "-pass",
        "pass:" + KEY_PASSWORD,
        "-out",
        "%s"),
    LEGACY_ENCRYPTED_RSA(
        "Proc-Type: 4,ENCRYPTED",
        "genrsa",
        "-traditional",
        "-aes128",
        "-passout",
        "pass:" + KEY_PASSWORD,
        "-out",
        "%s",
        "2048");

    final String marker;
    final String[] command;

    Kind(String marker, String... command) {
      this.marker = marker;
      this.command = command;
    }

    boolean encrypted() {
      return this == ENCRYPTED_PKCS8 || this == LEGACY_ENCRYPTED_RSA;
    }
  }

  /** Makes a client key of {@code kind} and a certificate for it; returns the base name. */
  String client(Kind kind, String cn) throws Exception {
    String name = kind.name().toLowerCase();
    String[] cmd = kind.command.clone();
    for (int i = 0; i < cmd.length; i++) {
      cmd[i] = cmd[i].replace("%s", name + ".key");
    }
    openssl(cmd);
    String text = Files.readString(dir.resolve(name + ".key"));
    if (!text.contains(kind.marker)) {
      throw new IllegalStateException(name + ".key is not " + kind.marker + ":\n" + text);
    }
    sign(name, "/CN=" + cn, kind.encrypted() ? KEY_PASSWORD : null, null);
    return name;
  }

  String path(String file) {
    return dir.resolve(file).toString();
  }

  private void sign(String name, String subject, String keyPassword, String ext) throws Exception {
    List<String> req =
        new ArrayList<>(
            List.of("req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", subject));
    if (keyPassword != null) {
      req.addAll(List.of("-passin", "pass:" + keyPassword));
    }
    openssl(req.toArray(String[]::new));
    List<String> x509 =
        new ArrayList<>(
            List.of(
                "x509",
                "-req",
                "-in",
                name + ".csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                name + ".crt",
                "-days",
                "2"));
    if (ext != null) {
      x509.addAll(List.of("-extfile", ext));
    }
    openssl(x509.toArray(String[]::new));
    // libpq and the server refuse keys others can read
    Files.setPosixFilePermissions(
        dir.resolve(name + ".key"), PosixFilePermissions.fromString("rw-------"));
  }

  private void openssl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Path log = dir.resolve("openssl.log");
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(
          "openssl " + String.join(" ", args) + " failed:\n" + Files.readString(log));
    }
  }
}
