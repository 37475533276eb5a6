package io.hagent.common.config;

import java.util.List;
import java.util.Map;

/** {@code restapi:} (§3.2, §1.8). Null for settings that are not set. */
public record RestApiConfig(
    String listen,
    String connectAddress,
    String username,
    String password,
    String certfile,
    String keyfile,
    String keyfilePassword,
    String cafile,
    String verifyClient,
    String ciphers,
    List<String> allowlist,
    boolean allowlistIncludeMembers,
    Map<String, String> httpExtraHeaders,
    Map<String, String> httpsExtraHeaders,
    int requestQueueSize,
    int threadPoolSize) {

  /** Patroni's default listen backlog (restapi.request_queue_size). */
  public static final int DEFAULT_REQUEST_QUEUE_SIZE = 5;

  /**
   * Patroni's default restapi.thread_pool_size: requests that wait on the DCS or the HA loop served
   * at once (health checks do not count against it).
   */
  public static final int DEFAULT_THREAD_POOL_SIZE = 5;

  /** Without restapi.thread_pool_size: Patroni's default. */
  public RestApiConfig(
      String listen,
      String connectAddress,
      String username,
      String password,
      String certfile,
      String keyfile,
      String keyfilePassword,
      String cafile,
      String verifyClient,
      String ciphers,
      List<String> allowlist,
      boolean allowlistIncludeMembers,
      Map<String, String> httpExtraHeaders,
      Map<String, String> httpsExtraHeaders,
      int requestQueueSize) {
    this(
        listen,
        connectAddress,
        username,
        password,
        certfile,
        keyfile,
        keyfilePassword,
        cafile,
        verifyClient,
        ciphers,
        allowlist,
        allowlistIncludeMembers,
        httpExtraHeaders,
        httpsExtraHeaders,
        requestQueueSize,
        DEFAULT_THREAD_POOL_SIZE);
  }

  public boolean tls() {
    return certfile != null && !certfile.isBlank();
  }

  /** {@code http(s)://<connect_address>/patroni}, the URL published in the member key. */
  public String apiUrl() {
    return (tls() ? "https" : "http") + "://" + connectAddress + "/patroni";
  }
}
