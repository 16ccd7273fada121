package io.zcl.runner.local;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.CommandResult.Status;
import io.zcl.runner.api.OutputListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class LocalNodeExecutorTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<LocalNodeExecutor> executors = new ArrayList<>();

    @AfterEach
    void closeExecutors() {
        executors.forEach(LocalNodeExecutor::close);
    }

    private LocalNodeExecutor executor(Map<String, String> env, Path pathPrefix, LocalNodeExecutor.Settings settings) {
        LocalNodeExecutor executor = new LocalNodeExecutor("node-1", env, pathPrefix, settings);
        executors.add(executor);
        return executor;
    }

    private LocalNodeExecutor executor() {
        return executor(Map.of(), null, LocalNodeExecutor.Settings.defaults());
    }

    private static CommandResult resultOf(CompletableFuture<CommandResult> future) throws Exception {
        return future.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void reportsExitCodeStdoutAndStderrSeparately() throws Exception {
        CommandResult result = resultOf(executor().run(Command.of("sh", "-c", "echo out; echo err >&2; exit 3")));

        assertThat(result.status()).isEqualTo(Status.COMPLETED);
        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.succeeded()).isFalse();
        assertThat(result.stdout()).isEqualTo("out\n");
        assertThat(result.stderr()).isEqualTo("err\n");
        assertThat(result.nodeId()).isEqualTo("node-1");
        assertThat(result.outputTruncated()).isFalse();
    }

    @Test
    void streamsOutputToTheListenerWhileRunning() throws Exception {
        Path go = dir.resolve("go");
        StringBuilder seen = new StringBuilder();
        OutputListener listener = (id, stream, chunk) -> {
            synchronized (seen) {
                seen.append(new String(chunk));
            }
        };
        CompletableFuture<CommandResult> future = executor().run(Command.of("sh", "-c",
                "echo first; while [ ! -e '" + go + "' ]; do sleep 0.01; done; echo second"), listener);

        await().atMost(DEADLINE).until(() -> {
            synchronized (seen) {
                return seen.toString().equals("first\n");
            }
        });
        assertThat(future).isNotDone();
        Files.createFile(go);
        assertThat(resultOf(future).stdout()).isEqualTo("first\nsecond\n");
        assertThat(seen).hasToString("first\nsecond\n");
    }

    @Test
    void environmentIsJvmThenNodeThenCommandAndThePathPrefixFindsTools() throws Exception {
        Path tools = Files.createDirectory(dir.resolve("tools"));
        Path tool = tools.resolve("zcl-fake-tool");
        Files.writeString(tool, "#!/bin/sh\necho \"tool node=$NODE_VAR both=$BOTH cmd=$CMD_VAR home=${HOME:+set}\"\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        LocalNodeExecutor executor = executor(Map.of("NODE_VAR", "n", "BOTH", "node"), tools, LocalNodeExecutor.Settings.defaults());

        Command command = Command.of("zcl-fake-tool").withEnv(Map.of("CMD_VAR", "c", "BOTH", "command"));
        CommandResult result = resultOf(executor.run(command));

        assertThat(result.stdout()).isEqualTo("tool node=n both=command cmd=c home=" + (System.getenv("HOME") == null ? "" : "set") + "\n");
        CommandResult path = resultOf(executor.run(Command.of("sh", "-c", "echo $PATH")));
        assertThat(path.stdout()).startsWith(tools + ":");
    }

    @Test
    void runsInTheCommandsWorkingDirectory() throws Exception {
        Command pwd = new Command("pwd-1", List.of("pwd"), Map.of(), dir.toString(), null);

        assertThat(resultOf(executor().run(pwd)).stdout().strip()).isEqualTo(dir.toRealPath().toString());
    }

    /** Issue 15: argv[0] is looked up on the node's own PATH, never on a PATH the command brings. */
    @Test
    void aBareProgramIsLookedUpOnTheNodesPathNotOnOneTheCommandSets() throws Exception {
        Path evil = Files.createDirectories(dir.resolve("evil"));
        Path tool = evil.resolve("zcl-planted-tool");
        Files.writeString(tool, "#!/bin/sh\necho planted\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));

        CommandResult planted = resultOf(executor().run(Command.of("zcl-planted-tool")
                .withEnv(Map.of("PATH", evil.toString()))));

        assertThat(planted.status()).isEqualTo(Status.FAILED_TO_START);
        assertThat(planted.error()).startsWith("program 'zcl-planted-tool' not found on PATH ")
                .doesNotContain(evil.toString());
        CommandResult onPrefix = resultOf(executor(Map.of(), evil, LocalNodeExecutor.Settings.defaults())
                .run(Command.of("zcl-planted-tool")));
        assertThat(onPrefix.stdout()).isEqualTo("planted\n");
    }

    @Test
    void aCommandThatCannotStartSaysWhy() throws Exception {
        LocalNodeExecutor executor = executor();

        CommandResult missing = resultOf(executor.run(Command.of("zcl-no-such-program")));
        assertThat(missing.status()).isEqualTo(Status.FAILED_TO_START);
        assertThat(missing.exitCode()).isEqualTo(-1);
        assertThat(missing.error()).startsWith("program 'zcl-no-such-program' not found on PATH ");

        CommandResult badPath = resultOf(executor.run(Command.of("/nonexistent/zcl-tool")));
        assertThat(badPath.status()).isEqualTo(Status.FAILED_TO_START);
        assertThat(badPath.error()).contains("/nonexistent/zcl-tool");

        CommandResult badCwd = resultOf(executor.run(new Command("c", List.of("pwd"), Map.of(), dir.resolve("nope").toString(), null)));
        assertThat(badCwd.status()).isEqualTo(Status.FAILED_TO_START);
        assertThat(badCwd.error()).contains("nope");
    }

    @Test
    void aTimeoutKillsTheProcessQuickly() throws Exception {
        long t0 = System.nanoTime();
        CommandResult result = resultOf(executor().run(Command.of("sleep", "30").withTimeout(Duration.ofMillis(300))));

        assertThat(result.status()).isEqualTo(Status.TIMED_OUT);
        assertThat(result.error()).isEqualTo("timed out after 300 ms; killed");
        assertThat(result.duration()).isBetween(Duration.ofMillis(250), Duration.ofSeconds(5));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aTimeoutKillsTheWholeProcessTree() throws Exception {
        AtomicLong grandchild = new AtomicLong();
        OutputListener pidCatcher = (id, stream, chunk) -> {
            String text = new String(chunk).strip();
            if (text.matches("\\d+")) {
                grandchild.set(Long.parseLong(text));
            }
        };
        CompletableFuture<CommandResult> future = executor().run(
                Command.of("sh", "-c", "sleep 30 & echo $!; wait").withTimeout(Duration.ofMillis(500)), pidCatcher);

        CommandResult result = resultOf(future);
        assertThat(result.status()).isEqualTo(Status.TIMED_OUT);
        assertThat(grandchild.get()).isPositive();
        await().atMost(DEADLINE).until(() -> isDead(grandchild.get()));
    }

    /**
     * A killed orphan stays a zombie until the init process reaps it, and the JDK calls a zombie
     * alive; on Linux, read its state instead.
     */
    private static boolean isDead(long pid) {
        Path stat = Path.of("/proc/" + pid + "/stat");
        if (Files.isDirectory(Path.of("/proc/self"))) {
            try {
                String text = Files.readString(stat);
                return text.substring(text.lastIndexOf(')') + 2).startsWith("Z");
            } catch (IOException gone) {
                return true;
            }
        }
        return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
    }

    /**
     * Issue 15 item 6: a timeout whose nanoseconds overflow a long (from about 9.22e12 ms) threw an
     * ArithmeticException after the process started; the result said FAILED_TO_START and the
     * process ran on, out of reach of CANCEL. It is now waited for as "forever", and cancellable.
     */
    @Test
    void aTimeoutTooLongForNanosecondsStillLeavesTheCommandSupervised() throws Exception {
        LocalNodeExecutor executor = executor();
        Command sleep = Command.of("sleep", "30").withTimeout(Duration.ofMillis(9_300_000_000_000L));
        CompletableFuture<CommandResult> future = executor.run(sleep);
        await().atMost(DEADLINE).until(() -> executor.running() == 1);

        assertThat(executor.cancel(sleep.id())).isTrue();
        assertThat(resultOf(future).status()).isEqualTo(Status.CANCELLED);
    }

    /**
     * Issue 15 item 6: whatever throws between {@code builder.start()} and the wait (here a test
     * hook), the process that was started is killed, not left running unsupervised.
     */
    @Test
    void aProcessWhoseSupervisionFailsToSetUpIsKilled() throws Exception {
        AtomicLong pid = new AtomicLong();
        LocalNodeExecutor executor = executor().afterStart(p -> {
            pid.set(p.pid());
            throw new IllegalStateException("injected: supervision setup failed");
        });
        CompletableFuture<CommandResult> future = executor.run(Command.of("sleep", "30"));

        assertThatThrownBy(() -> resultOf(future)).hasMessageContaining("injected: supervision setup failed");
        assertThat(pid.get()).isPositive();
        // The executor's pool thread rethrows the failure after completing the future (uncaught there
        // on purpose); Awaitility would otherwise report it as this wait's failure, depending on timing.
        await().dontCatchUncaughtExceptions().atMost(DEADLINE).until(() -> isDead(pid.get()));
        assertThat(executor.running()).isZero();
    }

    @Test
    void largeOutputIsStreamedInFullButCapturedUpToTheLimit() throws Exception {
        int limit = 1024 * 1024;
        LocalNodeExecutor executor = executor(Map.of(), null, LocalNodeExecutor.Settings.defaults().withCaptureLimitBytes(limit));
        AtomicLong streamed = new AtomicLong();

        CommandResult result = resultOf(executor.run(Command.of("head", "-c", "52428800", "/dev/zero"),
                (id, stream, chunk) -> streamed.addAndGet(chunk.length)));

        assertThat(result.succeeded()).isTrue();
        assertThat(streamed.get()).isEqualTo(52_428_800L);
        assertThat(result.stdout()).hasSize(limit);
        assertThat(result.outputTruncated()).isTrue();
        assertThat(LocalNodeExecutor.Settings.defaults().captureLimitBytes()).isEqualTo(16 * 1024 * 1024);
    }

    @Test
    void cancelStopsARunningCommand() throws Exception {
        LocalNodeExecutor executor = executor();
        Command sleep = Command.of("sleep", "30");
        CompletableFuture<CommandResult> future = executor.run(sleep);
        await().atMost(DEADLINE).until(() -> executor.running() == 1);

        assertThat(executor.cancel(sleep.id())).isTrue();
        CommandResult result = resultOf(future);

        assertThat(result.status()).isEqualTo(Status.CANCELLED);
        assertThat(result.duration()).isLessThan(Duration.ofSeconds(5));
        assertThat(executor.cancel(sleep.id())).as("already finished").isFalse();
        assertThat(executor.cancel("no-such-command")).isFalse();
    }

    @Test
    void concurrencyIsBoundedPerNodeAndExtraCommandsQueue() throws Exception {
        LocalNodeExecutor executor = executor(Map.of(), null, LocalNodeExecutor.Settings.defaults().withMaxConcurrentCommands(2));
        Path go = dir.resolve("go");
        List<CompletableFuture<CommandResult>> futures = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            futures.add(executor.run(Command.of("sh", "-c",
                    "touch '" + dir.resolve("started-" + i) + "'; while [ ! -e '" + go + "' ]; do sleep 0.01; done")));
        }

        await().atMost(DEADLINE).until(() -> executor.running() == 2 && startedFiles() == 2);
        assertThat(executor.active()).isEqualTo(5);
        Files.createFile(go);
        for (CompletableFuture<CommandResult> future : futures) {
            assertThat(resultOf(future).succeeded()).isTrue();
        }
        assertThat(startedFiles()).isEqualTo(5);
    }

    @Test
    void aQueuedCommandCanBeCancelledBeforeItStarts() throws Exception {
        LocalNodeExecutor executor = executor(Map.of(), null, LocalNodeExecutor.Settings.defaults().withMaxConcurrentCommands(1));
        Command blocker = Command.of("sleep", "30");
        Command queued = Command.of("touch", dir.resolve("must-not-exist").toString());
        CompletableFuture<CommandResult> first = executor.run(blocker);
        CompletableFuture<CommandResult> second = executor.run(queued);
        await().atMost(DEADLINE).until(() -> executor.running() == 1);

        assertThat(executor.cancel(queued.id())).isTrue();
        executor.cancel(blocker.id());

        assertThat(resultOf(second).status()).isEqualTo(Status.CANCELLED);
        assertThat(resultOf(second).error()).isEqualTo("cancelled before it started");
        assertThat(resultOf(first).status()).isEqualTo(Status.CANCELLED);
        assertThat(dir.resolve("must-not-exist")).doesNotExist();
    }

    @Test
    void aRepeatedIdWhileRunningIsTheSameCommandAndClosingStopsEverything() throws Exception {
        LocalNodeExecutor executor = executor();
        Command sleep = Command.of("sleep", "30");
        CompletableFuture<CommandResult> first = executor.run(sleep);

        assertThat(executor.run(sleep)).isSameAs(first);
        await().atMost(DEADLINE).until(() -> executor.running() == 1);
        executor.close();

        CommandResult result = resultOf(first);
        assertThat(result.status()).isEqualTo(Status.CANCELLED);
        assertThat(result.error()).isEqualTo("cancelled: executor closed");
        assertThat(executor.run(Command.of("true"))).failsWithin(DEADLINE)
                .withThrowableThat().havingCause().isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheCommand() throws Exception {
        CommandResult result = resultOf(executor().run(Command.of("sh", "-c", "echo a; echo b"),
                (id, stream, chunk) -> {
                    throw new IllegalStateException("listener bug");
                }));

        assertThat(result.succeeded()).isTrue();
        assertThat(result.stdout()).isEqualTo("a\nb\n");
    }

    private long startedFiles() throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("started-")).count();
        }
    }
}
