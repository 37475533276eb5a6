package io.hagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DcsUrlTest {
  @Test
  void oneHostWithNamespace() {
    DcsUrl u = DcsUrl.parse("etcd3://10.0.0.7:2381/db");
    assertEquals(List.of("http://10.0.0.7:2381"), u.endpoints());
    assertEquals("/db", u.namespace());
  }

  @Test
  void severalHostsDefaultPortsAndNoNamespace() {
    DcsUrl u = DcsUrl.parse("etcd://a,b:2380,[::1]:2390");
    assertEquals(List.of("http://a:2379", "http://b:2380", "http://[::1]:2390"), u.endpoints());
    assertNull(u.namespace());
  }

  @Test
  void hostDefaultsToLocalhostAndSchemeToEtcd() {
    assertEquals(List.of("http://localhost:2379"), DcsUrl.parse(":2379").endpoints());
    assertEquals(List.of("http://localhost:2379"), DcsUrl.parse("etcd3:///service").endpoints());
    assertEquals("/service", DcsUrl.parse("etcd3:///service").namespace());
  }

  @Test
  void zookeeperUrlNamesTheEnsemble() {
    DcsUrl url = DcsUrl.parse("zookeeper://z1:2182,z2/service");
    assertTrue(url.zookeeper());
    assertEquals(java.util.List.of("z1:2182", "z2:2181"), url.endpoints());
    assertEquals("/service", url.namespace());
    assertEquals(java.util.List.of("localhost:2181"), DcsUrl.parse("zookeeper://").endpoints());
  }

  @Test
  void otherDcsAndGarbageAreOneClearError() {
    assertEquals(
        "Unsupported dcs scheme: consul (hactl speaks etcd v3 and zookeeper)",
        assertThrows(CtlException.class, () -> DcsUrl.parse("consul://c:8500")).getMessage());
    assertEquals(
        "Invalid dcs url: etcd3://host:notaport",
        assertThrows(CtlException.class, () -> DcsUrl.parse("etcd3://host:notaport")).getMessage());
  }
}
