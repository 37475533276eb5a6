package io.hagent.agent.api;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * One request as the routing code sees it, independent of the HTTP library: request line and
 * headers parsed, the body still unread, so a handler can refuse a request (auth, size) without
 * reading what it carries.
 *
 * @param method the method as sent (case-sensitive, as Python's dispatch on {@code do_<METHOD>})
 * @param path the request target up to {@code ?}, undecoded
 * @param query the raw query string after {@code ?}, or null
 * @param headers a header by name (case-insensitive), null when absent
 * @param contentLength the Content-Length header, or -1 when there is none
 * @param client the peer's address
 * @param allowlisted the allowlist decision taken when the connection was accepted
 * @param clientCertificate whether the peer presented a certificate in the TLS handshake
 * @param body reads the whole body; call only after checking {@code contentLength} against a limit
 */
record ApiRequest(
    String method,
    String path,
    String query,
    UnaryOperator<String> headers,
    long contentLength,
    InetAddress client,
    boolean allowlisted,
    boolean clientCertificate,
    BodyReader body) {

  /** Reads the request body (blocking). */
  interface BodyReader {
    byte[] read() throws IOException;
  }

  String header(String name) {
    return headers.apply(name);
  }

  /** The whole body as UTF-8, or null when the request declared none. */
  String readBody() throws IOException {
    if (contentLength < 0) {
      return null;
    }
    byte[] bytes = body.read();
    if (bytes.length < contentLength) {
      throw new IOException("connection closed after " + bytes.length + " body bytes");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
