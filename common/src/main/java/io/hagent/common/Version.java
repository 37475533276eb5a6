package io.hagent.common;

/** Versions hagent reports. */
public final class Version {
  /** hagent's own version (--version, Server header). */
  public static final String HAGENT = "0.1.0";

  /**
   * The Patroni version whose behaviour hagent implements. Published as {@code version} in member
   * keys and {@code patroni.version} in the REST API, because clients and peers gate features on
   * the Patroni version they read there.
   */
  public static final String PATRONI_COMPAT = "4.1.4";

  private Version() {}
}
