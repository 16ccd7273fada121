package io.zcl.examples.coordinator;

import picocli.CommandLine;

/** {@code zcl run} as a process of its own, for tests that SIGKILL the coordinator. */
public final class RunMain {

    private RunMain() {
    }

    public static void main(String[] args) {
        io.zcl.runner.zmq.IoThreadWatch.exitOnDeath("zcl run"); // as Zcl.main does
        System.exit(new CommandLine(new RunCommand()).execute(args));
    }
}
