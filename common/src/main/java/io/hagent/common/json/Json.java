package io.hagent.common.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one Jackson mapper of the project: compact output, unknown fields tolerated. */
public final class Json {
  public static final ObjectMapper MAPPER =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private static final TypeReference<LinkedHashMap<String, Object>> MAP_TYPE =
      new TypeReference<>() {};

  private Json() {}

  /** Compact JSON (Patroni writes DCS values with separators (',', ':')). */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialise " + value.getClass().getName(), e);
    }
  }

  /** Parses a JSON object; throws IllegalArgumentException with a readable message otherwise. */
  public static Map<String, Object> readObject(String text) {
    try {
      Object value = MAPPER.readValue(text, Object.class);
      if (!(value instanceof Map)) {
        throw new IllegalArgumentException("expected a JSON object");
      }
      return MAPPER.convertValue(value, MAP_TYPE);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("invalid JSON: " + e.getOriginalMessage(), e);
    }
  }

  public static Object read(String text) {
    try {
      return MAPPER.readValue(text, Object.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("invalid JSON: " + e.getOriginalMessage(), e);
    }
  }
}
