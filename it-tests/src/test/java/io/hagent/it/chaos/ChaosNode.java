package io.hagent.it.chaos;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import io.hagent.it.Credentials;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;

/**
 * One database host of the chaos cluster: a container running the agent (which runs PostgreSQL),
 * reached by the test through its mapped ports and by the other members through its own address.
 */
public final class ChaosNode {
  static final int PG_PORT = 5432;
  static final int REST_PORT = 8008;
  static final String DATA_DIR = "/var/lib/hagent/data";

  private final String name;
  private final GenericContainer<?> container;
  private final Credentials credentials;
  // the host ports Docker maps; a container started again after a kill gets new ones
  private volatile int pgHostPort = -1;
  private volatile int restHostPort = -1;

  ChaosNode(String name, GenericContainer<?> container, Credentials credentials) {
    this.name = name;
    this.container = container;
    this.credentials = credentials;
  }

  public String name() {
    return name;
  }

  public GenericContainer<?> container() {
    return container;
  }

  public String containerId() {
    return container.getContainerId();
  }

  /** JDBC URL through the port Docker maps on the host (never a hard-coded localhost). */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + container.getHost() + ":" + pgHostPort() + "/postgres";
  }

  private int pgHostPort() {
    if (pgHostPort < 0) {
      pgHostPort = container.getMappedPort(PG_PORT);
    }
    return pgHostPort;
  }

  public String restUrl() {
    if (restHostPort < 0) {
      restHostPort = container.getMappedPort(REST_PORT);
    }
    return "http://" + container.getHost() + ":" + restHostPort;
  }

  /** Reads the mapped ports again from Docker (after the container was killed and started). */
  void refreshPorts(DockerClient docker) {
    Map<ExposedPort, Ports.Binding[]> bindings =
        docker
            .inspectContainerCmd(containerId())
            .exec()
            .getNetworkSettings()
            .getPorts()
            .getBindings();
    pgHostPort = Integer.parseInt(bindings.get(ExposedPort.tcp(PG_PORT))[0].getHostPortSpec());
    restHostPort = Integer.parseInt(bindings.get(ExposedPort.tcp(REST_PORT))[0].getHostPortSpec());
  }

  public Properties connectionProperties(int connectTimeoutSec, int socketTimeoutSec) {
    Properties p = new Properties();
    p.setProperty("user", Credentials.SUPERUSER);
    p.setProperty("password", credentials.superuserPassword());
    p.setProperty("connectTimeout", Integer.toString(connectTimeoutSec));
    p.setProperty("socketTimeout", Integer.toString(socketTimeoutSec));
    p.setProperty("loginTimeout", Integer.toString(connectTimeoutSec + socketTimeoutSec));
    return p;
  }

  public Connection connect(int connectTimeoutSec, int socketTimeoutSec) throws SQLException {
    return DriverManager.getConnection(
        jdbcUrl(), connectionProperties(connectTimeoutSec, socketTimeoutSec));
  }

  /** Runs a shell command in the container as root; fails on a non-zero exit. */
  public String sh(String command) {
    try {
      Container.ExecResult r = container.execInContainer("bash", "-c", command);
      if (r.getExitCode() != 0) {
        throw new IllegalStateException(
            name + ": '" + command + "' exited " + r.getExitCode() + ": " + r.getStderr());
      }
      return r.getStdout();
    } catch (IOException e) {
      throw new IllegalStateException(name + ": exec failed: " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The agent's PID in the container (written by the image's supervisor). */
  public String agentPid() {
    return sh("cat /run/hagent/agent.pid").strip();
  }

  /** The postmaster's PID in the container, from postmaster.pid. */
  public String postmasterPid() {
    return sh("head -1 " + DATA_DIR + "/postmaster.pid").strip();
  }

  @Override
  public String toString() {
    return name;
  }
}
