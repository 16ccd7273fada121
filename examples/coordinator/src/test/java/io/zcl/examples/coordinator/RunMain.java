package io.zcl.examples.coordinator;

import picocli.CommandLine;

/**
 * {@code zcl run} as a process of its own, for tests that SIGKILL the coordinator, with the error
 * handling of {@code ./zcl} (one line "zcl: ..." for an error, exit 70 for a dead I/O thread).
 */
public final class RunMain {

    private RunMain() {
    }

    public static void main(String[] args) {
        io.zcl.runner.zmq.IoThreadWatch.exitOnDeath("zcl run"); // as Zcl.main does
        CommandLine cl = new CommandLine(new RunCommand());
        cl.setParameterExceptionHandler((ex, ignored) -> {
            ex.getCommandLine().getErr().println("zcl run: " + ex.getMessage() + " (see zcl run --help)");
            return ex.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            // As Zcl.commandLine(): one clear line for the user (what ./zcl run prints).
            line.getErr().println("zcl: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
            return 1;
        });
        System.exit(cl.execute(args));
    }
}
