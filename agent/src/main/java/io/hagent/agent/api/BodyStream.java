package io.hagent.agent.api;

import java.io.IOException;
import java.io.InputStream;

/**
 * The declared body of one request (Content-Length bytes, or none): reads stop at its end, and
 * whatever a handler left unread can be discarded before the connection closes.
 */
final class BodyStream extends InputStream {
  private final InputStream in;
  private long remaining;

  BodyStream(InputStream in, long contentLength) {
    this.in = in;
    this.remaining = Math.max(contentLength, 0);
  }

  @Override
  public int read() throws IOException {
    if (remaining <= 0) {
      return -1;
    }
    int b = in.read();
    if (b >= 0) {
      remaining--;
    }
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    if (remaining <= 0) {
      return -1;
    }
    int n = in.read(buf, off, (int) Math.min(len, remaining));
    if (n > 0) {
      remaining -= n;
    }
    return n;
  }

  /**
   * Reads and drops what is left, if that is at most {@code limit} bytes: closing a connection with
   * unread data makes the kernel reset it, and the client may then lose the answer already sent.
   *
   * @return whether the rest was read (false: too much left, or the client stopped sending)
   */
  boolean discardRest(long limit) {
    if (remaining > limit) {
      return false;
    }
    try {
      skipNBytes(remaining);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
