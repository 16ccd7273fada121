package io.zcl.runner.local;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.CommandResult.Status;
import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.api.OutputListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs commands as local processes: the "node" is this machine. Used for tests, the in-process
 * simulation (each simulated node gets its own environment and PATH, so it can find emulated
 * tools and carry injected faults) and as the model the agent on a real node follows.
 *
 * <ul>
 *   <li>argv is executed directly (no shell), with the working directory of the command or the
 *       executor's default.</li>
 *   <li>Environment: this JVM's environment, then the node's base environment, then the
 *       command's; the PATH prefix, if any, goes in front of the resulting PATH. argv[0] is
 *       looked up on the node's own PATH (this JVM's or the base environment's, behind the
 *       prefix), never on a PATH the command sets.</li>
 *   <li>stdout and stderr are streamed to the listener in chunks as they arrive and captured up
 *       to {@link Settings#captureLimitBytes()} each; beyond that the result says
 *       outputTruncated.</li>
 *   <li>At most {@link Settings#maxConcurrentCommands()} commands run at once; more wait in
 *       arrival order.</li>
 *   <li>A timeout or a cancel kills the process and everything it started.</li>
 * </ul>
 */
public final class LocalNodeExecutor implements NodeExecutor, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalNodeExecutor.class);

    /** Readers of process output, shared: a reader lives as long as its process's pipe. */
    private static final ExecutorService IO = Executors.newCachedThreadPool(daemonThreads("local-exec-io"));

    /**
     * How long to wait for output to end after the process exits. Output stays open past exit
     * only when a background child inherited the pipe; the result should not wait for it.
     */
    private static final Duration OUTPUT_GRACE = Duration.ofSeconds(2);
    /** A longer timeout is waited as this one (about 73 years): as good as forever, and no overflow. */
    private static final Duration MAX_WAIT = Duration.ofNanos(Long.MAX_VALUE / 4);
    private static final int READ_CHUNK = 64 * 1024;

    /**
     * @param maxConcurrentCommands commands running at once on this node; the rest queue
     * @param captureLimitBytes     bytes kept per stream in the result (listeners see all)
     * @param defaultCwd            working directory when the command names none; null = this JVM's
     */
    public record Settings(int maxConcurrentCommands, int captureLimitBytes, Path defaultCwd) {

        /** Enough for a perf tool's report many times over; bounds memory when one goes wild. */
        public static final int DEFAULT_CAPTURE_LIMIT = 16 * 1024 * 1024;
        /** A perf test runs one to a few commands per node (server + client, a monitor). */
        public static final int DEFAULT_MAX_CONCURRENT = 4;

        public Settings {
            if (maxConcurrentCommands < 1) {
                throw new IllegalArgumentException("maxConcurrentCommands must be >= 1, got " + maxConcurrentCommands);
            }
            if (captureLimitBytes < 0) {
                throw new IllegalArgumentException("captureLimitBytes must be >= 0, got " + captureLimitBytes);
            }
        }

        public static Settings defaults() {
            return new Settings(DEFAULT_MAX_CONCURRENT, DEFAULT_CAPTURE_LIMIT, null);
        }

        public Settings withMaxConcurrentCommands(int max) {
            return new Settings(max, captureLimitBytes, defaultCwd);
        }

        public Settings withCaptureLimitBytes(int limit) {
            return new Settings(maxConcurrentCommands, limit, defaultCwd);
        }

        public Settings withDefaultCwd(Path cwd) {
            return new Settings(maxConcurrentCommands, captureLimitBytes, cwd);
        }
    }

    private enum Kill { NONE, TIMEOUT, CANCEL }

    private final String nodeId;
    private final Map<String, String> baseEnv;
    private final Path pathPrefix;
    private final Settings settings;
    private final ThreadPoolExecutor runners;
    private final Map<String, Execution> active = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean closed;
    /** Test hook: runs right after a process started, before its supervision is set up. */
    private volatile java.util.function.Consumer<Process> afterStart = p -> { };

    public LocalNodeExecutor(String nodeId, Map<String, String> baseEnv, Path pathPrefix) {
        this(nodeId, baseEnv, pathPrefix, Settings.defaults());
    }

    /**
     * @param nodeId     the node this executor stands for
     * @param baseEnv    the node's own environment on top of this JVM's (e.g. injected faults)
     * @param pathPrefix a directory searched before PATH (emulated tools), or null
     * @param settings   concurrency, capture limit, default working directory
     */
    public LocalNodeExecutor(String nodeId, Map<String, String> baseEnv, Path pathPrefix, Settings settings) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.baseEnv = baseEnv == null ? Map.of() : Map.copyOf(baseEnv);
        this.pathPrefix = pathPrefix;
        this.settings = Objects.requireNonNull(settings, "settings");
        int threads = settings.maxConcurrentCommands();
        this.runners = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemonThreads("local-" + nodeId));
        this.runners.allowCoreThreadTimeOut(true);
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    public Settings settings() {
        return settings;
    }

    /** Test hook: called with each process right after it started, before its supervision is set up. */
    LocalNodeExecutor afterStart(java.util.function.Consumer<Process> hook) {
        this.afterStart = hook;
        return this;
    }

    /** Commands whose process is running now. */
    public int running() {
        return running.get();
    }

    /** Commands accepted and not finished: running plus waiting for a slot. */
    public int active() {
        return active.size();
    }

    /**
     * Runs the command. A command id that is still active returns the same future (a re-sent RUN
     * is not run twice); once finished, the id may be reused.
     */
    @Override
    public CompletableFuture<CommandResult> run(Command command, OutputListener listener) {
        Objects.requireNonNull(command, "command");
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("executor for " + nodeId + " is closed"));
        }
        Execution execution = new Execution(command, listener == null ? OutputListener.NONE : listener);
        Execution existing = active.putIfAbsent(command.id(), execution);
        if (existing != null) {
            return existing.result;
        }
        try {
            runners.execute(execution);
        } catch (RejectedExecutionException e) {
            active.remove(command.id(), execution);
            return CompletableFuture.failedFuture(new IllegalStateException("executor for " + nodeId + " is closed"));
        }
        if (closed) {
            // close() ran between the check above and execute(): do not let this one slip through.
            execution.cancel();
        }
        return execution.result;
    }

    @Override
    public boolean cancel(String commandId) {
        Execution execution = active.get(commandId);
        return execution != null && execution.cancel();
    }

    /** Kills running commands; waiting ones finish CANCELLED without starting. Further runs fail. */
    @Override
    public void close() {
        closed = true;
        active.values().forEach(Execution::cancel);
        runners.shutdown();
    }

    private Map<String, String> environment(Command command) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(baseEnv);
        env.putAll(command.env());
        if (pathPrefix != null) {
            String path = env.get("PATH");
            env.put("PATH", path == null || path.isEmpty() ? pathPrefix.toString() : pathPrefix + File.pathSeparator + path);
        }
        return env;
    }

    /**
     * The PATH argv[0] is looked up on: this node's own (this JVM's, then the node's base
     * environment, with the prefix in front), never one a command brings, so a command cannot
     * make a bare name such as "gpu_burn" mean a program of its choosing.
     */
    private String lookupPath() {
        String path = baseEnv.containsKey("PATH") ? baseEnv.get("PATH") : System.getenv("PATH");
        if (pathPrefix == null) {
            return path;
        }
        return path == null || path.isEmpty() ? pathPrefix.toString() : pathPrefix + File.pathSeparator + path;
    }

    /** One command from queued to finished. */
    private final class Execution implements Runnable {

        private final Command command;
        private final OutputListener listener;
        private final CompletableFuture<CommandResult> result = new CompletableFuture<>();
        private boolean cancelRequested;
        private Process process;
        private Kill kill = Kill.NONE;
        private boolean finished;
        private boolean listenerFailed;

        Execution(Command command, OutputListener listener) {
            this.command = command;
            this.listener = listener;
        }

        /** True when the command was waiting or running and is now being stopped. */
        synchronized boolean cancel() {
            if (finished) {
                return false;
            }
            cancelRequested = true;
            if (process != null && process.isAlive() && kill == Kill.NONE) {
                kill = Kill.CANCEL;
                ProcessTree.kill(process.toHandle());
            }
            return true;
        }

        @Override
        public void run() {
            CommandResult outcome;
            try {
                outcome = execute();
            } catch (RuntimeException | Error e) {
                markFinished();
                result.completeExceptionally(e);
                throw e;
            }
            // Finished before the future completes, so a cancel() seen after the result returns false.
            markFinished();
            result.complete(outcome);
        }

        private void markFinished() {
            synchronized (this) {
                finished = true;
            }
            active.remove(command.id(), this);
        }

        private CommandResult execute() {
            Instant queuedStart = Instant.now();
            synchronized (this) {
                if (cancelRequested) {
                    return CommandResult.failed(command.id(), nodeId, Status.CANCELLED, queuedStart, Duration.ZERO,
                            "cancelled before it started");
                }
            }
            Map<String, String> env = environment(command);
            String program = command.argv().get(0);
            String lookupPath = lookupPath();
            String resolved = ExecutableLookup.find(program, lookupPath).orElse(null);
            if (resolved == null) {
                return CommandResult.failed(command.id(), nodeId, Status.FAILED_TO_START, queuedStart, Duration.ZERO,
                        "program '" + program + "' not found on PATH " + lookupPath);
            }
            List<String> argv = new java.util.ArrayList<>(command.argv());
            argv.set(0, resolved);
            ProcessBuilder builder = new ProcessBuilder(argv);
            builder.environment().clear();
            builder.environment().putAll(env);
            Path cwd = command.cwd() != null ? Path.of(command.cwd()) : settings.defaultCwd();
            if (cwd != null) {
                builder.directory(cwd.toFile());
            }

            Instant started = Instant.now();
            long t0 = System.nanoTime();
            Process p;
            synchronized (this) {
                try {
                    p = builder.start();
                } catch (IOException e) {
                    return CommandResult.failed(command.id(), nodeId, Status.FAILED_TO_START, started, elapsed(t0),
                            e.getMessage());
                }
                process = p;
                if (cancelRequested) {
                    kill = Kill.CANCEL;
                    ProcessTree.kill(p.toHandle());
                }
            }
            running.incrementAndGet();
            try {
                afterStart.accept(p);
                closeQuietly(p);
                BoundedCapture out = new BoundedCapture(settings.captureLimitBytes());
                BoundedCapture err = new BoundedCapture(settings.captureLimitBytes());
                CompletableFuture<Void> outDone = pump(p.getInputStream(), OutputListener.Stream.STDOUT, out);
                CompletableFuture<Void> errDone = pump(p.getErrorStream(), OutputListener.Stream.STDERR, err);

                if (!waitFor(p, command.timeout())) {
                    synchronized (this) {
                        if (kill == Kill.NONE) {
                            kill = Kill.TIMEOUT;
                            ProcessTree.kill(p.toHandle());
                        }
                    }
                    waitFor(p, Duration.ofSeconds(30));
                }
                String note = awaitOutput(outDone, errDone);
                Duration duration = elapsed(t0);
                Kill how;
                synchronized (this) {
                    how = kill;
                }
                boolean truncated = out.truncated() || err.truncated();
                return switch (how) {
                    case NONE -> new CommandResult(command.id(), nodeId, Status.COMPLETED, p.exitValue(), out.text(),
                            err.text(), truncated, started, duration, note);
                    case TIMEOUT -> new CommandResult(command.id(), nodeId, Status.TIMED_OUT, -1, out.text(), err.text(),
                            truncated, started, duration, "timed out after " + command.timeout().toMillis() + " ms; killed");
                    case CANCEL -> new CommandResult(command.id(), nodeId, Status.CANCELLED, -1, out.text(), err.text(),
                            truncated, started, duration, closed ? "cancelled: executor closed" : "cancelled");
                };
            } catch (RuntimeException | Error e) {
                // Whatever failed while supervising it, a process we started must not outlive its
                // supervision: once this Execution is finished, cancel() can no longer reach it.
                synchronized (this) {
                    if (kill == Kill.NONE) {
                        kill = Kill.CANCEL;
                    }
                }
                ProcessTree.kill(p.toHandle());
                throw e;
            } finally {
                running.decrementAndGet();
            }
        }

        /** Waits for exit without giving up on an interrupt (the pool is shut down gently, never interrupted). */
        private boolean waitFor(Process p, Duration timeout) {
            // Saturated: Duration.toNanos() throws beyond about 292 years, and the sum must not overflow either.
            long nanos = timeout.compareTo(MAX_WAIT) > 0 ? MAX_WAIT.toNanos() : timeout.toNanos();
            long deadline = System.nanoTime() + nanos;
            while (true) {
                try {
                    return p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    cancel();
                }
            }
        }

        private String awaitOutput(CompletableFuture<Void> outDone, CompletableFuture<Void> errDone) {
            try {
                CompletableFuture.allOf(outDone, errDone).get(OUTPUT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                return null;
            } catch (TimeoutException e) {
                return "output still open " + OUTPUT_GRACE.toMillis()
                        + " ms after exit (a background process holds it); captured so far";
            } catch (ExecutionException e) {
                return "reading output failed: " + e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted while reading output";
            }
        }

        private CompletableFuture<Void> pump(InputStream in, OutputListener.Stream stream, BoundedCapture capture) {
            return CompletableFuture.runAsync(() -> {
                byte[] buffer = new byte[READ_CHUNK];
                try (in) {
                    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                        if (n == 0) {
                            continue;
                        }
                        capture.add(buffer, n);
                        deliver(stream, Arrays.copyOf(buffer, n));
                    }
                } catch (IOException e) {
                    // The pipe closes under us when the process is killed: the output simply ends.
                }
            }, IO);
        }

        private void deliver(OutputListener.Stream stream, byte[] chunk) {
            try {
                listener.onOutput(command.id(), stream, chunk);
            } catch (RuntimeException e) {
                // A broken listener must not stop the draining, or the process blocks on a full pipe.
                synchronized (this) {
                    if (!listenerFailed) {
                        listenerFailed = true;
                        log.warn("output listener failed for command {} on {}; further output is only captured",
                                command.id(), nodeId, e);
                    }
                }
            }
        }
    }

    /** The commands get no input: stdin is closed at once, so a tool that reads it sees EOF rather than hanging. */
    private static void closeQuietly(Process p) {
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // Already closed by an early exit; nothing to release.
        }
    }

    private static Duration elapsed(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
