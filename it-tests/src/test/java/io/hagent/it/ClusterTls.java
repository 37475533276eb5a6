package io.hagent.it;

import io.hagent.it.TestCertificates.ClientKey;
import io.hagent.it.TestCertificates.KeyKind;
import java.nio.file.Path;
import java.util.Properties;

/**
 * TLS everywhere, as an operator sets it up with openssl: PostgreSQL accepts TCP logins only over
 * TLS with a client certificate signed by the test CA, each role's client key in another PEM form
 * (the superuser's encrypted, with sslpassword), etcd requires client certificates, and hactl's
 * REST client key is encrypted the legacy OpenSSL way (ctl.keyfile_password). The REST API itself
 * uses {@link RestApiSecurity#tls} with verify_client: required.
 */
public record ClusterTls(
    TestCertificates certs,
    ClientKey superuser,
    ClientKey replication,
    ClientKey rewind,
    ClientKey ctl) {

  public static ClusterTls create(Path dir) {
    TestCertificates certs = TestCertificates.create(dir);
    return new ClusterTls(
        certs,
        certs.clientKey("superuser", KeyKind.ENCRYPTED_PKCS8, Credentials.SUPERUSER),
        certs.clientKey("replication", KeyKind.RSA_PKCS1, Credentials.REPLICATION),
        certs.clientKey("rewind", KeyKind.EC_SEC1, Credentials.REWIND),
        certs.clientKey("ctl", KeyKind.LEGACY_ENCRYPTED_RSA, "hactl"));
  }

  /** The etcd3 section's TLS lines (2 spaces: under etcd3:). */
  String etcdYaml() {
    return "  protocol: https\n"
        + "  cacert: "
        + certs.caCert()
        + "\n"
        + "  cert: "
        + certs.clientCert()
        + "\n"
        + "  key: "
        + certs.clientKey()
        + "\n";
  }

  /** The libpq settings of one authentication role (6 spaces: under the role). */
  static String roleYaml(ClientKey key, String sslmode, Path rootcert) {
    StringBuilder sb =
        new StringBuilder()
            .append("      sslmode: ")
            .append(sslmode)
            .append('\n')
            .append("      sslrootcert: ")
            .append(rootcert)
            .append('\n')
            .append("      sslcert: ")
            .append(key.cert())
            .append('\n')
            .append("      sslkey: ")
            .append(key.key())
            .append('\n');
    if (key.password() != null) {
      sb.append("      sslpassword: '").append(key.password()).append("'\n");
    }
    return sb.toString();
  }

  String superuserYaml() {
    return roleYaml(superuser, "verify-full", certs.caCert());
  }

  String replicationYaml() {
    return roleYaml(replication, "verify-ca", certs.caCert());
  }

  String rewindYaml() {
    return roleYaml(rewind, "verify-full", certs.caCert());
  }

  /** PostgreSQL's server side (4 spaces: under postgresql.parameters). */
  String serverParametersYaml() {
    return "    ssl: 'on'\n"
        + "    ssl_cert_file: '"
        + certs.serverCert()
        + "'\n"
        + "    ssl_key_file: '"
        + certs.serverKey()
        + "'\n"
        + "    ssl_ca_file: '"
        + certs.caCert()
        + "'\n";
  }

  /** The top-level ctl section hactl reads. */
  String ctlYaml() {
    return "ctl:\n"
        + "  cacert: "
        + certs.caCert()
        + "\n"
        + "  certfile: "
        + ctl.cert()
        + "\n"
        + "  keyfile: "
        + ctl.key()
        + "\n"
        + "  keyfile_password: '"
        + ctl.password()
        + "'\n";
  }

  /**
   * What the tests' own JDBC connections add: the driver's native PKCS#12 client key, so the test
   * checks the cluster independently of the agent's PEM handling.
   */
  void addJdbcTls(Properties p) {
    p.setProperty("sslmode", "verify-ca");
    p.setProperty("sslrootcert", certs.caCert().toString());
    p.setProperty("sslkey", certs.clientP12().toString());
    p.setProperty("sslpassword", TestCertificates.P12_PASSWORD_STRING);
  }

  @Override
  public String toString() {
    return "ClusterTls[" + certs.caCert().getParent() + "]";
  }
}
