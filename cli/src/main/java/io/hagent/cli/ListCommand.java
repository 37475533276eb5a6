package io.hagent.cli;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "list", description = "List the Patroni members for a given Patroni")
final class ListCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(arity = "0..*", paramLabel = "CLUSTER_NAMES")
  List<String> clusterNames;

  @Option(
      names = {"-e", "--extended"},
      description = "Show some extra information")
  boolean extended;

  @Option(
      names = {"-t", "--timestamp"},
      description = "Print timestamp")
  boolean timestamp;

  @Option(
      names = {"-f", "--format"},
      paramLabel = "FORMAT",
      defaultValue = "pretty",
      description = "Output format (pretty, tsv, json, yaml)")
  String format;

  @Option(
      names = {"-W"},
      description = "Auto update the screen every 2 seconds")
  boolean watchContinuous;

  @Option(
      names = {"-w", "--watch"},
      paramLabel = "SEC",
      description = "Auto update the screen every X seconds")
  Double watch;

  @Override
  public Integer call() throws Exception {
    if (!List.of("pretty", "tsv", "json", "yaml", "yml").contains(format)) {
      throw new CtlException(
          "Invalid value for '-f' / '--format': '"
              + format
              + "' is not one of 'pretty', 'tsv', 'json', 'yaml', 'yml'");
    }
    return Watch.run(
        hactl.ctl(),
        watchContinuous ? Double.valueOf(2) : watch,
        () -> show(format, extended, timestamp));
  }

  private void show(String fmt, boolean ext, boolean ts) throws Exception {
    Ctl ctl = hactl.ctl();
    List<String> names =
        clusterNames == null || clusterNames.isEmpty()
            ? List.of(ctl.clusterName(null))
            : new ArrayList<>(clusterNames);
    if (ts) {
      ctl.out.println(
          LocalDateTime.now(ctl.clock).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")));
    }
    for (String name : names) {
      MemberListing.print(ctl.out, ctl.read(name), name, ext, fmt);
    }
  }
}
