package io.hagent.common.util;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command line written in the configuration into arguments the way Patroni does, with
 * Python's {@code shlex.split(s)} (POSIX mode, no comments): so that {@code psql -c "SELECT 1"}
 * reaches psql as three arguments, exactly as under Patroni.
 *
 * <p>The rules are shlex's, which are a subset of a POSIX shell's: words are separated by space,
 * tab, CR and LF; outside quotes a backslash takes the next character literally; inside single
 * quotes nothing is special; inside double quotes a backslash escapes only {@code "} and {@code \}
 * (and is kept before any other character); quoted and unquoted parts of one word join; {@code ''}
 * is an empty argument. Nothing is expanded ({@code $HOME}, {@code *}, {@code ~} and {@code #} stay
 * literal) and no shell runs. No maintained library on Maven Central reproduces shlex exactly,
 * hence this class.
 */
public final class ShellWords {
  private ShellWords() {}

  /** A command line shlex would refuse; the message is shlex's own. */
  public static final class SplitException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    SplitException(String message) {
      super(message);
    }
  }

  /**
   * @return the arguments (empty for a blank line)
   * @throws SplitException "No closing quotation" or "No escaped character", as shlex
   */
  public static List<String> split(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false; // a quoted empty string still makes a word
    char quote = 0; // 0, '\'' or '"'
    int i = 0;
    int n = line.length();
    while (i < n) {
      char c = line.charAt(i++);
      if (quote == '\'') {
        if (c == '\'') {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (quote == '"') {
        if (c == '"') {
          quote = 0;
        } else if (c == '\\') {
          if (i >= n) {
            throw new SplitException("No escaped character");
          }
          char next = line.charAt(i++);
          if (next != '"' && next != '\\') {
            word.append('\\');
          }
          word.append(next);
        } else {
          word.append(c);
        }
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else if (c == '\\') {
        if (i >= n) {
          throw new SplitException("No escaped character");
        }
        word.append(line.charAt(i++));
        inWord = true;
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw new SplitException("No closing quotation");
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }
}
