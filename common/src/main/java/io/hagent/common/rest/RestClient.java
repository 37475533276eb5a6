package io.hagent.common.rest;

import io.hagent.common.tls.PemKeyStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A small HTTP(S) client for members' REST APIs (leader race probes, hactl). Uses
 * HttpURLConnection: java.net.http.HttpClient costs ~0.5 s of start-up (it builds an SSLContext
 * even for http://), which hactl cannot afford. The SSLContext is built lazily, on the first
 * https:// request, for the same reason.
 */
public final class RestClient {

  /** Status code and body of a response. */
  public record Response(int status, String body) {}

  private final String authorization;
  private final String cafile;
  private final String certfile;
  private final String keyfile;
  private final String keyfilePassword;
  private final boolean insecure;
  private SSLSocketFactory sslSocketFactory;

  /**
   * @param username Basic auth user, or null
   * @param cafile CA bundle (PEM) to verify https peers, or null for the JVM default
   * @param certfile client certificate (PEM), or null
   * @param keyfile client key (PEM), or null
   * @param insecure skip certificate verification
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
   * @param keyfilePassword decrypts an encrypted {@code keyfile} (restapi/ctl.keyfile_password)
   */
  public RestClient(
      String username,
      String password,
      String cafile,
      String certfile,
      String keyfile,
      String keyfilePassword,
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
    this.keyfilePassword = keyfilePassword;
    this.insecure = insecure;
  }

  /** GET with the given timeout (connect + read); throws IOException on network failure. */
  public Response get(String url, Duration timeout) throws IOException {
    return send("GET", url, null, timeout);
  }

  /** POST/PATCH/PUT/DELETE with an optional JSON body (null for none). */
  public Response send(String method, String url, String jsonBody, Duration timeout)
      throws IOException {
    if ("PATCH".equals(method)) {
      // HttpURLConnection refuses PATCH (and java.net cannot be opened for reflection without
      // JVM flags), so PATCH goes over a plain HTTP/1.0 exchange, which is what Patroni speaks.
      return sendRaw(method, url, jsonBody, timeout);
    }
    HttpURLConnection conn = open(url);
    try {
      int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      conn.setConnectTimeout(millis);
      conn.setReadTimeout(millis);
      conn.setUseCaches(false);
      conn.setInstanceFollowRedirects(false);
      conn.setRequestMethod(method);
      if (authorization != null) {
        conn.setRequestProperty("Authorization", authorization);
      }
      if (jsonBody != null) {
        byte[] bytes = jsonBody.getBytes(StandardCharsets.UTF_8);
        conn.setDoOutput(true);
        conn.setRequestProperty("Content-Type", "application/json");
        conn.setFixedLengthStreamingMode(bytes.length);
        try (OutputStream out = conn.getOutputStream()) {
          out.write(bytes);
        }
      }
      int status = conn.getResponseCode();
      InputStream in = status >= 400 ? conn.getErrorStream() : conn.getInputStream();
      String body = "";
      if (in != null) {
        try (in) {
          body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
      return new Response(status, body);
    } finally {
      conn.disconnect();
    }
  }

  private HttpURLConnection open(String url) throws IOException {
    URL u;
    try {
      u = java.net.URI.create(url).toURL();
    } catch (IllegalArgumentException e) {
      throw new IOException("invalid URL: " + url, e);
    }
    HttpURLConnection conn = (HttpURLConnection) u.openConnection();
    if (conn instanceof HttpsURLConnection https) {
      https.setSSLSocketFactory(sslSocketFactory());
      if (insecure) {
        HostnameVerifier any = (host, session) -> true;
        https.setHostnameVerifier(any);
      }
    }
    return conn;
  }

  private Response sendRaw(String method, String url, String jsonBody, Duration timeout)
      throws IOException {
    java.net.URI uri;
    try {
      uri = java.net.URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IOException("invalid URL: " + url, e);
    }
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    String host = uri.getHost();
    if (host == null) {
      throw new IOException("invalid URL: " + url);
    }
    int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
    int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    java.net.Socket plain = new java.net.Socket();
    java.net.Socket socket = plain;
    try {
      plain.connect(new java.net.InetSocketAddress(host, port), millis);
      plain.setSoTimeout(millis);
      if (tls) {
        javax.net.ssl.SSLSocket ssl =
            (javax.net.ssl.SSLSocket) sslSocketFactory().createSocket(plain, host, port, true);
        if (!insecure) {
          javax.net.ssl.SSLParameters params = ssl.getSSLParameters();
          params.setEndpointIdentificationAlgorithm("HTTPS");
          ssl.setSSLParameters(params);
        }
        ssl.startHandshake();
        socket = ssl;
      }
      byte[] body = jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8);
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      if (uri.getRawQuery() != null) {
        path += "?" + uri.getRawQuery();
      }
      StringBuilder head = new StringBuilder();
      head.append(method).append(' ').append(path).append(" HTTP/1.0\r\n");
      head.append("Host: ").append(uri.getRawAuthority()).append("\r\n");
      if (authorization != null) {
        head.append("Authorization: ").append(authorization).append("\r\n");
      }
      if (jsonBody != null) {
        head.append("Content-Type: application/json\r\n");
      }
      head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return parseResponse(socket.getInputStream().readAllBytes());
    } finally {
      socket.close();
    }
  }

  /** Parses an HTTP/1.x response read to EOF (Connection: close; chunked bodies decoded). */
  static Response parseResponse(byte[] raw) throws IOException {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int headEnd = text.indexOf("\r\n\r\n");
    if (headEnd < 0 || !text.startsWith("HTTP/")) {
      throw new IOException("malformed HTTP response");
    }
    String[] lines = text.substring(0, headEnd).split("\r\n");
    String[] statusLine = lines[0].split(" ", 3);
    int status;
    try {
      status = Integer.parseInt(statusLine[1]);
    } catch (RuntimeException e) {
      throw new IOException("malformed HTTP status line: " + lines[0], e);
    }
    boolean chunked = false;
    for (int i = 1; i < lines.length; i++) {
      String l = lines[i].toLowerCase(java.util.Locale.ROOT);
      if (l.startsWith("transfer-encoding:") && l.contains("chunked")) {
        chunked = true;
      }
    }
    byte[] body = java.util.Arrays.copyOfRange(raw, headEnd + 4, raw.length);
    if (chunked) {
      java.io.ByteArrayOutputStream decoded = new java.io.ByteArrayOutputStream();
      int pos = 0;
      while (pos < body.length) {
        int eol = indexOfCrlf(body, pos);
        if (eol < 0) {
          break;
        }
        String sizeText = new String(body, pos, eol - pos, StandardCharsets.ISO_8859_1);
        int semi = sizeText.indexOf(';');
        int size = Integer.parseInt((semi < 0 ? sizeText : sizeText.substring(0, semi)).trim(), 16);
        if (size == 0) {
          break;
        }
        decoded.write(body, eol + 2, Math.min(size, body.length - eol - 2));
        pos = eol + 2 + size + 2;
      }
      body = decoded.toByteArray();
    }
    return new Response(status, new String(body, StandardCharsets.UTF_8));
  }

  private static int indexOfCrlf(byte[] b, int from) {
    for (int i = from; i + 1 < b.length; i++) {
      if (b[i] == '\r' && b[i + 1] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private synchronized SSLSocketFactory sslSocketFactory() throws IOException {
    if (sslSocketFactory == null) {
      try {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keyManagers(), trustManagers(), new SecureRandom());
        sslSocketFactory = ctx.getSocketFactory();
      } catch (GeneralSecurityException e) {
        throw new IOException("cannot set up TLS: " + e.getMessage(), e);
      }
    }
    return sslSocketFactory;
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
    kmf.init(PemKeyStore.keyStore(certfile, keyfile, keyfilePassword), PemKeyStore.STORE_PASSWORD);
    return kmf.getKeyManagers();
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** -k / ctl.insecure: accept any server certificate. */
  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
