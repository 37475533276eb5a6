package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.cluster.Member;
import io.hagent.common.rest.RestClient;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "restart", description = "Restart cluster member")
final class RestartCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(index = "0", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "MEMBER_NAMES")
  List<String> memberNames;

  @Option(
      names = {"-r", "--role"},
      paramLabel = "ROLE",
      description = "Restart only members with this role (" + Members.ROLES + ")")
  String role;

  @Option(names = "--any", description = "Restart a single member only")
  boolean any;

  @Option(
      names = "--scheduled",
      paramLabel = "TIME",
      description =
          "Timestamp of a scheduled restart in unambiguous format (e.g. ISO 8601), or 'now'")
  String scheduled;

  @Option(
      names = {"--pg-version"},
      paramLabel = "VERSION",
      description = "Restart if the PostgreSQL version is less than provided (e.g. 9.5.2)")
  String version;

  @Option(names = "--pending", description = "Restart if pending")
  boolean pending;

  @Option(
      names = "--timeout",
      paramLabel = "TIMEOUT",
      description =
          "Return error and fail over if necessary when restarting takes longer than this.")
  String timeout;

  @Option(names = "--force", description = "Do not ask for confirmation at any point")
  boolean force;

  @Override
  public Integer call() throws Exception {
    Ctl ctl = hactl.ctl();
    Cluster c = ctl.read(cluster);
    List<Member> members =
        new ArrayList<>(Members.select(ctl, c, cluster, memberNames, role, force, "restart"));
    if (scheduled == null && !force) {
      String example =
          ZonedDateTime.now(ctl.clock)
              .plusHours(1)
              .format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm"));
      scheduled = ctl.prompt("When should the restart take place (e.g. " + example + ") ", "now");
    }
    OffsetDateTime at = Schedule.parse(scheduled, ctl.clock.getZone());
    if (any) {
      members = List.of(members.get(ThreadLocalRandom.current().nextInt(members.size())));
    }
    Map<String, Object> content = new LinkedHashMap<>();
    if (pending) {
      content.put("restart_pending", true);
    }
    if (version == null && !force) {
      version =
          ctl.prompt("Restart if the PostgreSQL version is less than provided (e.g. 9.5.2) ", "");
    }
    if (version != null && !version.isEmpty()) {
      if (!version.matches("\\d+(\\.\\d+){0,2}")) {
        throw new CtlException(version + " is not a valid PostgreSQL version");
      }
      content.put("postgres_version", version);
    }
    String scheduledAt = null;
    if (at != null) {
      if (c.isPaused()) {
        throw new CtlException("Can't schedule restart in the paused state");
      }
      scheduledAt = Schedule.isoformat(at);
      content.put("schedule", scheduledAt);
    }
    if (timeout != null) {
      content.put("timeout", timeout);
    }
    if (pending && at == null) {
      members = members.stream().filter(Member::pendingRestart).toList();
    }
    Members.confirm(ctl, members, force, "restart", scheduledAt);
    for (Member m : members) {
      if (content.containsKey("schedule") && force && m.data().get("scheduled_restart") != null) {
        RestClient.Response r = ctl.api().request(m, "DELETE", "restart", null);
        RestResults.check(ctl, r, m.name(), "flush scheduled restart", false);
      }
      RestClient.Response r = ctl.api().request(m, "POST", "restart", content);
      switch (r.status()) {
        case 200 -> ctl.out.println("Success: restart on member " + m.name());
        case 202 -> ctl.out.println("Success: restart scheduled on member " + m.name());
        case 409 ->
            ctl.out.println("Failed: another restart is already scheduled on member " + m.name());
        default ->
            ctl.out.println(
                "Failed: restart for member "
                    + m.name()
                    + ", status code="
                    + r.status()
                    + ", ("
                    + r.body()
                    + ")");
      }
    }
    return 0;
  }
}
