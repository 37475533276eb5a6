package io.hagent.agent.logging;

import java.util.regex.Pattern;

/**
 * Last line of defence for "no secret in the logs": masks password-like values in a message before
 * it is written. Code must still never log secrets; this catches libpq connection strings, URLs
 * with credentials and JSON/YAML fragments that slip through (e.g. in exception messages).
 */
public final class SecretRedactor {
  static final String MASK = "******";

  // key=value / key: value / "key": "value", for keys like password, PGPASSWORD, passwd, secret
  private static final Pattern KEY_VALUE =
      Pattern.compile(
          "(?i)(\"?\\b[\\w-]*(?:password|passwd|secret|token)\"?\\s*[=:]\\s*)"
              + "(\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'|[^\\s,;}&)]+)");
  // scheme://user:password@host
  private static final Pattern URL_CREDENTIALS =
      Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s:@]*:)([^@\\s/]+)(@)");

  private SecretRedactor() {}

  public static String redact(String message) {
    if (message == null || message.isEmpty()) {
      return message;
    }
    String out = URL_CREDENTIALS.matcher(message).replaceAll("$1" + MASK + "$3");
    return KEY_VALUE.matcher(out).replaceAll(m -> quoted(m.group(1), m.group(2)));
  }

  private static String quoted(String key, String value) {
    String q = value.startsWith("\"") ? "\"" : value.startsWith("'") ? "'" : "";
    return java.util.regex.Matcher.quoteReplacement(key + q + MASK + q);
  }
}
