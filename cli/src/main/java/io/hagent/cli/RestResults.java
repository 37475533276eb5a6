package io.hagent.cli;

import io.hagent.common.rest.RestClient;

/** patronictl's check_response: {@code Failed: ...} for 4xx/5xx, else {@code Success: ...}. */
final class RestResults {
  private RestResults() {}

  static boolean check(
      Ctl ctl, RestClient.Response r, String member, String action, boolean silentSuccess) {
    if (r.status() >= 400) {
      ctl.out.println(
          "Failed: "
              + action
              + " for member "
              + member
              + ", status code="
              + r.status()
              + ", ("
              + r.body()
              + ")");
      return false;
    }
    if (!silentSuccess) {
      ctl.out.println("Success: " + action + " for member " + member);
    }
    return true;
  }
}
