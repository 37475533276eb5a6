package io.hagent.common.config;

import java.util.Map;

/**
 * A role from {@code postgresql.authentication}. {@code password} may be null (trust/peer).
 *
 * @param libpq extra libpq settings such as sslmode, sslcert, channel_binding
 */
public record Credentials(String username, String password, Map<String, String> libpq) {

  /** Never print a password: this is what logs and errors may show. */
  @Override
  public String toString() {
    return "Credentials[username="
        + username
        + ", password="
        + (password == null ? "none" : "***")
        + "]";
  }
}
