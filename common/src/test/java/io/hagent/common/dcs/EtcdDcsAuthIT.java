package io.hagent.common.dcs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.hagent.common.config.EtcdConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** etcd with authentication enabled: the right password works, a wrong one is a clear error. */
class EtcdDcsAuthIT {

  private static final String PASSWORD = "s3cret-Pw";
  private static EtcdProcess etcd;

  @BeforeAll
  static void startEtcdWithAuth() throws Exception {
    etcd = new EtcdProcess();
    etcd.start();
    // through the API, not etcdctl, so the password never appears on a command line
    try (Client admin = Client.builder().endpoints(etcd.endpoint()).build()) {
      Auth auth = admin.getAuthClient();
      auth.userAdd(bytes("root"), bytes(PASSWORD)).get(10, TimeUnit.SECONDS);
      auth.userGrantRole(bytes("root"), bytes("root")).get(10, TimeUnit.SECONDS);
      auth.authEnable().get(10, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stopEtcd() throws Exception {
    if (etcd != null) {
      etcd.close();
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static EtcdDcs dcs(String password) {
    EtcdConfig config =
        new EtcdConfig(List.of(etcd.endpoint()), null, "root", password, null, null, null);
    return EtcdDcs.create(config, new KeyLayout(null, "auth"), "a", 10, 3);
  }

  @Test
  void rightPasswordWorks() throws Exception {
    try (EtcdDcs a = dcs(PASSWORD)) {
      assertTrue(a.attemptToAcquireLeader());
      assertEquals("a", a.readCluster().leader().name());
      assertTrue(a.deleteLeader());
    }
  }

  @Test
  void wrongPasswordFailsWithoutShowingIt() {
    try (EtcdDcs a = dcs("wrong-" + PASSWORD)) {
      DcsException e = assertThrows(DcsException.class, a::readCluster);
      assertTrue(e.getMessage().startsWith("etcd: "), e.getMessage());
      assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
      System.out.println("wrong password: " + e.getMessage());
    }
  }
}
