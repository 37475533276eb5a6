package io.hagent.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "history", description = "Show the history of failovers/switchovers")
final class HistoryCommand implements Callable<Integer> {
  private static final List<String> COLUMNS =
      List.of("TL", "LSN", "Reason", "Timestamp", "New Leader");

  @ParentCommand Hactl hactl;

  @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Option(
      names = {"-f", "--format"},
      paramLabel = "FORMAT",
      defaultValue = "pretty",
      description = "Output format (pretty, tsv, json, yaml)")
  String format;

  @Override
  public Integer call() throws Exception {
    if (!List.of("pretty", "tsv", "json", "yaml", "yml").contains(format)) {
      throw new CtlException(
          "Invalid value for '-f' / '--format': '"
              + format
              + "' is not one of 'pretty', 'tsv', 'json', 'yaml', 'yml'");
    }
    Ctl ctl = hactl.ctl();
    List<List<Object>> rows = new ArrayList<>();
    for (List<Object> line : ctl.read(ctl.clusterName(cluster)).history()) {
      List<Object> row = new ArrayList<>();
      // cells keep their JSON types: json/yaml print TL and LSN as numbers, like patronictl
      row.addAll(line);
      while (row.size() < COLUMNS.size()) {
        row.add("");
      }
      rows.add(row.subList(0, COLUMNS.size()));
    }
    Output.print(ctl.out, COLUMNS, rows, Set.of("TL", "LSN"), format, null);
    return 0;
  }
}
