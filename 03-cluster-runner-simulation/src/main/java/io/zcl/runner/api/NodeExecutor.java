package io.zcl.runner.api;

import java.util.concurrent.CompletableFuture;

/**
 * Runs commands on one node (Python: NodeExecutorProtocol). Implementations: a local process
 * runner, SSH (one connection, a channel per command) and ZeroMQ (an agent on the node).
 *
 * <p>The returned future always completes normally with a {@link CommandResult}, whose status
 * says whether the command ran, timed out, was cancelled or was lost with its node; it completes
 * exceptionally only for a programming error (for example a closed executor). It may complete
 * on the transport's own I/O thread: chain anything slow with the {@code *Async} methods.
 */
public interface NodeExecutor {

    String nodeId();

    /** Runs the command; output is streamed to the listener while it runs. */
    CompletableFuture<CommandResult> run(Command command, OutputListener listener);

    default CompletableFuture<CommandResult> run(Command command) {
        return run(command, OutputListener.NONE);
    }

    /**
     * Asks the node to stop a running command. Returns false when the id is unknown or already
     * finished; the command's future then completes with status CANCELLED (if it was running).
     */
    boolean cancel(String commandId);
}
