package io.hagent.common.tls;

import java.security.Provider;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * BouncyCastle's JCA provider, created once and handed to the calls that need it, never installed
 * with {@code Security.addProvider}: the JVM's own providers stay the ones TLS uses.
 */
final class BouncyCastle {
  private static final class Holder {
    static final Provider PROVIDER = new BouncyCastleProvider();
  }

  private BouncyCastle() {}

  static Provider provider() {
    return Holder.PROVIDER;
  }
}
