package io.hagent.common.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each expected list is what Python 3's {@code shlex.split(line)} returns for the line (checked
 * against CPython), so a command from a Patroni configuration gets the same arguments here.
 */
class ShellWordsTest {

  static Stream<Arguments> shlexTable() {
    return Stream.of(
        row("psql -w -c \"SELECT 1\"", "psql", "-w", "-c", "SELECT 1"),
        row("a  b\tc\nd\r e", "a", "b", "c", "d", "e"),
        row(""),
        row("   \t "),
        row("a''b", "ab"),
        row("a ''", "a", ""),
        row("''", ""),
        row("\"\"", ""),
        row("'a b' c", "a b", "c"),
        // double quotes: backslash escapes only " and \ ...
        row("\"a \\\" b\"", "a \" b"),
        row("\"a \\\\ b\"", "a \\ b"),
        // ... and is kept before anything else (a POSIX shell would also eat it before $)
        row("\"a \\$ b\"", "a \\$ b"),
        row("\"a \\n b\"", "a \\n b"),
        // unquoted: backslash takes the next character literally
        row("a\\ b", "a b"),
        row("a\\\\b", "a\\b"),
        row("a\\'b", "a'b"),
        row("a\\\"b", "a\"b"),
        row("a\\\nb", "a\nb"),
        // single quotes: nothing is special
        row("'a\\b'", "a\\b"),
        row("'a\"b'", "a\"b"),
        row("\"a'b\"", "a'b"),
        // quoted and unquoted parts of one word join
        row("x\"y z\"w", "xy zw"),
        row("/usr/bin/post.sh --opt='it''s'", "/usr/bin/post.sh", "--opt=its"),
        row("\"\\\"quoted\\\"\"", "\"quoted\""),
        // nothing is expanded and # is no comment
        row("echo $HOME *.sql ~ #c", "echo", "$HOME", "*.sql", "~", "#c"),
        row("a#b # c", "a#b", "#", "c"),
        row("ünï cödé", "ünï", "cödé"),
        row(
            "/bin/sh -c 'psql -c \"CREATE ROLE app\" \"$1\"' post",
            "/bin/sh",
            "-c",
            "psql -c \"CREATE ROLE app\" \"$1\"",
            "post"));
  }

  private static Arguments row(String line, String... words) {
    return Arguments.of(line, List.of(words));
  }

  @ParameterizedTest
  @MethodSource("shlexTable")
  void splitsAsShlex(String line, List<String> expected) {
    assertEquals(expected, ShellWords.split(line));
  }

  static Stream<Arguments> shlexErrors() {
    return Stream.of(
        Arguments.of("psql -c \"SELECT 1", "No closing quotation"),
        Arguments.of("psql -c 'SELECT 1", "No closing quotation"),
        Arguments.of("abc\\", "No escaped character"),
        Arguments.of("\"abc\\", "No escaped character"));
  }

  @ParameterizedTest
  @MethodSource("shlexErrors")
  void refusesWhatShlexRefuses(String line, String message) {
    ShellWords.SplitException e =
        assertThrows(ShellWords.SplitException.class, () -> ShellWords.split(line));
    assertEquals(message, e.getMessage());
  }
}
