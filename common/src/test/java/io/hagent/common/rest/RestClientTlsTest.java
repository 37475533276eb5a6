package io.hagent.common.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.hagent.common.tls.PemKeyStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's TLS as hactl and the agent use it: a PEM CA, the server's host name checked, a
 * client certificate, and ctl.insecure. Certificates are made by openssl at test time; the server
 * certificate names only "localhost", so https://127.0.0.1 is a host name mismatch.
 */
class RestClientTlsTest {
  @TempDir static Path dir;
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final String KEY_PASSWORD = "key-pass-123";
  private HttpsServer server;

  private static void openssl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
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
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=DNS:localhost\n");
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
    openssl(
        "pkcs8",
        "-topk8",
        "-in",
        "client.key",
        "-out",
        "client-enc.key",
        "-v2",
        "aes-256-cbc",
        "-passout",
        "pass:" + KEY_PASSWORD);
  }

  private static String p(String name) {
    return dir.resolve(name).toString();
  }

  /** An HTTPS server with the test CA's server certificate; optionally requiring a client one. */
  private int start(boolean needClientCert) throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(
        PemKeyStore.keyStore(p("server.crt"), p("server.key"), null), PemKeyStore.STORE_PASSWORD);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(PemKeyStore.trustStore(p("ca.crt")));
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(
        new HttpsConfigurator(ctx) {
          @Override
          public void configure(HttpsParameters params) {
            // setNeedClientAuth alone is undone by the server's own setWantClientAuth(false)
            SSLParameters sp = ctx.getDefaultSSLParameters();
            sp.setNeedClientAuth(needClientCert);
            params.setSSLParameters(sp);
          }
        });
    server.createContext(
        "/",
        ex -> {
          String who;
          try {
            who = ((HttpsExchange) ex).getSSLSession().getPeerPrincipal().getName();
          } catch (SSLPeerUnverifiedException e) {
            who = "anonymous";
          }
          byte[] body = ("{\"peer\":\"" + who + "\"}").getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    return server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void verifiesTheServerAgainstTheCaFile() throws Exception {
    int port = start(false);
    RestClient client = new RestClient(null, null, p("ca.crt"), null, null, false);
    RestClient.Response r = client.get("https://localhost:" + port + "/patroni", TIMEOUT);
    assertEquals(200, r.status());
    assertEquals("{\"peer\":\"anonymous\"}", r.body());
  }

  @Test
  void refusesAWrongHostNameAndAnUnknownCa() throws Exception {
    int port = start(false);
    RestClient withCa = new RestClient(null, null, p("ca.crt"), null, null, false);
    assertThrows(
        IOException.class, () -> withCa.get("https://127.0.0.1:" + port + "/patroni", TIMEOUT));
    RestClient jvmDefaults = new RestClient(null, null, null, null, null, false);
    assertThrows(
        IOException.class,
        () -> jvmDefaults.get("https://localhost:" + port + "/patroni", TIMEOUT));
  }

  /** ctl.insecure / hactl -k: neither the CA nor the host name is checked. */
  @Test
  void insecureAcceptsAnyCertificateUnderAnyName() throws Exception {
    int port = start(false);
    RestClient client = new RestClient(null, null, null, null, null, true);
    assertEquals(200, client.get("https://127.0.0.1:" + port + "/patroni", TIMEOUT).status());
    assertEquals(
        200, client.send("PATCH", "https://localhost:" + port + "/config", "{}", TIMEOUT).status());
  }

  @Test
  void presentsTheClientCertificateWhenTheServerRequiresOne() throws Exception {
    int port = start(true);
    String url = "https://localhost:" + port + "/patroni";
    RestClient client =
        new RestClient(null, null, p("ca.crt"), p("client.crt"), p("client.key"), false);
    RestClient.Response r = client.get(url, TIMEOUT);
    assertEquals(200, r.status());
    assertEquals("{\"peer\":\"CN=client\"}", r.body());
    RestClient without = new RestClient(null, null, p("ca.crt"), null, null, false);
    assertThrows(IOException.class, () -> without.get(url, TIMEOUT));
  }

  /** ctl.keyfile_password: an encrypted client key. */
  @Test
  void anEncryptedClientKeyIsOpenedWithItsPassword() throws Exception {
    int port = start(true);
    String url = "https://localhost:" + port + "/patroni";
    RestClient client =
        new RestClient(
            null, null, p("ca.crt"), p("client.crt"), p("client-enc.key"), KEY_PASSWORD, false);
    assertEquals("{\"peer\":\"CN=client\"}", client.get(url, TIMEOUT).body());
    RestClient wrong =
        new RestClient(null, null, p("ca.crt"), p("client.crt"), p("client-enc.key"), "x", false);
    assertThrows(IOException.class, () -> wrong.get(url, TIMEOUT));
  }

  /** Plain http and https on one client: the http side never needs the CA file. */
  @Test
  void aBrokenCaFileOnlyMattersForHttps() throws Exception {
    int port = start(false);
    RestClient client = new RestClient(null, null, p("missing-ca.crt"), null, null, false);
    IOException e =
        assertThrows(
            IOException.class, () -> client.get("https://localhost:" + port + "/x", TIMEOUT));
    assertTrue(e.getMessage().contains("missing-ca.crt"), e.getMessage());
  }
}
