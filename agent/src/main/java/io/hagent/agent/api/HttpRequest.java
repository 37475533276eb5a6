package io.hagent.agent.api;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One request as {@link Http10Server} read it: request line and headers parsed, the body still
 * unread, so a handler can refuse a request (auth, size) without reading what it carries; the
 * server discards what is left after answering.
 *
 * @param method the method as sent (case-sensitive, as Python's dispatch on {@code do_<METHOD>})
 * @param path the request target up to {@code ?}, undecoded
 * @param query the raw query string after {@code ?}, or null
 * @param headers header names compared case-insensitively; the first of repeated names wins
 * @param contentLength the Content-Length header, or -1 when there is none
 * @param client the peer's address
 * @param clientCertificate whether the peer presented a certificate in the TLS handshake
 */
record HttpRequest(
    String method,
    String path,
    String query,
    Map<String, String> headers,
    long contentLength,
    InetAddress client,
    boolean clientCertificate,
    BodyStream body) {

  String header(String name) {
    return headers.get(name);
  }

  /** The whole body as UTF-8; call only after checking {@link #contentLength()} against a limit. */
  String readBody() throws IOException {
    if (contentLength < 0) {
      return null;
    }
    if (contentLength > Integer.MAX_VALUE) {
      throw new IOException("body too large to read");
    }
    byte[] bytes = body.readNBytes((int) contentLength);
    if (bytes.length < contentLength) {
      throw new IOException("connection closed after " + bytes.length + " body bytes");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
