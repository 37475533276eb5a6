package io.hagent.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Prints a bash completion script: {@code source <(hactl completion)}. */
@Command(name = "completion", hidden = true, description = "Print a bash completion script.")
final class CompletionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().print(AutoComplete.bash("hactl", spec.parent().commandLine()));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
