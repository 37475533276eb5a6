package io.hagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
  void otherDcsAndGarbageAreOneClearError() {
    assertEquals(
        "Unsupported dcs scheme: zookeeper (hactl speaks etcd v3 only)",
        assertThrows(CtlException.class, () -> DcsUrl.parse("zookeeper://z:2181")).getMessage());
    assertEquals(
        "Invalid dcs url: etcd3://host:notaport",
        assertThrows(CtlException.class, () -> DcsUrl.parse("etcd3://host:notaport")).getMessage());
  }
}
