package io.hagent.common.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Map;
import java.util.Optional;

/**
 * The project's one JSON mapper (Jackson), set up to read and write what Python's json module
 * (Patroni) reads and writes. Parser and generator settings live in {@link JsonTree#FACTORY}, which
 * untyped reads ({@link #read}, {@link #readObject}) use without databind.
 *
 * <ul>
 *   <li>compact output, Patroni's {@code separators=(',', ':')} for DCS values; map keys in
 *       insertion order;
 *   <li>non-ASCII and DEL written as lower-case {@code \u00e9} escapes (json.dumps' default {@code
 *       ensure_ascii=True}), so a string hagent writes is byte for byte the one Patroni writes;
 *   <li>NaN and ±Infinity read and written bare, as json.loads/json.dumps do (Jackson would
 *       otherwise refuse them, or write them as strings Patroni reads back as text);
 *   <li>text after the value refused (json.loads: "Extra data"); comments, trailing commas, single
 *       quotes, unquoted names and leading zeroes refused (Jackson's defaults, like Python);
 *   <li>a duplicate key keeps its first position and its last value (both, like a Python dict);
 *   <li>integers become Integer, Long or BigInteger by size (an LSN stays a Long), fractions
 *       Double.
 * </ul>
 */
public final class Json {
  private Json() {}

  /** The databind mapper, for typed reads and values that are not plain; built on first use. */
  public static ObjectMapper mapper() {
    return Mapper.INSTANCE;
  }

  /** Holder: databind is loaded only when something asks for the mapper. */
  private static final class Mapper {
    static final ObjectMapper INSTANCE =
        // A copy: a mapper makes itself its factory's codec while it is being built, and the
        // shared factory is in use on other threads meanwhile.
        JsonMapper.builder(JsonTree.FACTORY.copy())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
  }

  /**
   * Compact JSON (Patroni writes DCS values with separators (',', ':')). Plain values (maps with
   * string keys, collections, strings, numbers, booleans, null) are written by jackson-core's
   * generator, byte for byte what databind writes for them; anything else goes to databind.
   */
  public static String write(Object value) {
    Optional<String> plain = JsonTree.writePlain(value);
    if (plain.isPresent()) {
      return plain.get();
    }
    try {
      return mapper().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialise " + value.getClass().getName(), e);
    }
  }

  /** {@link JsonTree#readObject}: a JSON object, key order kept. */
  public static Map<String, Object> readObject(String text) {
    return JsonTree.readObject(text);
  }

  /** {@link JsonTree#read}: any JSON value as plain Java values. */
  public static Object read(String text) {
    return JsonTree.read(text);
  }
}
