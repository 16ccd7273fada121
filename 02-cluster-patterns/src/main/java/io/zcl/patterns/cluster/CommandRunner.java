package io.zcl.patterns.cluster;

import io.zcl.patterns.protocol.Messages.TaskResult;
import io.zcl.patterns.protocol.Messages.TaskSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Runs one task's command as a child process, with a timeout and a bounded output. */
public final class CommandRunner {

    /** Output kept per task: a result is a status line, not a log file. */
    public static final int MAX_OUTPUT_BYTES = 64 * 1024;
    /** Exit codes borrowed from the shell: 124 like timeout(1), 127 "command not found". */
    public static final int EXIT_TIMEOUT = 124;
    public static final int EXIT_NOT_STARTED = 127;

    /**
     * Runs the command to its end, its timeout, or until {@code keepGoing} turns false (the worker
     * is stopping), whichever comes first. Output goes to a temporary file rather than a pipe so a
     * chatty command can never block on a full pipe while we wait for it.
     */
    public static TaskResult run(TaskSpec spec, BooleanSupplier keepGoing) {
        long started = System.nanoTime();
        Path output = null;
        Process process = null;
        try {
            output = Files.createTempFile("zcl-task-", ".out");
            process = new ProcessBuilder(spec.argv())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            long deadline = started + TimeUnit.MILLISECONDS.toNanos(spec.timeoutMs());
            while (!process.waitFor(50, TimeUnit.MILLISECONDS)) {
                if (!keepGoing.getAsBoolean() || System.nanoTime() >= deadline) {
                    process.destroyForcibly().waitFor(1, TimeUnit.SECONDS);
                    return new TaskResult(EXIT_TIMEOUT, "stopped after " + elapsedMs(started) + " ms",
                            elapsedMs(started));
                }
            }
            return new TaskResult(process.exitValue(), readCapped(output), elapsedMs(started));
        } catch (IOException e) {
            return new TaskResult(EXIT_NOT_STARTED, String.valueOf(e.getMessage()), elapsedMs(started));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new TaskResult(EXIT_TIMEOUT, "interrupted", elapsedMs(started));
        } finally {
            if (process != null && process.isAlive()) {
                process.destroyForcibly();
            }
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // A leftover temp file is harmless; the result matters more.
                }
            }
        }
    }

    private static String readCapped(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(MAX_OUTPUT_BYTES), StandardCharsets.UTF_8).strip();
        }
    }

    private static long elapsedMs(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    private CommandRunner() {
    }
}
