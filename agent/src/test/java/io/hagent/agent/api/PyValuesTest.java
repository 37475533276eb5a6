package io.hagent.agent.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hagent.common.json.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Patroni's parse_int(value, 's') and parse_bool on JSON values, row by row. */
class PyValuesTest {

  private static Object json(String value) throws Exception {
    return Json.mapper().readValue(value, Object.class);
  }

  @ParameterizedTest(name = "parse_int({0}, 's') = {1}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "30|30",
        "-7|-7",
        "30.5|30",
        "31.5|32",
        "\"+0x10\"|16",
        "\"-010\"|-8",
        "\"09\"|-",
        "\".5min\"|30",
        "\"0.4s\"|0",
        "\"1e999\"|-",
        "\"1e\"|-",
        "\"5 s\"|5",
        "\"5S\"|-",
        "\"90000000000\"|2147483647",
        "\"1us\"|0",
        "\"\"|-",
        "true|-",
        "null|-",
        "[30]|-",
      })
  void parseSeconds(String value, Integer expected) throws Exception {
    assertEquals(expected, PyValues.parseSeconds(json(value)));
  }

  @ParameterizedTest(name = "parse_bool({0}) = {1}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "true|true",
        "\"TRUE\"|true",
        "\"Yes\"|true",
        "1|true",
        "\"1\"|true",
        "false|false",
        "\"Off\"|false",
        "0|false",
        "1.0|-",
        "2|-",
        "\"y\"|-",
        "null|-",
        "\"\"|-",
      })
  void parseBool(String value, Boolean expected) throws Exception {
    assertEquals(expected, PyValues.parseBool(json(value)));
  }
}
