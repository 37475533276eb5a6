package io.hagent.agent.api;

/**
 * The {@code Server} response header for restapi.server_tokens (§1.1).
 *
 * <p>Patroni's {@code original} sends Python's {@code BaseHTTP/0.6 Python/3.x}. hagent is not
 * Python and does not claim to be: {@code original} names the real server and runtime instead
 * ({@code hagent/<version> Java/<runtime>}), {@code minimal} gives {@code hagent/<version>} and
 * {@code productonly} {@code hagent}. Nothing known parses this header; it only identifies the
 * software, and an honest value helps whoever debugs a mixed cluster.
 */
final class ServerTokens {

  static final String VERSION =
      ServerTokens.class.getPackage().getImplementationVersion() == null
          ? "0.1.0"
          : ServerTokens.class.getPackage().getImplementationVersion();

  private ServerTokens() {}

  static String header(String serverTokens, String version) {
    String mode = serverTokens == null ? "original" : serverTokens.trim().toLowerCase();
    return switch (mode) {
      case "productonly" -> "hagent";
      case "minimal" -> "hagent/" + version;
      default -> "hagent/" + version + " Java/" + Runtime.version().feature();
    };
  }
}
