package io.hagent.common.dcs;

/** Where Patroni keeps each value of a cluster: {@code /<namespace>/<scope>/...} (§4). */
public record KeyLayout(String namespace, String scope) {

  public static final String DEFAULT_NAMESPACE = "/service";

  public KeyLayout {
    namespace = normalise(namespace == null ? DEFAULT_NAMESPACE : namespace);
  }

  /** Prefix with the trailing slash, duplicate slashes collapsed: {@code /service/batman/}. */
  public String prefix() {
    return (namespace + "/" + scope + "/").replaceAll("/+", "/");
  }

  public String leader() {
    return prefix() + "leader";
  }

  public String member(String name) {
    return prefix() + "members/" + name;
  }

  public String membersPrefix() {
    return prefix() + "members/";
  }

  public String initialize() {
    return prefix() + "initialize";
  }

  public String config() {
    return prefix() + "config";
  }

  public String failover() {
    return prefix() + "failover";
  }

  public String sync() {
    return prefix() + "sync";
  }

  public String history() {
    return prefix() + "history";
  }

  public String status() {
    return prefix() + "status";
  }

  public String failsafe() {
    return prefix() + "failsafe";
  }

  private static String normalise(String ns) {
    String n = ("/" + ns.trim() + "/").replaceAll("/+", "/");
    return n.length() > 1 ? n.substring(0, n.length() - 1) : n;
  }
}
