package io.hagent.common.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads JSON into plain Java values with Jackson's streaming parser (jackson-core): the same values
 * and types as {@code Json.MAPPER.readValue(text, Object.class)}, without initialising
 * jackson-databind. The DCS read path (ClusterParser, the etcd gateway reader) uses it directly:
 * databind's start-up is ~70 ms of a 0.3-0.4 s {@code hactl list} (measured in
 * docs/decisions/json-jackson.md). Tokens, grammar, escapes and numbers are all Jackson's; this
 * class only puts them into maps and lists.
 */
public final class JsonTree {

  /** The one parser configuration; {@link Json#MAPPER} is built on it too. */
  static final JsonFactory FACTORY =
      new JsonFactoryBuilder()
          // NaN, Infinity, -Infinity: json.dumps writes them, json.loads reads them
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  private JsonTree() {}

  /**
   * Parses any JSON value: LinkedHashMap (key order kept; a duplicate key keeps its first place and
   * last value, as in a Python dict), ArrayList, String, Integer/Long/BigInteger by size, Double,
   * Boolean, null. Throws IllegalArgumentException ("invalid JSON: ... at offset n").
   */
  public static Object read(String text) {
    try (JsonParser p = FACTORY.createParser(text)) {
      if (p.nextToken() == null) {
        throw new IllegalArgumentException("invalid JSON: no value (empty text)");
      }
      Object value = value(p);
      if (p.nextToken() != null) { // json.loads: "Extra data"
        throw new IllegalArgumentException(
            "invalid JSON: unexpected text after the value at offset "
                + p.currentTokenLocation().getCharOffset());
      }
      return value;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(message(e), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("invalid JSON: " + e.getMessage(), e);
    }
  }

  /** Parses a JSON object; throws IllegalArgumentException ("expected a JSON object") otherwise. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> readObject(String text) {
    Object value = read(text);
    if (!(value instanceof Map)) {
      throw new IllegalArgumentException("expected a JSON object");
    }
    return (Map<String, Object>) value;
  }

  private static Object value(JsonParser p) throws IOException {
    switch (p.currentToken()) {
      case START_OBJECT:
        Map<String, Object> map = new LinkedHashMap<>();
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
          p.nextToken();
          map.put(key, value(p));
        }
        return map;
      case START_ARRAY:
        List<Object> list = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          list.add(value(p));
        }
        return list;
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getNumberValue(); // Integer, Long or BigInteger, the smallest that fits
      case VALUE_NUMBER_FLOAT:
        return p.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default: // the parser never hands a value position anything else
        throw new IllegalStateException("unexpected JSON token " + p.currentToken());
    }
  }

  static String message(JsonProcessingException e) {
    String problem = e.getOriginalMessage();
    if (problem != null && problem.startsWith("No content to map due to end-of-input")) {
      problem = "no value (empty text)";
    }
    JsonLocation where = e.getLocation();
    long offset = where == null ? -1 : where.getCharOffset();
    return "invalid JSON: " + problem + (offset < 0 ? "" : " at offset " + offset);
  }
}
