package io.zcl.examples.agent;

import picocli.CommandLine;

/**
 * The node agent on its own: {@code java -cp <zcl-agent's runtime classpath>
 * io.zcl.examples.agent.AgentMain --coordinator tcp://HOST:PORT --node-id ID ...}, the same options
 * as {@code ./zcl agent}. Exit codes: 0 stopped after a session, 1 bad options or an error (one
 * line on stderr), 2 a usage error, 3 no session within --connect-timeout, 4 refused by the
 * coordinator, 70 the agent's ZeroMQ I/O thread died ({@link io.zcl.runner.zmq.IoThreadWatch}).
 */
public final class AgentMain {

    /** Logging setup used unless -Dlogback.configurationFile names another: WARN and up to stderr. */
    static final String LOGBACK_CONFIG = "io/zcl/examples/agent/logback-agent.xml";

    private AgentMain() {
    }

    public static void main(String[] args) {
        io.zcl.runner.local.SpawnMechanism.preferVfork(); // before any process starts: one exec per command, not two
        // A dead ZeroMQ I/O thread (e.g. out of direct memory for a hostile message) ends the process loudly.
        io.zcl.runner.zmq.IoThreadWatch.exitOnDeath("zcl agent");
        System.exit(execute(args));
    }

    /** Parses and runs; errors are one line on stderr (the stack trace with -Dzcl.debug=true). */
    static int execute(String... args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", LOGBACK_CONFIG);
        }
        CommandLine cl = new CommandLine(new AgentCommand());
        cl.setParameterExceptionHandler((ex, ignored) -> {
            // A mistyped option: say which, and where the options are listed (not the whole usage).
            ex.getCommandLine().getErr().println("zcl agent: " + ex.getMessage() + " (see --help)");
            return ex.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            line.getErr().println("zcl agent: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
            if (Boolean.getBoolean("zcl.debug")) {
                ex.printStackTrace(line.getErr());
            }
            return 1;
        });
        return cl.execute(args);
    }
}
