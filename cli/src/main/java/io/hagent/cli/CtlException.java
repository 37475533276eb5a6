package io.hagent.cli;

/** A failure reported to the operator as {@code Error: <message>} with exit code 1. */
public class CtlException extends RuntimeException {
  public CtlException(String message) {
    super(message);
  }
}
