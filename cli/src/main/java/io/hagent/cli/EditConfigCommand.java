package io.hagent.cli;

import io.hagent.common.cluster.Cluster;
import io.hagent.common.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "edit-config", description = "Edit cluster configuration")
final class EditConfigCommand implements Callable<Integer> {
  @ParentCommand Hactl hactl;

  @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
  String cluster;

  @Option(
      names = {"-q", "--quiet"},
      description = "Do not show changes")
  boolean quiet;

  @Option(
      names = {"-s", "--set"},
      paramLabel = "KEY=VALUE",
      description = "Set specific configuration value. Can be specified multiple times")
  List<String> sets = new ArrayList<>();

  @Option(
      names = {"-p", "--pg"},
      paramLabel = "NAME=VALUE",
      description =
          "Set specific PostgreSQL parameter value. Shorthand for -s postgresql.parameters. Can be specified multiple times")
  List<String> pgs = new ArrayList<>();

  @Option(
      names = "--apply",
      paramLabel = "FILE",
      description = "Apply configuration from file. Use - for stdin.")
  String applyFile;

  @Option(
      names = "--replace",
      paramLabel = "FILE",
      description =
          "Apply configuration from file, replacing existing configuration. Use - for stdin.")
  String replaceFile;

  @Option(names = "--force", description = "Do not ask for confirmation at any point")
  boolean force;

  @Override
  public Integer call() throws Exception {
    Ctl ctl = hactl.ctl();
    String name = ctl.clusterName(cluster);
    ClusterStore store = ctl.store(name);
    Cluster c = store.readCluster();
    if (c.config() == null) {
      throw new CtlException("The config key does not exist in the cluster " + name);
    }
    String before = Yaml.dump(c.config(), false);
    Map<String, Object> changed = c.config();
    boolean requested = false;
    if (replaceFile != null) {
      changed = ConfigPatch.merge(Map.of(), readYamlMap(ctl, replaceFile));
      requested = true;
    }
    if (applyFile != null) {
      changed = ConfigPatch.merge(changed, readYamlMap(ctl, applyFile));
      requested = true;
    }
    if (!sets.isEmpty() || !pgs.isEmpty()) {
      List<String> pairs = new ArrayList<>(sets);
      pgs.forEach(p -> pairs.add("postgresql.parameters." + p.stripLeading()));
      changed = ConfigPatch.applyPairs(changed, pairs);
      requested = true;
    }
    String after;
    if (!requested) {
      after = Editor.edit(ctl, before, name);
      Object parsed = Yaml.load(after, "the edited configuration");
      changed = toMap(parsed, "the edited configuration");
    } else {
      after = Yaml.dump(changed, false);
    }
    if (Yaml.sorted(c.config()).equals(Yaml.sorted(changed))) {
      if (!quiet) {
        ctl.out.println("Not changed");
      }
      return 0;
    }
    if (!quiet) {
      ctl.out.print(UnifiedDiff.diff(before, after));
    }
    if (("-".equals(applyFile) || "-".equals(replaceFile)) && !force) {
      ctl.out.println("Use --force option to apply changes");
      return 0;
    }
    if (force || ctl.confirm("Apply these changes?")) {
      if (!store.setConfig(Json.write(changed), c.configModRevision())) {
        throw new CtlException("Config modification aborted due to concurrent changes");
      }
      ctl.out.println("Configuration changed");
    }
    return 0;
  }

  private Map<String, Object> readYamlMap(Ctl ctl, String file) {
    String text;
    String source = "-".equals(file) ? "standard input" : file;
    try {
      text =
          "-".equals(file)
              ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
              : Files.readString(Path.of(file));
    } catch (IOException e) {
      throw new CtlException("Can not read " + source + ": " + e.getMessage());
    }
    return toMap(Yaml.load(text, source), source);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> toMap(Object parsed, String source) {
    if (parsed == null) {
      return Map.of();
    }
    if (!(parsed instanceof Map)) {
      throw new CtlException("Invalid configuration in " + source + ": expected a mapping");
    }
    return ConfigPatch.deepCopy((Map<String, Object>) parsed);
  }
}
