package io.hagent.agent;

import io.hagent.agent.api.RestApiServer;
import io.hagent.agent.ha.HaLoop;
import io.hagent.agent.ha.HaLoop.FatalError;
import io.hagent.agent.ha.LeaderLease;
import io.hagent.agent.ha.LeaseGuard;
import io.hagent.agent.ha.Management;
import io.hagent.agent.logging.LogMarkers;
import io.hagent.agent.postgres.PostgresController;
import io.hagent.common.Version;
import io.hagent.common.cluster.Cluster;
import io.hagent.common.config.ConfigLoader;
import io.hagent.common.config.DynamicConfig;
import io.hagent.common.config.HagentConfig;
import io.hagent.common.dcs.Dcs;
import io.hagent.common.dcs.DcsStores;
import io.hagent.common.rest.RestClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires one node: DCS client, PostgreSQL control, HA loop, lease guard and REST API. */
final class Agent {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  private final HagentConfig config;
  private final Path configFile;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicInteger exitCode = new AtomicInteger();

  Agent(HagentConfig config, Path configFile) {
    this.config = config;
    this.configFile = configFile;
  }

  private RestClient restClient() {
    return new RestClient(
        config.restapi().username(),
        config.restapi().password(),
        config.restapi().cafile(),
        config.restapi().certfile(),
        config.restapi().keyfile(),
        config.restapi().keyfilePassword(),
        true);
  }

  private Map<?, ?> restapiRaw() {
    return config.raw().get("restapi") instanceof Map<?, ?> m ? m : Map.of();
  }

  int run() {
    DynamicConfig initial =
        DynamicConfig.from(config.bootstrap() == null ? Map.of() : config.bootstrap().dcs());
    LOG.info(
        "hagent {} (Patroni {} compatible) starting as {} in cluster {}",
        Version.HAGENT,
        Version.PATRONI_COMPAT,
        config.name(),
        config.scope());
    // Patroni warns when it adjusts ttl/loop_wait/retry_timeout; the loop warns on later changes
    initial.warnings().forEach(LOG::warn);
    Dcs dcs =
        DcsStores.create(
            config.etcd(),
            config.zookeeper(),
            config.keys(),
            config.name(),
            initial.ttl(),
            initial.retryTimeout());
    SystemdNotify systemd = SystemdNotify.fromEnvironment();
    // `systemctl status` shows why the start takes long while etcd is unreachable
    systemd.status("waiting for the DCS before starting");
    try {
      Cluster cluster = AgentStartupGuard.awaitCluster(dcs::readCluster, Thread::sleep);
      if (AgentStartupGuard.anotherNodeRuns(
          cluster, config.name(), AgentStartupGuard.http(restClient()))) {
        LOG.error(
            LogMarkers.CRITICAL,
            "Can't start; there is already a node named '{}' running",
            config.name());
        dcs.close();
        return 1;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      dcs.close();
      return 1;
    }
    PostgresController pg = new PostgresController(config);
    LeaderLease lease = new LeaderLease(initial.ttl());
    HaLoop loop = HaLoop.create(config, dcs, pg, lease, System::nanoTime, Clock.systemUTC());
    loop.setReloader(
        configFile == null ? "the environment" : configFile.toString(),
        () -> {
          // a reread file is warned about like the first one (unused settings, tag conflicts)
          ConfigLoader.Loaded reread = ConfigLoader.loadWithWarnings(configFile, System.getenv());
          reread.warnings().forEach(w -> LOG.warn("{}", w));
          return reread.config();
        });
    RestApiServer api =
        new RestApiServer(
            config.restapi(), loop::snapshot, System::nanoTime, new Management(loop, dcs));
    Object tokens = restapiRaw().get("server_tokens");
    api.setServerTokens(tokens == null ? "original" : tokens.toString(), Version.HAGENT);
    LeaseGuard guard =
        new LeaseGuard(
            lease,
            pg,
            System::nanoTime,
            () -> loop.snapshot().pg().isPrimary(),
            () -> loop.snapshot().paused());
    try {
      api.start();
    } catch (RuntimeException e) {
      LOG.error("cannot start the REST API on {}: {}", config.restapi().listen(), e.getMessage());
      dcs.close();
      return 1;
    }
    guard.start();
    String listening = "REST API listening on " + config.restapi().listen();
    systemd.ready(listening);

    Thread haThread =
        new Thread(
            () -> {
              try {
                loop.run();
              } catch (FatalError e) {
                LOG.error("{}", e.getMessage());
                exitCode.set(1);
              } catch (RuntimeException e) {
                LOG.error("HA loop failed", e);
                exitCode.set(1);
              } finally {
                stopped.countDown();
              }
            },
            "ha-loop");
    Runnable terminate =
        () -> {
          LOG.info("received a termination signal; shutting down");
          systemd.stopping("shutting down");
          loop.stop();
        };
    Signals.handle("TERM", terminate);
    Signals.handle("INT", terminate);
    Signals.handle(
        "HUP",
        () -> {
          LOG.info("received SIGHUP; rereading the configuration");
          systemd.reloading("reloading the configuration");
          api.reloadCertificates(); // renewed REST certificates, without a restart
          loop.requestReload().thenRun(() -> systemd.ready("reloaded; " + listening));
        });
    haThread.start();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (exitCode.get() == 0) {
        loop.shutdown();
      }
    } finally {
      guard.close();
      api.stop();
      dcs.close();
    }
    LOG.info("hagent stopped");
    return exitCode.get();
  }
}
