package io.hagent.cli;

/** {@code -W} / {@code -w SEC}: clear the screen and redraw until interrupted. */
final class Watch {
  interface Body {
    void run() throws Exception;
  }

  private Watch() {}

  static int run(Ctl ctl, Double seconds, Body body) throws Exception {
    return repeat(ctl, seconds, true, body);
  }

  /** {@code clear=false}: query appends each run's output instead of redrawing. */
  static int repeat(Ctl ctl, Double seconds, boolean clear, Body body) throws Exception {
    if (seconds == null) {
      body.run();
      return 0;
    }
    if (seconds <= 0) {
      throw new CtlException(
          "Invalid value for '-w' / '--watch': must be a positive number of seconds");
    }
    while (true) {
      if (clear) {
        ctl.out.print("\033[2J\033[1;1H");
      }
      body.run();
      ctl.out.flush();
      ctl.sleep((long) (seconds * 1000));
    }
  }
}
