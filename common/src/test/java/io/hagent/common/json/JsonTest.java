package io.hagent.common.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Json reads what Python's json.loads (Patroni) reads, refuses what it refuses, and writes what
 * json.dumps(value, separators=(',', ':')) writes. Expected texts were produced with CPython 3.11.
 */
class JsonTest {

  static Stream<Arguments> reads() {
    return Stream.of(
        // integers: the smallest of Integer, Long, BigInteger (an LSN stays a Long)
        Arguments.of("2147483647", 2147483647),
        Arguments.of("-2147483648", -2147483648),
        Arguments.of("2147483648", 2147483648L),
        Arguments.of("-2147483649", -2147483649L),
        Arguments.of("9223372036854775807", Long.MAX_VALUE),
        Arguments.of("9223372036854775808", new BigInteger("9223372036854775808")),
        Arguments.of("-99999999999999999999", new BigInteger("-99999999999999999999")),
        Arguments.of("-0", 0),
        // fractions and exponents: Double
        Arguments.of("1.5", 1.5),
        Arguments.of("1e3", 1000.0),
        Arguments.of("-2.5E-3", -0.0025),
        Arguments.of("1e+2", 100.0),
        Arguments.of("0.0", 0.0),
        Arguments.of("1e400", Double.POSITIVE_INFINITY), // Python: inf
        // what json.dumps writes for non-finite floats
        Arguments.of("NaN", Double.NaN),
        Arguments.of("Infinity", Double.POSITIVE_INFINITY),
        Arguments.of("-Infinity", Double.NEGATIVE_INFINITY),
        Arguments.of("[NaN,1]", Arrays.asList(Double.NaN, 1)),
        // strings: every escape, surrogate pairs, a lone surrogate (Python keeps it too)
        Arguments.of(
            "\"q\\\"b\\\\s\\/n\\nt\\tr\\rb\\bf\\fu\\u00e9\\u20AC\\ud83d\\ude00\"",
            "q\"b\\s/n\nt\tr\rb\bf\fu\u00e9\u20ac\ud83d\ude00"),
        Arguments.of("\"\\ud800\"", "\ud800"),
        Arguments.of(
            "\"raw \u00fc\u20ac\ud83d\ude00 \u007f\"", "raw \u00fc\u20ac\ud83d\ude00 \u007f"),
        Arguments.of("true", true),
        Arguments.of("null", null),
        Arguments.of("\t[\r\n]\n", List.of()),
        // duplicate keys: first position, last value (a Python dict)
        Arguments.of("{\"dup\":1,\"other\":2,\"dup\":3}", ordered("dup", 3, "other", 2)),
        Arguments.of(
            "{\"b\":1,\"a\":{\"y\":null,\"x\":[1,\"s\",false]}}",
            ordered("b", 1, "a", ordered("y", null, "x", Arrays.asList(1, "s", false)))));
  }

  @ParameterizedTest
  @MethodSource
  void reads(String json, Object expected) {
    Object value = Json.read(json);
    assertEquals(expected, value, json);
    assertEquals(shape(expected), shape(value), "types of " + json);
  }

  /** JsonTree (the DCS read path, jackson-core only) gives exactly what databind gives. */
  @ParameterizedTest
  @MethodSource("reads")
  void theStreamingReadGivesWhatDatabindGives(String json, Object expected) throws Exception {
    Object databind = Json.mapper().readValue(json, Object.class);
    assertEquals(databind, JsonTree.read(json), json);
    assertEquals(shape(databind), shape(JsonTree.read(json)), "types of " + json);
  }

  @ParameterizedTest
  @MethodSource("refused")
  void databindRefusesTheSame(String json) {
    assertThrows(Exception.class, () -> Json.mapper().readValue(json, Object.class), json);
  }

  /** json.loads refuses all of these; so must we, with a message that says where. */
  @ParameterizedTest
  @MethodSource("refused")
  void refusesWhatPythonRefuses(String json) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Json.read(json), json);
    assertTrue(e.getMessage().startsWith("invalid JSON: "), e.getMessage());
    assertTrue(e.getMessage().matches("(?s).* at offset \\d+"), e.getMessage());
  }

  static Stream<String> refused() {
    return Stream.of(
        "{} {}", // "Extra data"
        "{}x",
        "[1]]",
        "[1,]", // trailing commas
        "{\"a\":1,}",
        "/*c*/1", // comments
        "1 // c",
        "# c\n1",
        "{'a':1}", // single quotes
        "{a:1}", // unquoted names
        "01", // leading zeroes
        "+1",
        ".5",
        "1.",
        "1e",
        "-",
        "-NaN",
        "nan",
        "inf",
        "INF",
        "tru",
        "nul",
        "{",
        "{\"a\":}",
        "{\"a\" 1}",
        "[1 2]",
        "\"unterminated",
        "\"bad escape \\x\"",
        "\"short \\u12\"",
        "\"tab\there\"", // raw control characters in strings
        "\"\u0001\"",
        "\f1", // only space, \t, \n, \r between tokens
        "\u00a01",
        "\ufeff{}", // json.loads: "Unexpected UTF-8 BOM"
        "postgres://u:p@h:5432/db");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "\n"})
  void emptyTextIsNamedAsSuch(String json) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Json.read(json));
    assertEquals("invalid JSON: no value (empty text)", e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void aCorruptValueSaysWhatAndWhere() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Json.read("{\"ttl\":30,}"));
    assertTrue(
        e.getMessage().startsWith("invalid JSON: Unexpected character ('}'"), e.getMessage());
    assertTrue(e.getMessage().endsWith(" at offset 10"), e.getMessage());
  }

  /**
   * Jackson's ALLOW_NON_NUMERIC_NUMBERS also takes these spellings, which json.loads refuses. No
   * Patroni or hagent writes them; the difference is recorded in docs/decisions/json-jackson.md.
   */
  @ParameterizedTest
  @ValueSource(strings = {"+Infinity", "+INF", "-INF"})
  void laxerThanPythonOnlyForTheseInfinitySpellings(String json) {
    assertInstanceOf(Double.class, Json.read(json));
    assertTrue(((Double) Json.read(json)).isInfinite());
  }

  static Stream<Arguments> writes() {
    return Stream.of(
        Arguments.of(ordered("z", 1, "a", 2, "m", 3), "{\"z\":1,\"a\":2,\"m\":3}"),
        Arguments.of(
            ordered(
                "xlog_location",
                67109080L,
                "timeline",
                3,
                "big",
                new BigInteger("1" + "0".repeat(20))),
            "{\"xlog_location\":67109080,\"timeline\":3,\"big\":100000000000000000000}"),
        Arguments.of(Long.MAX_VALUE, "9223372036854775807"),
        // ensure_ascii: non-ASCII and DEL as lower-case \\u escapes, astral as surrogate pairs
        Arguments.of("\u00e9\u20ac\ud83d\ude00\u007f", "\"\\u00e9\\u20ac\\ud83d\\ude00\\u007f\""),
        Arguments.of(
            "\u0001\u001f\"\\/\b\f\n\r\t~ ", "\"\\u0001\\u001f\\\"\\\\/\\b\\f\\n\\r\\t~ \""),
        Arguments.of(
            Arrays.asList(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY),
            "[NaN,Infinity,-Infinity]"),
        Arguments.of(Arrays.asList(1.5, 100.0, 0.1, -0.0), "[1.5,100.0,0.1,-0.0]"),
        Arguments.of(Arrays.asList(null, true, false, List.of()), "[null,true,false,[]]"),
        Arguments.of(
            Arrays.asList((short) 7, (byte) -3, 2.5f, new BigDecimal("1.5")), "[7,-3,2.5,1.5]"),
        Arguments.of(
            List.of(
                List.of(1, 25165984L, "no recovery target specified", "2024-01-01T00:00:00+00:00")),
            "[[1,25165984,\"no recovery target specified\",\"2024-01-01T00:00:00+00:00\"]]"));
  }

  @ParameterizedTest
  @MethodSource
  void writes(Object value, String python) {
    assertEquals(python, Json.write(value));
    assertEquals(python, Json.write(Json.read(python)), "round trip");
    if (value instanceof String s) {
      assertEquals(python, JsonTree.quote(s), "the gateway's quoting");
    }
  }

  /** Plain values go through jackson-core's generator, and come out as databind writes them. */
  @ParameterizedTest
  @MethodSource("writes")
  void theStreamingWriteGivesWhatDatabindGives(Object value, String python) throws Exception {
    assertEquals(Json.mapper().writeValueAsString(value), JsonTree.writePlain(value).orElseThrow());
  }

  enum Role {
    PRIMARY
  }

  record Point(int x, String y) {}

  /** Anything else (records, enums, non-string keys) is still databind's. */
  @org.junit.jupiter.api.Test
  void valuesThatAreNotPlainGoToDatabind() {
    Map<Object, Object> value = new LinkedHashMap<>();
    value.put("role", Role.PRIMARY);
    value.put("point", new Point(1, "a"));
    assertTrue(JsonTree.writePlain(value).isEmpty());
    assertEquals("{\"role\":\"PRIMARY\",\"point\":{\"x\":1,\"y\":\"a\"}}", Json.write(value));
    assertTrue(JsonTree.writePlain(Map.of(1, "a")).isEmpty());
    assertEquals("{\"1\":\"a\"}", Json.write(Map.of(1, "a")));
    assertEquals(
        "{\"a\":[1,2,3.5,12345678901234567890,1.25]}",
        JsonTree.writePlain(
                Map.of(
                    "a",
                    List.of(
                        (short) 1,
                        (byte) 2,
                        3.5f,
                        new BigInteger("12345678901234567890"),
                        new java.math.BigDecimal("1.25"))))
            .orElseThrow());
  }

  /**
   * Doubles with an exponent are spelled the Java way (Python: 1e+16, 1e-05); json.loads reads both
   * as the same float, so nothing Patroni does depends on it (docs/decisions/json-jackson.md).
   */
  @org.junit.jupiter.api.Test
  void exponentDoublesRoundTripThoughSpelledDifferently() {
    assertEquals("[1.0E16,1.0E-5]", Json.write(List.of(1e16, 1e-5)));
    assertEquals(List.of(1e16, 1e-5), Json.read("[1e+16,1e-05]"));
  }

  /** json.dumps(value) with its default separators: hactl -f json, JSON log lines. */
  @org.junit.jupiter.api.Test
  void dumpsWritesWhatJsonDumpsWritesByDefault() {
    Map<String, Object> value =
        ordered(
            "a",
            Arrays.asList(1, 2.5, null, true, "\u00e9\u007f"),
            "b",
            Map.of(),
            "c",
            List.of(),
            "d",
            List.of(Map.of("x", Double.NaN)));
    assertEquals(
        "{\"a\": [1, 2.5, null, true, \"\\u00e9\\u007f\"], \"b\": {}, \"c\": [], \"d\": [{\"x\": NaN}]}",
        JsonTree.dumps(value));
    assertEquals(
        "\"2024-01-01T00:00Z\"",
        JsonTree.dumps(java.time.OffsetDateTime.parse("2024-01-01T00:00Z")));
  }

  @org.junit.jupiter.api.Test
  void readObjectWantsAnObjectAndKeepsOrder() {
    Map<String, Object> m = Json.readObject("{\"b\":1,\"a\":2}");
    assertInstanceOf(LinkedHashMap.class, m);
    assertEquals(List.of("b", "a"), new ArrayList<>(m.keySet()));
    assertEquals(
        "expected a JSON object",
        assertThrows(IllegalArgumentException.class, () -> Json.readObject("[1]")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> Json.readObject("\"s\""));
    assertThrows(IllegalArgumentException.class, () -> Json.readObject("{} []"));
  }

  private static Map<String, Object> ordered(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  /** The value with every leaf replaced by its class name (containers by theirs). */
  private static Object shape(Object value) {
    if (value instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      out.put("@class", "Map");
      m.forEach((k, v) -> out.put(k, shape(v)));
      return out;
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      out.add("List");
      l.forEach(v -> out.add(shape(v)));
      return out;
    }
    return value == null ? "null" : value.getClass().getSimpleName();
  }

  @org.junit.jupiter.api.Test
  void theMapperWritesWithTheSharedSettingsAndPlainWritesNeedNoMapper() throws Exception {
    // the mapper is built on its own copy of the factory: the Python-style escapes still apply
    assertEquals("\"caf\\u00e9\"", Json.mapper().writeValueAsString("caf\u00e9"));
    Map<String, Object> plain = new LinkedHashMap<>();
    plain.put("n", null);
    plain.put("b", true);
    plain.put("i", 1);
    plain.put("l", 1L << 40);
    plain.put("s", (short) 2);
    plain.put("y", (byte) 3);
    plain.put("d", 0.5);
    plain.put("f", 1.5f);
    plain.put("bi", BigInteger.TEN.pow(30));
    plain.put("bd", new java.math.BigDecimal("1.25"));
    assertEquals(Json.mapper().writeValueAsString(plain), Json.write(plain));
  }
}
