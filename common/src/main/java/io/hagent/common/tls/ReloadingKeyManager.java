package io.hagent.common.tls;

import java.io.IOException;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A key manager over PEM files that notices when they are renewed on disk and uses the new
 * certificate and key for the next handshake, without a restart. A renewal that cannot be read (a
 * half-written file, a key that does not fit) is logged and the previous certificate stays in use.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadingKeyManager.class);
  private static final long CHECK_INTERVAL_NANOS = 1_000_000_000L;

  private final String certfile;
  private final String keyfile;
  private final String password;
  private volatile X509ExtendedKeyManager current;
  private volatile FileStamp stamp;
  private volatile long checkedAt;

  /** Reads the files now, so that a configuration error surfaces at start. */
  public ReloadingKeyManager(String certfile, String keyfile, String password) throws IOException {
    this.certfile = certfile;
    this.keyfile = keyfile == null || keyfile.isBlank() ? certfile : keyfile;
    this.password = password;
    this.stamp = FileStamp.of(certfile, this.keyfile);
    this.current = load();
    this.checkedAt = System.nanoTime();
  }

  private X509ExtendedKeyManager load() throws IOException {
    for (KeyManager km : PemKeyStore.keyManagers(certfile, keyfile, password)) {
      if (km instanceof X509ExtendedKeyManager x) {
        return x;
      }
    }
    throw new IOException("no X.509 key manager for " + certfile);
  }

  /** The key manager for this handshake, reloaded first if the files changed. */
  X509KeyManager delegate() {
    long now = System.nanoTime();
    if (now - checkedAt >= CHECK_INTERVAL_NANOS) {
      synchronized (this) {
        if (now - checkedAt >= CHECK_INTERVAL_NANOS) {
          checkedAt = now;
          FileStamp seen = FileStamp.of(certfile, keyfile);
          if (!seen.equals(stamp)) {
            try {
              current = load();
              stamp = seen;
              LOG.info("Reloaded the certificate {} and its key {}", certfile, keyfile);
            } catch (IOException e) {
              LOG.warn("Keeping the previous certificate: {}", e.getMessage());
            }
          }
        }
      }
    }
    return current;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return delegate().getClientAliases(keyType, issuers);
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return delegate().chooseClientAlias(keyType, issuers, socket);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return delegate().getServerAliases(keyType, issuers);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return delegate().chooseServerAlias(keyType, issuers, socket);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return ((X509ExtendedKeyManager) delegate()).chooseEngineClientAlias(keyType, issuers, engine);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return ((X509ExtendedKeyManager) delegate()).chooseEngineServerAlias(keyType, issuers, engine);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return current.getCertificateChain(alias);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return current.getPrivateKey(alias);
  }
}
