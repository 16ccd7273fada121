package io.zcl.runner.fuzz;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.api.OutputListener;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An executor that starts no process: every command fails to start at once. For agents that only
 * run the built-in {@code @noop} (load tests) or must not run anything a fuzzer sends.
 */
public final class RefusingExecutor implements NodeExecutor {

    private final String nodeId;
    private final AtomicLong calls = new AtomicLong();

    public RefusingExecutor(String nodeId) {
        this.nodeId = nodeId;
    }

    /** How many commands reached this executor. */
    public long calls() {
        return calls.get();
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public CompletableFuture<CommandResult> run(Command command, OutputListener listener) {
        calls.incrementAndGet();
        return CompletableFuture.completedFuture(CommandResult.failed(command.id(), nodeId,
                CommandResult.Status.FAILED_TO_START, Instant.now(), Duration.ZERO, "this agent runs no processes"));
    }

    @Override
    public boolean cancel(String commandId) {
        return false;
    }
}
