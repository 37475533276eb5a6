package io.hagent.agent.api;

import io.hagent.common.json.Json;
import java.util.Map;

/**
 * One response as Patroni's handler would write it: a status, a content type and a body, plus any
 * extra headers. Decision code returns these so it can be tested without a socket.
 */
public record HttpReply(int status, String contentType, String body, Map<String, String> headers) {

  /**
   * Only the status line, no headers and no body: Patroni's answer to HEAD and OPTIONS, GET
   * /liveness and /readiness (§1.1).
   */
  public static HttpReply statusOnly(int status) {
    return new HttpReply(status, null, null, Map.of());
  }

  public boolean statusOnly() {
    return body == null;
  }

  /** Patroni's write_response: a plain message sent as {@code text/html}. */
  public static HttpReply text(int status, String message) {
    return new HttpReply(status, "text/html", message, Map.of());
  }

  public static HttpReply json(int status, Object body) {
    return new HttpReply(status, "application/json", Json.write(body), Map.of());
  }

  /** Python's send_error page with the standard reason phrase. */
  public static HttpReply error(int status) {
    return error(status, null);
  }

  /**
   * Python's send_error page. {@code message} replaces the reason phrase, the way {@code
   * send_error(code, message)} does; it must never contain a secret.
   */
  public static HttpReply error(int status, String message) {
    String reason = reason(status);
    String shown = message == null ? reason : message;
    String page =
        "<!DOCTYPE HTML>\n"
            + "<html lang=\"en\">\n"
            + "    <head>\n"
            + "        <meta charset=\"utf-8\">\n"
            + "        <title>Error response</title>\n"
            + "    </head>\n"
            + "    <body>\n"
            + "        <h1>Error response</h1>\n"
            + "        <p>Error code: "
            + status
            + "</p>\n"
            + "        <p>Message: "
            + escape(shown)
            + ".</p>\n"
            + "        <p>Error code explanation: "
            + status
            + " - "
            + reason
            + ".</p>\n"
            + "    </body>\n"
            + "</html>\n";
    return new HttpReply(status, "text/html;charset=utf-8", page, Map.of());
  }

  public HttpReply withHeader(String name, String value) {
    return withHeaders(Map.of(name, value));
  }

  /** These headers after the reply's own, in their order; a status-only reply stays bare. */
  public HttpReply withHeaders(Map<String, String> more) {
    if (statusOnly() || more == null || more.isEmpty()) {
      return this;
    }
    Map<String, String> h = new java.util.LinkedHashMap<>(headers);
    h.putAll(more);
    return new HttpReply(status, contentType, body, java.util.Collections.unmodifiableMap(h));
  }

  static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 202 -> "Accepted";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 409 -> "Conflict";
      case 411 -> "Length Required";
      case 412 -> "Precondition Failed";
      case 413 -> "Request Entity Too Large";
      case 414 -> "Request-URI Too Long";
      case 422 -> "Unprocessable Entity";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 501 -> "Not Implemented";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 505 -> "HTTP Version Not Supported";
      default -> "Error";
    };
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
