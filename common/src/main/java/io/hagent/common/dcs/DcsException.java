package io.hagent.common.dcs;

/** The DCS could not be reached or did not answer within its deadline. */
public class DcsException extends Exception {
  public DcsException(String message, Throwable cause) {
    super(message, cause);
  }

  public DcsException(String message) {
    super(message);
  }
}
