package io.hagent.agent.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.hagent.common.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request body as received: {@code text} is null when the request had no Content-Length. Parsing
 * follows Patroni's _read_json_content, with messages that say what is wrong but never echo the
 * body (it may carry passwords).
 */
record RequestBody(String text) {

  static final RequestBody NONE = new RequestBody(null);

  /** Either the parsed object or the error reply. */
  record Parsed(Map<String, Object> json, HttpReply error) {}

  /**
   * @param optional an absent or empty body means {@code {}} (POST /restart, /reinitialize)
   */
  Parsed json(boolean optional) {
    if (text == null) {
      return optional
          ? new Parsed(new LinkedHashMap<>(), null)
          : new Parsed(null, HttpReply.error(411));
    }
    if (text.isEmpty() && optional) {
      return new Parsed(new LinkedHashMap<>(), null);
    }
    Object value;
    try {
      value = Json.mapper().readValue(text, Object.class);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where =
          at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
      return new Parsed(null, HttpReply.error(400, "request body is not valid JSON" + where));
    }
    if (!(value instanceof Map<?, ?> map)) {
      return new Parsed(null, HttpReply.error(400, "request body must be a JSON object"));
    }
    if (map.isEmpty() && !optional) {
      return new Parsed(null, HttpReply.error(400, "request body must not be an empty object"));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> json = (Map<String, Object>) map;
    return new Parsed(json, null);
  }
}
