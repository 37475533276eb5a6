package io.hagent.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * One database server: the hagent daemon started exactly as a user would ({@code java -jar
 * hagent.jar node.yml}) and the PostgreSQL it manages. Can stop (SIGTERM) or crash (SIGKILL) the
 * agent and its postmaster, and restart the agent with the same configuration.
 */
public final class AgentNode {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = httpClient(null);

  /**
   * The JVM flags bin/hagent uses (systemd/hagent.env), so the tests see the footprint users get.
   * The build checks that they agree (dist/src/build/check-jvm-flags).
   */
  private static final List<String> AGENT_JVM_FLAGS =
      List.of(
          "-Xms28m",
          "-Xmn4m",
          "-Xmx64m",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-XX:CICompilerCount=1",
          "-Xss256k",
          "-XX:MetaspaceSize=48m",
          "-XX:MaxMetaspaceSize=64m",
          "-XX:ReservedCodeCacheSize=32m",
          "-XX:MaxDirectMemorySize=16m",
          "-XX:TrimNativeHeapInterval=10000",
          "-Dio.netty.allocator.type=unpooled",
          "-XX:-UsePerfData",
          "-XX:+ExitOnOutOfMemoryError");

  private final NodeConfig config;
  private final Path agentJar;
  private final HttpClient http;
  private final Map<String, String> env;
  private ChildProcess agent;
  private volatile boolean meantToRun;
  private String extraYaml = "";

  /** YAML appended to this node's configuration file when it is first written. */
  public AgentNode withExtraYaml(String yaml) {
    this.extraYaml = yaml;
    return this;
  }

  public AgentNode(NodeConfig config, Path agentJar) {
    this(config, agentJar, Map.of());
  }

  /** With extra environment variables for the agent process (e.g. a NOTIFY_SOCKET of the test). */
  public AgentNode(NodeConfig config, Path agentJar, Map<String, String> extraEnv) {
    this.config = config;
    this.agentJar = agentJar;
    Map<String, String> e = new java.util.HashMap<>(extraEnv);
    e.putIfAbsent("MALLOC_ARENA_MAX", "2");
    this.env = Map.copyOf(e);
    RestApiSecurity.Tls tls = config.spec().restapi().tls();
    // a TLS node is probed with the test client certificate, as verify_client required demands
    this.http = tls == null ? HTTP : httpClient(tls.certs().sslContext(true));
  }

  /** HTTP/1.1 client with short timeouts; sslContext null for the JVM default. */
  public static HttpClient httpClient(javax.net.ssl.SSLContext sslContext) {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2));
    if (sslContext != null) {
      b.sslContext(sslContext);
    }
    return b.build();
  }

  public String name() {
    return config.name();
  }

  public NodeConfig config() {
    return config;
  }

  /** Writes the YAML (first start only) and launches the agent. */
  /** The build's class-data-sharing archive, as bin/hagent uses it: only if newer than the jar. */
  private List<String> cdsFlags() {
    Path archive = agentJar.resolveSibling("hagent.jsa");
    try {
      if (Files.isReadable(archive)
          && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(agentJar))
              > 0) {
        return List.of(
            "-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
      }
    } catch (IOException e) {
      // no archive: the agent starts without one
    }
    return List.of();
  }

  public AgentNode start() {
    if (agent != null && agent.isAlive()) {
      throw new IllegalStateException(
          name() + " agent is already running (pid " + agent.pid() + ")");
    }
    if (!Files.isRegularFile(agentJar)) {
      throw new IllegalStateException(
          "hagent jar not found at " + agentJar + "; build it first: mvn -B -DskipTests package");
    }
    try {
      if (!Files.exists(config.dir())) {
        Files.createDirectories(
            config.dir(),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      if (!Files.exists(config.configFile())) {
        Files.writeString(config.configFile(), config.yaml() + extraYaml);
        Files.setPosixFilePermissions(
            config.configFile(), PosixFilePermissions.fromString("rw-------"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    agent = ChildProcess.start(name(), command(), config.log(), env);
    meantToRun = true;
    return this;
  }

  /**
   * Starts another agent process on this node's configuration file, logging to {@code log}: an
   * operator's second service unit or copied config. The caller waits for it and reads its log.
   */
  public ChildProcess startSecondAgent(Path log) {
    if (!Files.isRegularFile(config.configFile())) {
      throw new IllegalStateException(name() + " has not been started yet: no config file");
    }
    return ChildProcess.start(name() + "-second", command(), log, env);
  }

  private List<String> command() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(AGENT_JVM_FLAGS);
    cmd.addAll(cdsFlags());
    cmd.add("-jar");
    cmd.add(agentJar.toString());
    cmd.add(config.configFile().toString());
    return cmd;
  }

  public boolean isAgentRunning() {
    return agent != null && agent.isAlive();
  }

  /**
   * Fails at once (an Error, which Wait does not retry) when the agent exited although the test did
   * not stop it, so a crashing agent is reported with its log instead of as a timeout.
   */
  public void assertNotDied() {
    if (meantToRun && agent != null && !agent.isAlive()) {
      meantToRun = false;
      throw new AssertionError(
          name()
              + " agent exited unexpectedly with code "
              + agent.exitValue()
              + "; log tail:\n"
              + ChildProcess.tail(config.log(), 40));
    }
  }

  public Optional<Long> agentPid() {
    return isAgentRunning() ? Optional.of(agent.pid()) : Optional.empty();
  }

  /** SIGTERM to the agent; returns true when it exited within the timeout. */
  public boolean stopAgent(Duration timeout) {
    meantToRun = false;
    return agent == null || !agent.isAlive() || agent.terminate(timeout);
  }

  /** kill -9 of the agent only (its PostgreSQL keeps running). */
  public void killAgent() {
    meantToRun = false;
    if (agent != null && agent.isAlive()) {
      agent.kill();
    }
  }

  /** kill -9 of the agent and of the postmaster with all its children: a crashed server. */
  public void crash() {
    killAgent();
    killPostmaster();
  }

  public void killPostmaster() {
    postmaster()
        .ifPresent(
            pm -> {
              List<ProcessHandle> children = pm.descendants().toList();
              pm.destroyForcibly();
              children.forEach(ProcessHandle::destroyForcibly);
              Wait.until(
                  name() + " postmaster " + pm.pid() + " to die",
                  Duration.ofSeconds(10),
                  () -> !pm.isAlive());
            });
  }

  public AgentNode restart(Duration stopTimeout) {
    if (!stopAgent(stopTimeout)) {
      killAgent();
    }
    return start();
  }

  /**
   * The running postmaster of this node's data dir, from the first line of postmaster.pid; only
   * when that PID is alive and really is a postgres binary (a stale file may name a reused PID).
   */
  public Optional<ProcessHandle> postmaster() {
    Path pidFile = config.dataDir().resolve("postmaster.pid");
    try {
      if (!Files.isRegularFile(pidFile)) {
        return Optional.empty();
      }
      List<String> lines = Files.readAllLines(pidFile);
      if (lines.isEmpty() || lines.get(0).isBlank()) {
        return Optional.empty();
      }
      long pid = Long.parseLong(lines.get(0).trim());
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(ph -> ph.info().command().map(c -> c.endsWith("postgres")).orElse(false));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** GET /patroni; empty when the REST API does not answer. */
  public Optional<JsonNode> status() {
    return get("/patroni")
        .filter(r -> r.statusCode() == 200)
        .flatMap(
            r -> {
              try {
                return Optional.of(JSON.readTree(r.body()));
              } catch (IOException e) {
                return Optional.empty();
              }
            });
  }

  /** HTTP status of GET path (e.g. /primary, /replica), or -1 when the API does not answer. */
  public int healthCode(String path) {
    return get(path).map(HttpResponse::statusCode).orElse(-1);
  }

  /** Status code of the request HAProxy sends: OPTIONS path. -1 when the API does not answer. */
  public int optionsCode(String path) {
    return send(HttpRequest.newBuilder(restUri(path))
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(3))
            .build())
        .map(HttpResponse::statusCode)
        .orElse(-1);
  }

  public boolean reportsRole(String role) {
    return status()
        .map(
            s -> role.equals(s.path("role").asText()) && "running".equals(s.path("state").asText()))
        .orElse(false);
  }

  private Optional<HttpResponse<String>> get(String path) {
    return send(HttpRequest.newBuilder(restUri(path)).timeout(Duration.ofSeconds(3)).GET().build());
  }

  private Optional<HttpResponse<String>> send(HttpRequest request) {
    try {
      return Optional.of(http.send(request, HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The node's REST API URI for path (http or https as configured). */
  public URI restUri(String path) {
    return URI.create(
        config.spec().restapi().scheme() + "://127.0.0.1:" + config.restPort() + path);
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + config.pgPort() + "/postgres";
  }

  /** A superuser connection over TCP (scram), with short timeouts so a dead node fails fast. */
  public Connection connect() throws SQLException {
    Properties p = connectionProperties(config.credentials());
    if (config.spec().tls() != null) {
      config.spec().tls().addJdbcTls(p);
    }
    return DriverManager.getConnection(jdbcUrl(), p);
  }

  static Properties connectionProperties(Credentials credentials) {
    Properties p = new Properties();
    p.setProperty("user", Credentials.SUPERUSER);
    p.setProperty("password", credentials.superuserPassword());
    p.setProperty("connectTimeout", "3");
    p.setProperty("socketTimeout", "10");
    p.setProperty("loginTimeout", "5");
    p.setProperty("ApplicationName", "hagent-it");
    return p;
  }

  public Path log() {
    return config.log();
  }

  @Override
  public String toString() {
    return name() + "(rest " + config.restPort() + ", pg " + config.pgPort() + ")";
  }
}
