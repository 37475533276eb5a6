package io.hagent.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Turns a normal cluster into a standby cluster following {@code --host}/{@code --port}. */
@Command(name = "demote-cluster", description = "Demote cluster to a standby cluster")
final class DemoteClusterCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Option(names = "--host", description = "Address of the remote node")
  String host;

  @Option(names = "--port", description = "Port of the remote node")
  Integer port;

  @Option(
      names = "--restore-command",
      description = "Command to restore WAL records from the remote primary")
  String restoreCommand;

  @Option(
      names = "--primary-slot-name",
      description = "Name of the slot on the remote node to use for replication")
  String primarySlotName;

  @Option(names = "--force", description = "Do not ask for confirmation at any point")
  boolean force;

  @Override
  public Integer call() throws Exception {
    if (host == null && restoreCommand == null) {
      throw new CtlException("At least --host or --restore-command should be specified");
    }
    Map<String, Object> section = new LinkedHashMap<>();
    if (host != null) {
      section.put("host", host);
    }
    if (port != null) {
      section.put("port", port);
    }
    if (primarySlotName != null) {
      section.put("primary_slot_name", primarySlotName);
    }
    if (restoreCommand != null) {
      section.put("restore_command", restoreCommand);
    }
    ClusterMode.change(hactl.ctl(), cluster, section, force);
    return 0;
  }
}
