package io.hagent.common.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * JsonReader gives exactly what Jackson (Json.read) gives, types included, and rejects the rest.
 */
class JsonReaderTest {

  private static final List<String> VALID =
      List.of(
          "{}",
          "[]",
          " { \"a\" : 1 , \"b\":[1,2,{\"c\":null}] } ",
          "{\"conn_url\":\"postgres://127.0.0.1:5432/postgres\",\"api_url\":\"http://h:8008/patroni\","
              + "\"state\":\"running\",\"role\":\"replica\",\"xlog_location\":67109080,"
              + "\"replication_state\":\"streaming\",\"timeline\":1,\"tags\":{\"nofailover\":false}}",
          "{\"ttl\":30,\"loop_wait\":10,\"maximum_lag_on_failover\":1048576,\"postgresql\":"
              + "{\"parameters\":{\"max_connections\":100,\"work_mem\":\"4MB\"},\"use_pg_rewind\":true}}",
          "[[1,25165984,\"no recovery target specified\",\"2024-01-01T00:00:00.123+00:00\",\"n2\"]]",
          "{\"int\":2147483647,\"intmin\":-2147483648,\"long\":2147483648,\"longneg\":-2147483649,"
              + "\"longmax\":9223372036854775807,\"big\":9223372036854775808,\"bigneg\":-99999999999999999999}",
          "{\"zero\":0,\"negzero\":-0,\"d\":1.5,\"e\":1e3,\"E\":-2.5E-3,\"d0\":0.0,\"pe\":1e+2}",
          "{\"s\":\"q\\\"b\\\\s\\/n\\nt\\tr\\rb\\bf\\fu\\u00e9\\u20ac\\ud83d\\ude00\",\"raw\":\"ü€😀\"}",
          "{\"t\":true,\"f\":false,\"n\":null}",
          "{\"dup\":1,\"other\":2,\"dup\":3}",
          "\"just a string\"",
          "42",
          "-7.25",
          "null",
          "\t[\r\n]\n");

  private static final List<String> INVALID =
      List.of(
          "",
          "   ",
          "{",
          "{\"a\":}",
          "{\"a\" 1}",
          "{\"a\":1,}",
          "[1,]",
          "[1 2]",
          "{a:1}",
          "{'a':1}",
          "01",
          "-",
          "1.",
          ".5",
          "+1",
          "1e",
          "NaN",
          "tru",
          "nul",
          "\"unterminated",
          "\"bad escape \\x\"",
          "\"short \\u12\"",
          "\"tab\there\"",
          "[1]]",
          "{} {}",
          "postgres://u:p@h:5432/db");

  @Test
  void valuesAndTheirTypesMatchJackson() {
    for (String json : VALID) {
      Object jackson = Json.read(json);
      Object ours = JsonReader.read(json);
      assertEquals(jackson, ours, json);
      assertEquals(shape(jackson), shape(ours), "types of " + json);
    }
  }

  @Test
  void invalidTextIsRejectedWithAReadableMessage() {
    for (String json : INVALID) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> JsonReader.read(json), json);
      assertTrue(e.getMessage().startsWith("invalid JSON: "), e.getMessage());
    }
  }

  @Test
  void readObjectWantsAnObject() {
    assertEquals(Map.of("a", 1), JsonReader.readObject("{\"a\":1}"));
    assertTrue(JsonReader.readObject("{\"a\":1}") instanceof LinkedHashMap);
    assertThrows(IllegalArgumentException.class, () -> JsonReader.readObject("[1]"));
    assertThrows(IllegalArgumentException.class, () -> JsonReader.readObject("\"s\""));
  }

  /** The value with every leaf replaced by its class name (containers by theirs). */
  private static Object shape(Object value) {
    if (value instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      out.put("@class", m.getClass().getSimpleName());
      m.forEach((k, v) -> out.put(k, shape(v)));
      return out;
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      out.add(l.getClass().getSimpleName());
      l.forEach(v -> out.add(shape(v)));
      return out;
    }
    return value == null ? "null" : value.getClass().getSimpleName();
  }
}
