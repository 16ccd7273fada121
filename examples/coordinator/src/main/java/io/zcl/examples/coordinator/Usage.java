package io.zcl.examples.coordinator;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Range checks of number options. A value out of range is a usage error like a mistyped option:
 * one line naming the option, the range and the value, and exit status 2, before anything runs
 * (a {@code --command-timeout-s 0} once ran every group into ERROR and exited 0).
 */
final class Usage {

    /** Longest command timeout: 7 days, the most a RUN's timeout_ms may say (Protocol.MAX_TIMEOUT_MS). */
    static final long MAX_COMMAND_TIMEOUT_S = io.zcl.runner.zmq.Protocol.MAX_TIMEOUT_MS / 1000;
    /** The heartbeat interval and liveness an agent accepts in WELCOME (docs/wire-protocol.md). */
    static final long MIN_HEARTBEAT_MS = 10;
    static final long MAX_HEARTBEAT_MS = 3_600_000;
    static final long MAX_LIVENESS = 1000;

    private Usage() {
    }

    static void range(CommandSpec spec, String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ParameterException(spec.commandLine(), option + " must be " + min + ".." + max + ", got " + value);
        }
    }

    static void atLeast(CommandSpec spec, String option, long value, long min) {
        if (value < min) {
            throw new ParameterException(spec.commandLine(), option + " must be at least " + min + ", got " + value);
        }
    }

    static void atLeast(CommandSpec spec, String option, double value, double min) {
        if (!(value >= min) || Double.isInfinite(value)) {
            throw new ParameterException(spec.commandLine(), option + " must be a number of at least " + min + ", got " + value);
        }
    }

    static void heartbeat(CommandSpec spec, int heartbeatMs) {
        range(spec, "--heartbeat-ms", heartbeatMs, MIN_HEARTBEAT_MS, MAX_HEARTBEAT_MS);
    }

    static void commandTimeout(CommandSpec spec, long seconds) {
        range(spec, "--command-timeout-s", seconds, 1, MAX_COMMAND_TIMEOUT_S);
    }
}
