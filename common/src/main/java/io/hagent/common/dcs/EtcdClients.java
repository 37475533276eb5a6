package io.hagent.common.dcs;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.hagent.common.config.EtcdConfig;
import io.hagent.common.tls.PemKeyStore;
import io.hagent.common.tls.ReloadingKeyManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import javax.net.ssl.TrustManager;

/** Builds a jetcd client tuned so that no call can hang (see java-stack notes §2.4). */
final class EtcdClients {

  private EtcdClients() {}

  static Client build(EtcdConfig config, ExecutorService executor) {
    List<String> endpoints = config.endpoints();
    if (endpoints == null || endpoints.isEmpty()) {
      throw new IllegalArgumentException("etcd: no endpoints configured");
    }
    ClientBuilder builder =
        Client.builder()
            .endpoints(endpoints.toArray(String[]::new))
            // fail fast while disconnected instead of queueing the call until etcd returns
            .waitForReady(false)
            .executorService(executor)
            // a TCP connect within a LAN takes milliseconds; a member that does not answer in 2 s
            // is better left for another attempt (DcsRetry) on a fresh channel
            .connectTimeout(Duration.ofSeconds(2))
            // one attempt per call: EtcdDcs retries itself (DcsRetry), with a per-attempt deadline
            // and until retry_timeout; jetcd's own 3 quick tries gave up on a blip after ~2.5 s
            .retryMaxAttempts(0)
            // notice a dead connection well within ttl; etcd allows pings every 5 s
            .keepaliveTime(Duration.ofSeconds(10))
            .keepaliveTimeout(Duration.ofSeconds(5));
    if (config.username() != null && !config.username().isEmpty()) {
      builder
          .user(ByteSequence.from(config.username(), StandardCharsets.UTF_8))
          .password(
              ByteSequence.from(
                  config.password() == null ? "" : config.password(), StandardCharsets.UTF_8));
    }
    if (usesTls(config)) {
      try {
        // Built before the builder call so that a bad file is reported as such, and with our own
        // key manager: PEM keys of every kind (netty reads PKCS#8 only), and a certificate renewed
        // on disk is presented from the next handshake on (jetcd reconnects on its own).
        TrustManager[] trust =
            config.cacert() == null ? null : PemKeyStore.trustManagers(config.cacert());
        ReloadingKeyManager keys =
            config.cert() == null
                ? null
                : new ReloadingKeyManager(config.cert(), config.key(), null);
        builder.sslContext(
            ssl -> {
              if (trust != null) {
                ssl.trustManager(trust[0]);
              }
              if (keys != null) {
                ssl.keyManager(keys);
              }
            });
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "etcd: cannot set up TLS from cacert/cert/key: " + e.getMessage(), e);
      }
    }
    return builder.build();
  }

  private static boolean usesTls(EtcdConfig config) {
    return "https".equalsIgnoreCase(config.protocol())
        || config.endpoints().stream().anyMatch(e -> e.toLowerCase().startsWith("https://"));
  }
}
