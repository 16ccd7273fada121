package io.zcl.runner.zmq;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.api.OutputListener;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A protocol-test executor that runs no process, so these tests check the wire protocol alone:
 * "echo ARGS" answers at once with ARGS; "hold" completes only when the test releases it;
 * "emit N" streams N 1 KiB chunks then answers. Real processes are covered by the end-to-end test.
 */
final class ScriptedExecutor implements NodeExecutor {

    private final String nodeId;
    final Map<String, CompletableFuture<CommandResult>> held = new ConcurrentHashMap<>();
    final AtomicInteger started = new AtomicInteger();

    ScriptedExecutor(String nodeId) {
        this.nodeId = nodeId;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public CompletableFuture<CommandResult> run(Command c, OutputListener listener) {
        started.incrementAndGet();
        Instant start = Instant.now();
        switch (c.argv().get(0)) {
            case "echo" -> {
                return CompletableFuture.completedFuture(ok(c, start, String.join(" ", c.argv().subList(1, c.argv().size()))));
            }
            case "hold" -> {
                CompletableFuture<CommandResult> f = new CompletableFuture<>();
                held.put(c.id(), f);
                return f;
            }
            case "emit" -> {
                int n = Integer.parseInt(c.argv().get(1));
                byte[] chunk = "x".repeat(1024).getBytes(StandardCharsets.UTF_8);
                return CompletableFuture.supplyAsync(() -> {
                    for (int i = 0; i < n; i++) {
                        listener.onOutput(c.id(), OutputListener.Stream.STDOUT, chunk);
                    }
                    return ok(c, start, "emitted " + n);
                });
            }
            default -> {
                return CompletableFuture.completedFuture(CommandResult.failed(c.id(), nodeId,
                        CommandResult.Status.FAILED_TO_START, start, Duration.ZERO, "unknown " + c.argv().get(0)));
            }
        }
    }

    /** Completes a held command with exit code 0 and the given stdout. */
    void release(String commandId, String stdout) {
        held.remove(commandId).complete(new CommandResult(commandId, nodeId, CommandResult.Status.COMPLETED, 0,
                stdout, "", false, Instant.now(), Duration.ofMillis(1), null));
    }

    private CommandResult ok(Command c, Instant start, String out) {
        return new CommandResult(c.id(), nodeId, CommandResult.Status.COMPLETED, 0, out, "", false, start,
                Duration.between(start, Instant.now()), null);
    }

    @Override
    public boolean cancel(String commandId) {
        CompletableFuture<CommandResult> f = held.remove(commandId);
        if (f == null) {
            return false;
        }
        return f.complete(CommandResult.failed(commandId, nodeId, CommandResult.Status.CANCELLED, Instant.now(),
                Duration.ZERO, "cancelled"));
    }
}
