package io.hagent.it;

import java.security.SecureRandom;

/**
 * Random per-cluster passwords for the superuser, replication and rewind users. toString() hides
 * them so they cannot leak into test reports.
 */
public record Credentials(
    String superuserPassword, String replicationPassword, String rewindPassword) {
  public static final String SUPERUSER = "postgres";
  public static final String REPLICATION = "replicator";
  public static final String REWIND = "rewind_user";

  public static Credentials random() {
    return new Credentials(randomPassword(), randomPassword(), randomPassword());
  }

  private static String randomPassword() {
    String alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    SecureRandom rnd = new SecureRandom();
    StringBuilder sb = new StringBuilder("pw");
    for (int i = 0; i < 20; i++) {
      sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "Credentials[hidden]";
  }
}
