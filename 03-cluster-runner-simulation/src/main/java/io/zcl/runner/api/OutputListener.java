package io.zcl.runner.api;

/**
 * Receives a command's output as it is produced, in order per stream. Called from the executor's
 * I/O thread: implementations must be quick and must not block.
 */
@FunctionalInterface
public interface OutputListener {

    enum Stream { STDOUT, STDERR }

    /** A listener that ignores output (the result still carries the captured text). */
    OutputListener NONE = (commandId, stream, chunk) -> { };

    void onOutput(String commandId, Stream stream, byte[] chunk);
}
