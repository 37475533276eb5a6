package io.hagent.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.0 over a plain socket, byte for byte what HAProxy's and curl's requests look like, so a
 * test sees the exact response (status line, headers, body) and not a client library's view of it.
 */
public final class RawHttp {
  /** A response: the raw text plus its parsed parts (header names lower-cased). */
  public record Response(String raw, int code, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
      return raw.length() > 600 ? raw.substring(0, 600) + "..." : raw;
    }
  }

  private RawHttp() {}

  /**
   * Sends one request and reads until the server closes the connection.
   *
   * @param authorization value of the Authorization header, or null
   * @param body request body (Content-Length is set), or null for none
   */
  public static Response exchange(
      int port, String method, String path, String authorization, String body, Duration timeout) {
    StringBuilder req = new StringBuilder();
    req.append(method).append(' ').append(path).append(" HTTP/1.0\r\n");
    req.append("Host: 127.0.0.1:").append(port).append("\r\n");
    if (authorization != null) {
      req.append("Authorization: ").append(authorization).append("\r\n");
    }
    byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (body != null) {
      req.append("Content-Type: application/json\r\n");
      req.append("Content-Length: ").append(bytes.length).append("\r\n");
    }
    req.append("\r\n");
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout((int) timeout.toMillis());
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.UTF_8));
      out.write(bytes);
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      return parse(all.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + " on port " + port + " failed", e);
    }
  }

  static Response parse(String raw) {
    int end = raw.indexOf("\r\n\r\n");
    String head = end < 0 ? raw : raw.substring(0, end);
    String body = end < 0 ? "" : raw.substring(end + 4);
    String[] lines = head.split("\r\n");
    String[] status = lines[0].split(" ", 3);
    if (status.length < 2 || !status[0].startsWith("HTTP/")) {
      throw new IllegalStateException("not an HTTP response: " + raw);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(
            lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
    }
    return new Response(raw, Integer.parseInt(status[1]), headers, body);
  }
}
