package io.zcl.runner.perftools;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.SystemConfiguration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs emulated tools as real processes the way a simulated node does: the node's
 * {@link EmulationEnv} plus the command's own env, the tools folder first on PATH (and argv[0]
 * resolved on that PATH, see {@link EmulatedTools#which}), a timeout that kills. Output goes to
 * files, so a full pipe can never stall a tool.
 */
final class ToolRunner {

    private final Path toolsDir;
    private final Path scratch;
    private final Map<Process, Path[]> outputs = new HashMap<>();

    ToolRunner(Path toolsDir, Path scratch) {
        this.toolsDir = toolsDir;
        this.scratch = scratch;
    }

    /** Starts a tool and returns the live process (caller waits and kills). */
    Process start(Map<String, String> nodeEnv, Map<String, String> commandEnv, List<String> argv) throws IOException {
        String path = EmulatedTools.pathWith(toolsDir, System.getenv("PATH"));
        List<String> resolved = new ArrayList<>(argv);
        resolved.set(0, EmulatedTools.which(argv.get(0), path).map(Path::toString).orElse(argv.get(0)));
        ProcessBuilder pb = new ProcessBuilder(resolved);
        Map<String, String> env = pb.environment();
        env.putAll(nodeEnv);
        env.putAll(commandEnv);
        env.put("PATH", path);
        Path out = Files.createTempFile(scratch, "out", ".txt");
        Path err = Files.createTempFile(scratch, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        outputs.put(p, new Path[] {out, err});
        return p;
    }

    String stdout(Process p) throws IOException {
        return Files.readString(outputs.get(p)[0], StandardCharsets.UTF_8);
    }

    String stderr(Process p) throws IOException {
        return Files.readString(outputs.get(p)[1], StandardCharsets.UTF_8);
    }

    /** Runs a command on a node with this profile and fault, like a NodeExecutor would. */
    CommandResult run(String nodeId, SystemConfiguration cfg, Fault fault, Command command) throws Exception {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        Process p = start(EmulationEnv.forNode(cfg, fault), command.env(), command.argv());
        try {
            boolean exited = p.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            if (!exited) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                return CommandResult.failed(command.id(), nodeId, CommandResult.Status.TIMED_OUT, started, took,
                        "killed after " + command.timeout());
            }
            return new CommandResult(command.id(), nodeId, CommandResult.Status.COMPLETED, p.exitValue(), stdout(p),
                    stderr(p), false, started, took, null);
        } finally {
            p.destroyForcibly();
        }
    }
}
