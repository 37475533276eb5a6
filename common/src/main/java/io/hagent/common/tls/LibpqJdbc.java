package io.hagent.common.tls;

import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Translates libpq connection settings (as {@code postgresql.authentication.*} carries them) into
 * PostgreSQL JDBC properties: the TLS ones go to {@link LibpqSslSocketFactory}, which reads PEM
 * keys as libpq does; gssencmode, channel_binding and sslnegotiation map to the driver's own
 * properties of the same meaning.
 */
public final class LibpqJdbc {
  /** Prefix under which the TLS settings travel to the factory, out of the driver's way. */
  static final String PREFIX = "hagent.libpq.";

  static final List<String> SSL_KEYS =
      List.of(
          "sslmode",
          "sslrootcert",
          "sslcert",
          "sslkey",
          "sslpassword",
          "sslcrl",
          "sslcrldir",
          "ssl_min_protocol_version",
          "ssl_max_protocol_version");

  private static final Map<String, String> DRIVER_NAMES =
      Map.of(
          "gssencmode", "gssEncMode",
          "channel_binding", "channelBinding",
          "sslnegotiation", "sslNegotiation");

  private LibpqJdbc() {}

  /**
   * Sets the driver properties for {@code libpq} (may be null) on {@code props}; {@code home} is
   * where libpq would look for ~/.postgresql (the agent's user's home).
   */
  public static void apply(Properties props, Map<String, String> libpq, String home) {
    Map<String, String> settings = libpq == null ? Map.of() : libpq;
    String mode = settings.getOrDefault("sslmode", "prefer");
    props.setProperty("sslmode", mode);
    if (!"disable".equals(mode)) {
      props.setProperty("sslfactory", LibpqSslSocketFactory.class.getName());
      for (String k : SSL_KEYS) {
        String v = settings.get(k);
        if (v != null) {
          props.setProperty(PREFIX + k, v);
        }
      }
      if (home != null) {
        props.setProperty(PREFIX + "home", home);
      }
    }
    DRIVER_NAMES.forEach(
        (libpqName, driverName) -> {
          String v = settings.get(libpqName);
          if (v != null) {
            props.setProperty(driverName, v);
          }
        });
  }
}
