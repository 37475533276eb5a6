package io.hagent.cli;

import io.hagent.common.cluster.Member;
import io.hagent.common.json.Json;
import io.hagent.common.rest.RestClient;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/** Calls a member's REST API at {@code <scheme>://<api_url host:port>/<endpoint>}. */
final class MemberApi {
  /** Management calls may block for the server's 20 s switchover wait (§1.7). */
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final RestClient client;

  MemberApi(RestClient client) {
    this.client = client;
  }

  RestClient.Response request(Member member, String method, String endpoint, Object body)
      throws IOException {
    String url = endpointUrl(member, endpoint);
    String json = body == null ? null : Json.write(body);
    return "GET".equals(method)
        ? client.get(url, TIMEOUT)
        : client.send(method, url, json, TIMEOUT);
  }

  static String endpointUrl(Member member, String endpoint) throws IOException {
    String api = member.apiUrl();
    if (api == null || api.isBlank()) {
      throw new IOException("member " + member.name() + " has no api_url");
    }
    try {
      URI uri = URI.create(api);
      return uri.getScheme() + "://" + uri.getRawAuthority() + "/" + endpoint;
    } catch (IllegalArgumentException e) {
      throw new IOException("invalid api_url of member " + member.name() + ": " + api, e);
    }
  }
}
