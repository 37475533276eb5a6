package io.hagent.it.chaos;

import io.hagent.it.Credentials;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
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
    return "jdbc:postgresql://"
        + container.getHost()
        + ":"
        + container.getMappedPort(PG_PORT)
        + "/postgres";
  }

  public String restUrl() {
    return "http://" + container.getHost() + ":" + container.getMappedPort(REST_PORT);
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
