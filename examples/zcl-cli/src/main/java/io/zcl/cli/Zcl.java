package io.zcl.cli;

import io.zcl.examples.agent.AgentCommand;
import io.zcl.examples.coordinator.BenchCommand;
import io.zcl.examples.coordinator.RunCommand;
import io.zcl.examples.coordinator.SimulateCommand;
import io.zcl.examples.coordinator.SoakCommand;
import io.zcl.monitor.MonitorCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point behind {@code ./zcl}. Each subcommand is a thin main over the modules;
 * the logic lives in 01/02/03, so every example is also runnable with plain {@code java -cp}.
 */
@Command(name = "zcl",
        mixinStandardHelpOptions = true,
        version = "zcl 0.1.0",
        description = "zmq-cluster-learning: learn ZeroMQ for cluster coordination, then run a cluster with it.",
        subcommands = {SimulateCommand.class, RunCommand.class, BenchCommand.class, SoakCommand.class, AgentCommand.class,
                KeygenCommand.class, ExampleCommand.class, MonitorCommand.class,
                CommandLine.HelpCommand.class},
        usageHelpAutoWidth = true)
public final class Zcl implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        // No subcommand: show the commands.
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Zcl());
        // Everything after an example's NAME belongs to the example (its role and its options).
        cl.getSubcommands().get("example").setStopAtPositional(true);
        cl.setParameterExceptionHandler((ex, ignored) -> {
            // A usage error (a mistyped option, a value out of range): one line naming the command and
            // what is wrong, exit 2; not the whole usage.
            CommandLine line = ex.getCommandLine();
            line.getErr().println(line.getCommandSpec().qualifiedName() + ": " + ex.getMessage() + " (see "
                    + line.getCommandSpec().qualifiedName() + " --help)");
            return line.getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            // One clear line for the user; the stack trace only when asked for.
            line.getErr().println("zcl: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
            if (Boolean.getBoolean("zcl.debug")) {
                ex.printStackTrace(line.getErr());
            }
            return 1;
        });
        return cl;
    }

    public static void main(String[] args) {
        io.zcl.runner.local.SpawnMechanism.preferVfork(); // before any process starts: one exec per command, not two
        // A dead ZeroMQ I/O thread (e.g. out of direct memory for a hostile message) ends the process loudly.
        io.zcl.runner.zmq.IoThreadWatch.exitOnDeath(args.length > 0 ? "zcl " + args[0] : "zcl");
        System.exit(commandLine().execute(args));
    }
}
