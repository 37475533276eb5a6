package io.hagent.agent.postgres;

/**
 * This replica's WAL receiver as pg_stat_wal_receiver shows it.
 *
 * @param status the receiver's status ({@code streaming}, {@code waiting}, ...); null when no
 *     receiver runs (the stream closed and the next attempt has not started)
 * @param senderHost the host it streams (or streamed) from, as primary_conninfo names it
 * @param senderPort its port, 0 if unknown
 */
public record WalStream(String status, String senderHost, int senderPort) {

  public static final WalStream NONE = new WalStream(null, null, 0);

  public boolean streaming() {
    return "streaming".equals(status);
  }
}
