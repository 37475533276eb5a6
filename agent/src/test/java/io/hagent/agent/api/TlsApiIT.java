package io.hagent.agent.api;

import static io.hagent.agent.api.Snapshots.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hagent.agent.node.NodeSnapshot;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.RestApiConfig;
import io.hagent.common.rest.RestClient;
import io.hagent.common.tls.PemKeyStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS with certificates made by openssl at test time: key formats and verify_client modes. */
class TlsApiIT {
  @TempDir static Path dir;
  private static final String KEY_PASSWORD = "key-pass-123";
  private static final String AUTH =
      "Basic " + Base64.getEncoder().encodeToString("admin:pw".getBytes());
  private RestApiServer server;
  private FakeActions actions;

  static void openssl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "openssl timed out");
    assertEquals(0, p.exitValue(), "openssl " + String.join(" ", args) + ": " + out);
  }

  @BeforeAll
  static void certificates() throws Exception {
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
        "/CN=test-ca");
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    for (String who : List.of("server", "client")) {
      openssl(
          "req",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          who + ".key",
          "-out",
          who + ".csr",
          "-subj",
          "/CN=" + who);
      openssl(
          "x509",
          "-req",
          "-in",
          who + ".csr",
          "-CA",
          "ca.crt",
          "-CAkey",
          "ca.key",
          "-CAcreateserial",
          "-out",
          who + ".crt",
          "-days",
          "2",
          "-extfile",
          "san.ext");
    }
    // The same server key as encrypted PKCS#8 and as traditional PKCS#1.
    openssl(
        "pkcs8",
        "-topk8",
        "-in",
        "server.key",
        "-out",
        "server-enc.key",
        "-v2",
        "aes-256-cbc",
        "-passout",
        "pass:" + KEY_PASSWORD);
    openssl("rsa", "-in", "server.key", "-out", "server-rsa.key", "-traditional");
    // Key and certificate in one file, as certfile alone.
    Files.writeString(
        dir.resolve("server-both.pem"),
        Files.readString(dir.resolve("server.crt")) + Files.readString(dir.resolve("server.key")));
  }

  static String p(String name) {
    return dir.resolve(name).toString();
  }

  RestApiConfig cfg(String certfile, String keyfile, String keyPassword, String verify) {
    return new RestApiConfig(
        "127.0.0.1:0",
        "127.0.0.1:8008",
        "admin",
        "pw",
        certfile,
        keyfile,
        keyPassword,
        p("ca.crt"),
        verify,
        null,
        List.of(),
        false,
        Map.of(),
        Map.of(),
        RestApiConfig.DEFAULT_REQUEST_QUEUE_SIZE);
  }

  void start(RestApiConfig cfg) {
    actions = new FakeActions(new FakeDcs(ManagementApiTest.threeNodes(Map.of("ttl", 30))));
    NodeSnapshot s =
        Snapshots.withCluster(
            Snapshots.leader(), actions.dcs.cluster, DynamicConfig.from(Map.of("ttl", 30)));
    server = new RestApiServer(cfg, () -> s, () -> NOW, actions, Instant::now, ms -> {});
    server.start();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop();
    }
  }

  HttpClient client(boolean withCert) throws Exception {
    KeyStore trust = PemKeyStore.trustStore(p("ca.crt"));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    KeyManagerFactory kmf = null;
    if (withCert) {
      kmf = KeyManagerFactory.getInstance("PKIX");
      kmf.init(
          PemKeyStore.keyStore(p("client.crt"), p("client.key"), null), PemKeyStore.STORE_PASSWORD);
    }
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ctx).build();
  }

  HttpResponse<String> send(HttpClient c, String method, String path) throws Exception {
    HttpRequest r =
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + path))
            .header("Authorization", AUTH)
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    return c.send(r, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void encryptedPkcs8KeyAndNoClientVerification() throws Exception {
    start(cfg(p("server.crt"), p("server-enc.key"), KEY_PASSWORD, "none"));
    assertEquals(200, send(client(false), "GET", "/patroni").statusCode());
    assertEquals(202, send(client(false), "POST", "/reload").statusCode());
  }

  @Test
  void pkcs1RsaKeyAndCombinedFile() throws Exception {
    start(cfg(p("server.crt"), p("server-rsa.key"), null, "none"));
    assertEquals(200, send(client(false), "GET", "/patroni").statusCode());
    server.stop();
    start(cfg(p("server-both.pem"), null, null, "none"));
    assertEquals(200, send(client(false), "GET", "/patroni").statusCode());
  }

  @Test
  void verifyClientRequiredRejectsHandshakeWithoutCertificate() throws Exception {
    start(cfg(p("server.crt"), p("server.key"), null, "required"));
    assertThrows(IOException.class, () -> send(client(false), "GET", "/patroni"));
    assertEquals(200, send(client(true), "GET", "/patroni").statusCode());
    assertEquals(202, send(client(true), "POST", "/reload").statusCode());
  }

  @Test
  void hagentsOwnRestClientVerifiesTheServerAndPresentsItsCertificate() throws Exception {
    start(cfg(p("server.crt"), p("server.key"), null, "required"));
    String url = "https://127.0.0.1:" + server.port() + "/patroni";
    RestClient withCert =
        new RestClient(null, null, p("ca.crt"), p("client.crt"), p("client.key"), false);
    assertEquals(200, withCert.get(url, Duration.ofSeconds(5)).status());
    RestClient withoutCert = new RestClient(null, null, p("ca.crt"), null, null, false);
    assertThrows(IOException.class, () -> withoutCert.get(url, Duration.ofSeconds(5)));
    RestClient untrusting =
        new RestClient(null, null, null, p("client.crt"), p("client.key"), false);
    assertThrows(IOException.class, () -> untrusting.get(url, Duration.ofSeconds(5)));
  }

  @Test
  void verifyClientOptionalGuardsUnsafeEndpoints() throws Exception {
    start(cfg(p("server.crt"), p("server.key"), null, "optional"));
    assertEquals(200, send(client(false), "GET", "/patroni").statusCode());
    HttpResponse<String> denied = send(client(false), "POST", "/reload");
    assertEquals(403, denied.statusCode());
    assertEquals("client certificate required", denied.body());
    assertEquals(0, actions.reloads);
    assertEquals(202, send(client(true), "POST", "/reload").statusCode());
  }

  /** The serial number of the certificate a new TLS connection is served. */
  java.math.BigInteger servedSerial() throws Exception {
    KeyStore trust = PemKeyStore.trustStore(p("ca.crt"));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    try (javax.net.ssl.SSLSocket s =
        (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      s.startHandshake();
      return ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0])
          .getSerialNumber();
    }
  }

  static java.math.BigInteger serialOf(String file) throws Exception {
    try (var in = Files.newInputStream(dir.resolve(file))) {
      return ((java.security.cert.X509Certificate)
              java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in))
          .getSerialNumber();
    }
  }

  @Test
  void renewedCertificateIsServedAfterPostReloadWithoutARestart() throws Exception {
    Files.copy(
        dir.resolve("server.crt"),
        dir.resolve("live.crt"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    start(cfg(p("live.crt"), p("server.key"), null, "none"));
    assertEquals(serialOf("server.crt"), servedSerial());
    int port = server.port();

    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "renewed.crt",
        "-days",
        "2",
        "-extfile",
        "san.ext");
    Files.copy(
        dir.resolve("renewed.crt"),
        dir.resolve("live.crt"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertEquals(202, send(client(false), "POST", "/reload").statusCode());
    assertEquals(serialOf("renewed.crt"), servedSerial());
    assertEquals(port, server.port(), "the same listener, not a restart");

    // A broken file on reload: the renewed certificate stays in service.
    Files.writeString(dir.resolve("live.crt"), "not a certificate\n");
    server.reloadCertificates();
    assertEquals(serialOf("renewed.crt"), servedSerial());
    assertEquals(200, send(client(false), "GET", "/patroni").statusCode());
  }

  @Test
  void aClientThatNeverFinishesTheHandshakeIsCutOff() throws Exception {
    start(cfg(p("server.crt"), p("server.key"), null, "none"));
    try (java.net.Socket silent = new java.net.Socket("127.0.0.1", server.port())) {
      silent.setSoTimeout((int) ConnectionPolicy.HEADER_TIMEOUT_MILLIS + 5_000);
      long t0 = System.nanoTime();
      assertEquals(-1, silent.getInputStream().read(), "the server closes the connection");
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(
          millis >= ConnectionPolicy.HEADER_TIMEOUT_MILLIS - 1_000
              && millis < ConnectionPolicy.HEADER_TIMEOUT_MILLIS + 5_000,
          "closed after " + millis + " ms");
    }
    assertEquals(200, send(client(false), "GET", "/patroni").statusCode());
  }

  @Test
  void badKeyMaterialFailsWithClearMessagesWithoutThePassword() {
    IllegalArgumentException wrong =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TlsSetup.contextFactory(cfg(p("server.crt"), p("server-enc.key"), "nope", "none")));
    assertTrue(wrong.getMessage().contains("wrong keyfile_password"), wrong.getMessage());
    assertTrue(!wrong.getMessage().contains("nope"));
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () -> TlsSetup.contextFactory(cfg(p("server.crt"), p("server-enc.key"), null, "none")));
    assertTrue(missing.getMessage().contains("keyfile_password is not set"));
    IllegalArgumentException noFile =
        assertThrows(
            IllegalArgumentException.class,
            () -> TlsSetup.contextFactory(cfg(p("absent.crt"), null, null, "none")));
    assertTrue(noFile.getMessage().contains("absent.crt"));
    assertThrows(
        IllegalArgumentException.class,
        () -> TlsSetup.contextFactory(cfg(p("server.crt"), p("server.key"), null, "sometimes")));
  }
}
