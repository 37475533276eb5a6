package io.hagent.cli;

import java.util.List;

/**
 * What one {@code hactl query} run produced: the statement's columns and rows, or (columns null) a
 * single {@code [timestamp, message]} row saying why there are none, as patronictl prints it.
 *
 * @param columns column names, null when the run failed
 * @param rows cell values: null, Boolean, Long, Double, BigDecimal or String
 */
record QueryResult(List<String> columns, List<List<Object>> rows) {

  static QueryResult failure(String timestamp, String message) {
    return new QueryResult(null, List.of(List.of(timestamp, message)));
  }

  /** An error reported by PostgreSQL or the driver; newlines would break the one-row output. */
  static QueryResult error(String timestamp, String sqlStateOrMessage) {
    return failure(timestamp, "ERROR, SQLSTATE: " + sqlStateOrMessage.replace('\n', ' '));
  }
}
