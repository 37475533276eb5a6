package io.hagent.common.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The {@code sslfactory} handed to PostgreSQL JDBC: the driver reads client keys only as PKCS#8 DER
 * or PKCS#12, while libpq (and so every Patroni configuration) names PEM files. The driver creates
 * one instance per connection with the connection's properties, which carry the libpq settings
 * under their libpq names (see {@link LibpqJdbc}); the files are read then, so renewed certificates
 * are used from the next connection on.
 */
public final class LibpqSslSocketFactory extends SSLSocketFactory {
  private final SSLSocketFactory factory;
  private final String[] protocols;

  /** Called by the driver through reflection with the connection's properties. */
  public LibpqSslSocketFactory(Properties info) {
    Map<String, String> settings = new HashMap<>();
    for (String k : LibpqJdbc.SSL_KEYS) {
      String v = info.getProperty(LibpqJdbc.PREFIX + k);
      if (v != null) {
        settings.put(k, v);
      }
    }
    try {
      LibpqSsl ssl = LibpqSsl.of(settings, info.getProperty(LibpqJdbc.PREFIX + "home"));
      this.factory = ssl.context().getSocketFactory();
      this.protocols = protocols(ssl.minProtocol(), ssl.maxProtocol());
    } catch (IOException e) {
      // the driver wraps this into the SQLException the caller logs
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  /** TLSv1.2 .. TLSv1.3 cut to libpq's ssl_min/max_protocol_version. */
  static String[] protocols(String min, String max) {
    List<String> all = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");
    int lo = min == null ? all.indexOf("TLSv1.2") : all.indexOf(min);
    int hi = max == null ? all.size() - 1 : all.indexOf(max);
    if (lo < 0 || hi < 0 || lo > hi) {
      throw new UncheckedIOException(
          new IOException("invalid ssl_min_protocol_version/ssl_max_protocol_version"));
    }
    return new ArrayList<>(all.subList(lo, hi + 1)).toArray(String[]::new);
  }

  private Socket restrict(Socket s) {
    if (s instanceof SSLSocket ssl) {
      List<String> supported = List.of(ssl.getSupportedProtocols());
      ssl.setEnabledProtocols(
          List.of(protocols).stream().filter(supported::contains).toArray(String[]::new));
    }
    return s;
  }

  @Override
  public String[] getDefaultCipherSuites() {
    return factory.getDefaultCipherSuites();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return factory.getSupportedCipherSuites();
  }

  @Override
  public Socket createSocket(Socket s, String host, int port, boolean autoClose)
      throws IOException {
    return restrict(factory.createSocket(s, host, port, autoClose));
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return restrict(factory.createSocket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return restrict(factory.createSocket(host, port, localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return restrict(factory.createSocket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return restrict(factory.createSocket(address, port, localAddress, localPort));
  }
}
