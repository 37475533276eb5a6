package io.hagent.agent.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SecretRedactorTest {
  @Test
  void masksPasswordsInTheUsualShapes() {
    assertEquals(
        "host=10.0.0.1 user=replicator password=****** sslmode=prefer",
        SecretRedactor.redact("host=10.0.0.1 user=replicator password=s3cr%t sslmode=prefer"));
    assertEquals(
        "{\"username\": \"postgres\", \"password\": \"******\"}",
        SecretRedactor.redact("{\"username\": \"postgres\", \"password\": \"p\\\"w\"}"));
    assertEquals("PGPASSWORD=****** pg_rewind", SecretRedactor.redact("PGPASSWORD=x pg_rewind"));
    assertEquals(
        "postgres://replicator:******@10.0.0.1:5432/postgres",
        SecretRedactor.redact("postgres://replicator:pw@10.0.0.1:5432/postgres"));
  }

  @Test
  void leavesOrdinaryLinesAlone() {
    String line = "no action. I am (node1), the leader with the lock";
    assertEquals(line, SecretRedactor.redact(line));
    assertEquals(
        "Got response from node2 http://10.0.0.12:8008/patroni: {\"state\": \"running\"}",
        SecretRedactor.redact(
            "Got response from node2 http://10.0.0.12:8008/patroni: {\"state\": \"running\"}"));
  }
}
