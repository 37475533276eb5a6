package io.hagent.common.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads JSON into plain Java values with Jackson's streaming parser (jackson-core): the same values
 * and types as {@code Json.mapper().readValue(text, Object.class)}, without initialising
 * jackson-databind. The DCS read path (ClusterParser, the etcd gateway reader) uses it directly:
 * databind's start-up is ~70 ms of a 0.3-0.4 s {@code hactl list} (measured in
 * docs/decisions/json-jackson.md). Tokens, grammar, escapes and numbers are all Jackson's; this
 * class only puts them into maps and lists, and quotes a string for the gateway's requests.
 */
public final class JsonTree {

  /**
   * The one parser and generator configuration ({@link Json#mapper()} is built on it): Python's
   * json module as Patroni uses it.
   */
  static final JsonFactory FACTORY =
      new JsonFactoryBuilder()
          // NaN, Infinity, -Infinity: json.dumps writes them bare, json.loads reads them
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
          // json.dumps' ensure_ascii=True: \u00e9, lower-case hex, DEL included
          .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
          .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
          .characterEscapes(new PythonAsciiEscapes())
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

  /** A JSON string literal for the text, escaped as json.dumps escapes it. */
  public static String quote(String text) {
    StringWriter out = new StringWriter(text.length() + 2);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeString(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  /**
   * Compact JSON of a plain value (Map with String keys, Collection, String, Integer, Long, Short,
   * Byte, Double, Float, BigInteger, BigDecimal, Boolean, null, nested), or empty if the value
   * holds anything else (then {@link Json#write} asks databind, which knows records, enums and the
   * rest). For plain values databind makes the same generator calls, so the text is the same.
   */
  static Optional<String> writePlain(Object value) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      if (!writeCompact(g, value)) {
        return Optional.empty();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return Optional.of(out.toString());
  }

  /** False (output incomplete) as soon as something is not a plain value. */
  private static boolean writeCompact(JsonGenerator g, Object value) throws IOException {
    if (value instanceof Map<?, ?> map) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          return false; // databind has its own rules for other keys
        }
        g.writeFieldName(key);
        if (!writeCompact(g, e.getValue())) {
          return false;
        }
      }
      g.writeEndObject();
    } else if (value instanceof Collection<?> list) {
      g.writeStartArray();
      for (Object item : list) {
        if (!writeCompact(g, item)) {
          return false;
        }
      }
      g.writeEndArray();
    } else if (value instanceof String s) {
      g.writeString(s);
    } else if (value == null || value instanceof Boolean || isJdkNumber(value)) {
      writeScalar(g, value);
    } else {
      return false;
    }
    return true;
  }

  /**
   * Plain values (Map, Collection, String, Number, Boolean, null; anything else as its toString) as
   * {@code json.dumps(value)} writes them with its default separators {@code ", "} and {@code ":
   * "}: what patronictl prints for {@code -f json} and python-json-logger logs.
   */
  public static String dumps(Object value) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.setPrettyPrinter(new PythonDefaultSeparators());
      write(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  private static void write(JsonGenerator g, Object value) throws IOException {
    if (value instanceof Map<?, ?> map) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        g.writeFieldName(String.valueOf(e.getKey()));
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof Iterable<?> list) {
      g.writeStartArray();
      for (Object item : list) {
        write(g, item);
      }
      g.writeEndArray();
    } else if (value == null || value instanceof Boolean || isJdkNumber(value)) {
      writeScalar(g, value);
    } else if (value instanceof Number n) {
      g.writeNumber(n.toString()); // a Number of our own (hactl's PyFloat) prints itself
    } else {
      g.writeString(value.toString());
    }
  }

  /**
   * null, a Boolean or a JDK number, with the generator's own calls. Not {@code writeObject}: once
   * the databind mapper exists it is FACTORY's codec, and writeObject hands the value to it; while
   * the mapper is still being built on another thread (its first use) that codec is half made and
   * throws a NullPointerException, which once killed a leader's HA loop writing its member key.
   */
  private static void writeScalar(JsonGenerator g, Object value) throws IOException {
    if (value == null) {
      g.writeNull();
    } else if (value instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      g.writeNumber(((Number) value).intValue());
    } else if (value instanceof Long l) {
      g.writeNumber(l);
    } else if (value instanceof Double d) {
      g.writeNumber(d);
    } else if (value instanceof Float f) {
      g.writeNumber(f);
    } else if (value instanceof BigInteger i) {
      g.writeNumber(i);
    } else {
      g.writeNumber((BigDecimal) value);
    }
  }

  /** The numbers jackson-core's generator writes itself (anything else would need databind). */
  private static boolean isJdkNumber(Object value) {
    return value instanceof Integer
        || value instanceof Long
        || value instanceof Short
        || value instanceof Byte
        || value instanceof Double
        || value instanceof Float
        || value instanceof BigInteger
        || value instanceof BigDecimal;
  }

  /** json.dumps' default separators: {@code ", "} between items, {@code ": "} after a key. */
  private static final class PythonDefaultSeparators extends MinimalPrettyPrinter {
    private static final long serialVersionUID = 1L;

    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(": ");
    }

    @Override
    public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
      g.writeRaw(", ");
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(", ");
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

  private static String message(JsonProcessingException e) {
    String problem = e.getOriginalMessage();
    JsonLocation where = e.getLocation();
    long offset = where == null ? -1 : where.getCharOffset();
    return "invalid JSON: " + problem + (offset < 0 ? "" : " at offset " + offset);
  }

  /**
   * Jackson's JSON escapes plus DEL (0x7f): Python's ensure_ascii escapes everything outside {@code
   * ' '..'~'}, Jackson's ESCAPE_NON_ASCII only what is above 0x7f.
   */
  static final class PythonAsciiEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private final int[] ascii = standardAsciiEscapesForJSON();

    PythonAsciiEscapes() {
      ascii[0x7f] = ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return null; // only standard escapes
    }
  }
}
