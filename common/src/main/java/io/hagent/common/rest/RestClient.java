package io.hagent.common.rest;

import java.time.Duration;

/**
 * A small HTTP(S) client for members' REST APIs (leader race probes, hactl). Uses
 * HttpURLConnection: java.net.http.HttpClient costs ~0.5 s of start-up (it builds an SSLContext
 * even for http://), which hactl cannot afford.
 */
public final class RestClient {

  /** Status code and body of a response. */
  public record Response(int status, String body) {}

  /**
   * @param username Basic auth user, or null
   * @param cafile CA bundle (PEM) to verify https peers, or null for the JVM default
   * @param certfile client certificate (PEM), or null
   * @param keyfile client key (PEM), or null
   * @param insecure skip certificate verification
   */
  public RestClient(
      String username,
      String password,
      String cafile,
      String certfile,
      String keyfile,
      boolean insecure) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** GET with the given timeout (connect + read); throws IOException on network failure. */
  public Response get(String url, Duration timeout) throws java.io.IOException {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** POST/PATCH/PUT/DELETE with an optional JSON body (null for none). */
  public Response send(String method, String url, String jsonBody, Duration timeout)
      throws java.io.IOException {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
