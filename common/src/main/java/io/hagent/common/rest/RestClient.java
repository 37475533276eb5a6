package io.hagent.common.rest;

import io.hagent.common.tls.PemKeyStore;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * HTTP(S) client for members' REST APIs (leader race probes, hactl, the startup guard), on the
 * JDK's {@link HttpClient}: HTTP/1.1 (Patroni's and hagent's servers speak 1.0 or 1.1; no h2c
 * upgrade), Basic auth, the PEM CA/client certificate of {@code ctl}/{@code restapi}, and an
 * insecure mode (Patroni's {@code ctl.insecure}, hactl -k) that checks neither the certificate nor
 * the host name.
 *
 * <p>The JDK client is built lazily, one per (connect timeout, scheme): its connect timeout is a
 * client setting, and an http-only client gets a TLS context that initialises no TLS at all, so
 * hactl talking to plain-http members pays nothing for TLS (docs/decisions/http-client.md).
 */
public final class RestClient {

  /** Status code and body of a response. */
  public record Response(int status, String body) {}

  private final String authorization;
  private final String cafile;
  private final String certfile;
  private final String keyfile;
  private final String keyPassword;
  private final boolean insecure;
  private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();
  private SSLContext sslContext;

  /**
   * @param username Basic auth user, or null
   * @param cafile CA bundle (PEM) to verify https peers, or null for the JVM default
   * @param certfile client certificate (PEM), or null
   * @param keyfile client key (PEM), or null
   * @param insecure skip certificate and host name verification
   */
  public RestClient(
      String username,
      String password,
      String cafile,
      String certfile,
      String keyfile,
      boolean insecure) {
    this(username, password, cafile, certfile, keyfile, null, insecure);
  }

  /**
   * @param keyPassword password of an encrypted client key ({@code ctl.keyfile_password}), or null
   */
  public RestClient(
      String username,
      String password,
      String cafile,
      String certfile,
      String keyfile,
      String keyPassword,
      boolean insecure) {
    this.authorization =
        username == null
            ? null
            : "Basic "
                + Base64.getEncoder()
                    .encodeToString(
                        (username + ":" + (password == null ? "" : password))
                            .getBytes(StandardCharsets.UTF_8));
    this.cafile = blankToNull(cafile);
    this.certfile = blankToNull(certfile);
    this.keyfile = blankToNull(keyfile);
    this.keyPassword = keyPassword;
    this.insecure = insecure;
  }

  /** GET with the given timeout (connect, and again the whole exchange); IOException on failure. */
  public Response get(String url, Duration timeout) throws IOException {
    return send("GET", url, null, timeout);
  }

  /** POST/PATCH/PUT/DELETE with an optional JSON body (null for none). */
  public Response send(String method, String url, String jsonBody, Duration timeout)
      throws IOException {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IOException("invalid URL: " + url, e);
    }
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    if ((!tls && !"http".equalsIgnoreCase(uri.getScheme())) || uri.getHost() == null) {
      throw new IOException("invalid URL: " + url);
    }
    Duration t = timeout.isNegative() || timeout.isZero() ? Duration.ofMillis(1) : timeout;
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(t)
            .method(
                method,
                jsonBody == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    if (jsonBody != null) {
      request.header("Content-Type", "application/json");
    }
    try {
      HttpResponse<String> r =
          client(t, tls)
              .send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Response(r.statusCode(), r.body() == null ? "" : r.body());
    } catch (HttpConnectTimeoutException e) {
      throw new HttpConnectTimeoutException("connect timed out after " + t.toMillis() + " ms");
    } catch (HttpTimeoutException e) {
      throw new HttpTimeoutException("no answer within " + t.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (IllegalArgumentException e) {
      throw new IOException("invalid request to " + url + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw described(e, uri);
    }
  }

  /**
   * HttpClient's connect failures carry no message (the cause of a refused connection is a bare
   * ClosedChannelException); hactl and the agent's log print the message, so give them one.
   */
  private static IOException described(IOException e, URI uri) {
    if (e.getMessage() != null && !e.getMessage().isBlank()) {
      return e;
    }
    String where = uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnresolvedAddressException) {
        UnknownHostException unknown = new UnknownHostException(uri.getHost());
        unknown.initCause(e);
        return unknown;
      }
    }
    if (e instanceof ConnectException) {
      ConnectException refused = new ConnectException("Connection refused (" + where + ")");
      refused.initCause(e);
      return refused;
    }
    return new IOException(e.getClass().getSimpleName() + " (" + where + ")", e);
  }

  private HttpClient client(Duration connectTimeout, boolean tls) throws IOException {
    String key = (tls ? "https/" : "http/") + connectTimeout.toMillis();
    HttpClient c = clients.get(key);
    if (c == null) {
      HttpClient.Builder b =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .followRedirects(HttpClient.Redirect.NEVER)
              .connectTimeout(connectTimeout)
              .sslContext(tls ? sslContext() : PlainOnly.CONTEXT);
      c = b.build();
      HttpClient raced = clients.putIfAbsent(key, c);
      c = raced == null ? c : raced;
    }
    return c;
  }

  private synchronized SSLContext sslContext() throws IOException {
    if (sslContext == null) {
      try {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keyManagers(), trustManagers(), new SecureRandom());
        sslContext = ctx;
      } catch (GeneralSecurityException e) {
        throw new IOException("cannot set up TLS: " + e.getMessage(), e);
      }
    }
    return sslContext;
  }

  private TrustManager[] trustManagers() throws GeneralSecurityException, IOException {
    if (insecure) {
      return new TrustManager[] {new TrustAll()};
    }
    if (cafile == null) {
      return null; // JVM default trust store
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(PemKeyStore.trustStore(cafile));
    return tmf.getTrustManagers();
  }

  private KeyManager[] keyManagers() throws GeneralSecurityException, IOException {
    if (certfile == null) {
      return null;
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(PemKeyStore.keyStore(certfile, keyfile, keyPassword), PemKeyStore.STORE_PASSWORD);
    return kmf.getKeyManagers();
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /**
   * The TLS context of an http-only client, which never uses it. HttpClient wants one and would
   * otherwise initialise the JVM's default context (JSSE and cacerts): ~0.1 s of CPU in a hactl
   * run, measured in docs/decisions/http-client.md. This one only answers the parameter queries
   * HttpClient makes when it is built, and fails loudly if a TLS connection is ever attempted.
   */
  private static final class PlainOnly extends SSLContext {
    static final SSLContext CONTEXT = new PlainOnly();

    private PlainOnly() {
      super(new NoTlsSpi(), null, "none");
    }
  }

  private static final class NoTlsSpi extends SSLContextSpi {
    private static UnsupportedOperationException refused() {
      return new UnsupportedOperationException("TLS on a plain-http client");
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {}

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      throw refused();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      throw refused();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      throw refused();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      throw refused();
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      throw refused();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      throw refused();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return new SSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return new SSLParameters();
    }
  }

  /**
   * -k / ctl.insecure: accept any server certificate under any host name. An extended trust
   * manager, because JSSE wraps a plain one and checks the host name itself (HttpClient always asks
   * for that check).
   */
  private static final class TrustAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
