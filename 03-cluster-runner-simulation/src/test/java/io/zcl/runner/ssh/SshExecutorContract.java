package io.zcl.runner.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.CommandResult.Status;
import io.zcl.runner.api.OutputListener;
import io.zcl.runner.ssh.SshSettings.HostKeyPolicy;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an {@link SshNodeExecutor} promises, checked against a real server: the embedded MINA
 * server and OpenSSH's sshd each run this whole class (see the subclasses). One server and one
 * connection serve the plain tests; tests that break things (restart, wrong keys, MaxSessions)
 * start their own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
abstract class SshExecutorContract {

    /** A server under test, whatever its kind. */
    interface Server extends AutoCloseable {
        String host();

        int port();

        String knownHostsLine();

        /** Kills the server and every connection it has. */
        void stop();

        /** Starts it again on the same port with the same host key. */
        void restart();

        @Override
        void close();
    }

    /** Starts a server accepting {@code userKey}; maxSessions 0 = the server's default. */
    protected abstract Server startServer(KeyPair userKey, int maxSessions, Path dir);

    Path dir;

    KeyPair userKey;
    Path keyFile;
    Server server;
    SshNodeExecutor executor;

    @BeforeAll
    void startSharedServer(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        keyFile = dir.resolve("id_ecdsa");
        userKey = SshKeys.generateKeyFile(keyFile, "test");
        server = startServer(userKey, 0, dir.resolve("shared"));
        executor = SshNodeExecutor.open("node-1", server.host(), server.port(), settingsTrusting(server, "shared"));
    }

    @AfterAll
    void stopSharedServer() {
        if (executor != null) {
            executor.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** Settings whose known_hosts lists exactly this server (strict checking). */
    SshSettings settingsTrusting(Server s, String name) throws Exception {
        Path knownHosts = dir.resolve("known_hosts-" + name);
        Files.writeString(knownHosts, s.knownHostsLine() + "\n");
        return SshSettings.defaults(currentUser(), keyFile, knownHosts);
    }

    static String currentUser() {
        return System.getProperty("user.name");
    }

    static CommandResult run(SshNodeExecutor ex, Command command) throws Exception {
        return ex.run(command).get(30, TimeUnit.SECONDS);
    }

    @Test
    void exitCodeStdoutAndStderrComeBackSeparately() throws Exception {
        CommandResult r = run(executor, Command.of("sh", "-c", "echo out; echo err >&2; exit 3"));

        assertThat(r.status()).isEqualTo(Status.COMPLETED);
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(r.outputTruncated()).isFalse();
        assertThat(r.succeeded()).isFalse();
        assertThat(r.nodeId()).isEqualTo("node-1");
    }

    @Test
    void everyArgumentArrivesAsExactlyOneWordWhateverItContains() throws Exception {
        List<String> args = List.of("a b", "it's", "$HOME", "`id`", "\"dq\"", "", "back\\slash", "*", "semi;colon",
                "new\nline", "tab\there", "-n", "A=B", "ünï", "$(echo no)");
        List<String> argv = new ArrayList<>(List.of("printf", "[%s]"));
        argv.addAll(args);
        CommandResult r = run(executor, new Command(UUID.randomUUID().toString(), argv, Map.of(), null,
                Duration.ofSeconds(10)));

        StringBuilder expected = new StringBuilder();
        args.forEach(a -> expected.append('[').append(a).append(']'));
        assertThat(r.status()).isEqualTo(Status.COMPLETED);
        assertThat(r.stdout()).isEqualTo(expected.toString());
    }

    @Test
    void environmentVariablesReachTheProgramVerbatim() throws Exception {
        Command c = Command.of("sh", "-c", "printf '%s|%s|%s' \"$ZCL_A\" \"$ZCL_B\" \"$OMPI_COMM_WORLD_RANK\"")
                .withEnv(Map.of("ZCL_A", "x y", "ZCL_B", "it's $HOME", "OMPI_COMM_WORLD_RANK", "3"));

        CommandResult r = run(executor, c);

        assertThat(r.stdout()).isEqualTo("x y|it's $HOME|3");
    }

    @Test
    void theWorkingDirectoryIsTheCommandsOrAStartFailure() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work dir"));
        CommandResult inDir = run(executor, new Command("cwd-1", List.of("pwd"), Map.of(), work.toString(),
                Duration.ofSeconds(10)));
        CommandResult missing = run(executor, new Command("cwd-2", List.of("pwd"), Map.of(), "/no/such/dir",
                Duration.ofSeconds(10)));

        assertThat(inDir.stdout().strip()).isEqualTo(work.toRealPath().toString());
        assertThat(missing.status()).isEqualTo(Status.FAILED_TO_START);
        assertThat(missing.error()).contains("/no/such/dir");
    }

    @Test
    void aProgramThatDoesNotExistFailsToStartWithTheReason() throws Exception {
        CommandResult r = run(executor, Command.of("no-such-program-zcl", "arg"));

        assertThat(r.status()).isEqualTo(Status.FAILED_TO_START);
        assertThat(r.error()).contains("program 'no-such-program-zcl' not found on PATH");
        assertThat(r.exitCode()).isEqualTo(-1);
    }

    @Test
    void anInvalidEnvironmentNameFailsToStartWithoutReachingTheNode() throws Exception {
        CommandResult r = run(executor, Command.of("true").withEnv(Map.of("BAD NAME", "x")));

        assertThat(r.status()).isEqualTo(Status.FAILED_TO_START);
        assertThat(r.error()).contains("'BAD NAME'");
    }

    @Test
    void outputIsStreamedWhileTheCommandRunsAndCancelKillsIt() throws Exception {
        String marker = "zcl-marker-" + UUID.randomUUID();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        Command c = Command.of("sh", "-c", "echo started; sleep 60; echo never", marker);
        CompletableFuture<CommandResult> f = executor.run(c, (id, stream, chunk) -> {
            synchronized (seen) {
                seen.writeBytes(chunk);
            }
        });

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            synchronized (seen) {
                return seen.toString(StandardCharsets.UTF_8).equals("started\n");
            }
        });
        assertThat(f).isNotDone();
        assertThat(remoteProcessesMatching(marker)).isPositive();

        assertThat(executor.cancel(c.id())).isTrue();
        CommandResult r = f.get(10, TimeUnit.SECONDS);

        assertThat(r.status()).isEqualTo(Status.CANCELLED);
        assertThat(r.stdout()).isEqualTo("started\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> remoteProcessesMatching(marker) == 0);
        assertThat(executor.cancel(c.id())).isFalse();
    }

    @Test
    void aTimeoutEndsPromptlyAndKillsTheRemoteProcessAndItsChildren() throws Exception {
        String marker = "zcl-marker-" + UUID.randomUUID();
        // a child that ignores TERM and a grandchild: only a group kill with KILL gets them all
        Command c = new Command(UUID.randomUUID().toString(),
                List.of("sh", "-c", "sh -c 'trap \"\" TERM; sleep 60; :' child-" + marker + " & sleep 60; :",
                        "parent-" + marker), Map.of(), null, Duration.ofMillis(500));
        long t0 = System.nanoTime();
        CompletableFuture<CommandResult> f = executor.run(c);
        await().atMost(Duration.ofSeconds(10)).until(() -> remoteProcessesMatching(marker) >= 2 || f.isDone());

        CommandResult r = f.get(10, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(r.status()).isEqualTo(Status.TIMED_OUT);
        assertThat(r.error()).contains("timed out after 500 ms")
                .as("ended by the node's kill, not by closing the channel after the grace period")
                .doesNotContain("did not confirm");
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(30)).until(() -> remoteProcessesMatching(marker) == 0);
    }

    @Test
    void largeOutputIsStreamedInFullAndCapturedUpToTheLimit() throws Exception {
        int total = 20_000_000;
        AtomicLong streamed = new AtomicLong();
        CommandResult r = executor.run(Command.of("sh", "-c", "head -c " + total + " /dev/zero | tr '\\0' x"),
                (id, stream, chunk) -> {
                    if (stream == OutputListener.Stream.STDOUT) {
                        streamed.addAndGet(chunk.length);
                    }
                }).get(30, TimeUnit.SECONDS);

        assertThat(r.status()).isEqualTo(Status.COMPLETED);
        assertThat(r.exitCode()).isZero();
        assertThat(streamed.get()).isEqualTo(total);
        assertThat(r.outputTruncated()).isTrue();
        assertThat(r.stdout()).hasSize(SshSettings.DEFAULT_CAPTURE_LIMIT).matches("x+");
    }

    @Test
    void manyConcurrentCommandsShareTheOneConnection() throws Exception {
        long before = executor.connectionCount();
        List<CompletableFuture<CommandResult>> all = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            all.add(executor.run(Command.of("echo", Integer.toString(i))));
        }
        for (int i = 0; i < all.size(); i++) {
            assertThat(all.get(i).get(30, TimeUnit.SECONDS).stdout()).isEqualTo(i + "\n");
        }
        assertThat(executor.connectionCount()).isEqualTo(Math.max(1, before));
        assertThat(executor.peakRunning()).isLessThanOrEqualTo(SshSettings.DEFAULT_MAX_CHANNELS);
    }

    @Test
    void moreConcurrentCommandsThanTheServersMaxSessionsAllSucceed() throws Exception {
        try (Server limited = startServer(userKey, 3, dir.resolve("max3"));
             SshNodeExecutor ex = SshNodeExecutor.open("node-m", limited.host(), limited.port(),
                     settingsTrusting(limited, "max3"))) {
            List<CompletableFuture<CommandResult>> all = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                all.add(ex.run(Command.of("sh", "-c", "sleep 0.2; echo " + i)));
            }
            for (int i = 0; i < all.size(); i++) {
                CommandResult r = all.get(i).get(30, TimeUnit.SECONDS);
                assertThat(r.status()).as("command %d: %s", i, r.error()).isEqualTo(Status.COMPLETED);
                assertThat(r.stdout()).isEqualTo(i + "\n");
            }
            assertThat(ex.peakRunning()).isBetween(1, 3);
            assertThat(ex.refusedOpens()).as("the server refused channels over its MaxSessions").isPositive();
            assertThat(ex.connectionCount()).isEqualTo(1);
        }
    }

    @Test
    void aChangedHostKeyIsRefusedWithAClearError() throws Exception {
        Path knownHosts = dir.resolve("known_hosts-mismatch");
        KeyPair other = SshKeys.generate();
        Files.writeString(knownHosts, SshKeys.knownHostsLine(server.host(), server.port(), other.getPublic()) + "\n");
        SshSettings settings = SshSettings.defaults(currentUser(), keyFile, knownHosts)
                .withHostKeyPolicy(HostKeyPolicy.ACCEPT_NEW);
        try (SshNodeExecutor ex = SshNodeExecutor.open("node-x", server.host(), server.port(), settings)) {
            assertThatThrownBy(ex::connect).isInstanceOf(SshConnectException.class)
                    .hasMessageContaining("host key mismatch for [" + server.host() + "]:" + server.port())
                    .satisfies(e -> assertThat(((SshConnectException) e).kind())
                            .isEqualTo(SshConnectException.Kind.HOST_KEY_MISMATCH));

            CommandResult r = run(ex, Command.of("true"));
            assertThat(r.status()).isEqualTo(Status.FAILED_TO_START);
            assertThat(r.error()).contains("host key mismatch").contains("ssh-keygen -R");
        }
        assertThat(Files.readString(knownHosts)).doesNotContain(server.knownHostsLine());
    }

    @Test
    void anUnknownHostIsRefusedWhenStrictAndLearnedWithAcceptNew() throws Exception {
        Path knownHosts = dir.resolve("known_hosts-new");
        SshSettings strict = SshSettings.defaults(currentUser(), keyFile, knownHosts);
        try (SshNodeExecutor ex = SshNodeExecutor.open("node-s", server.host(), server.port(), strict)) {
            assertThatThrownBy(ex::connect).isInstanceOf(SshConnectException.class)
                    .hasMessageContaining("is not in " + knownHosts);
        }
        try (SshNodeExecutor ex = SshNodeExecutor.open("node-n", server.host(), server.port(),
                strict.withHostKeyPolicy(HostKeyPolicy.ACCEPT_NEW))) {
            assertThat(run(ex, Command.of("true")).succeeded()).isTrue();
        }
        // learned: now even strict checking lets it in
        try (SshNodeExecutor ex = SshNodeExecutor.open("node-s2", server.host(), server.port(), strict)) {
            assertThat(run(ex, Command.of("true")).succeeded()).isTrue();
        }
    }

    @Test
    void aKeyTheServerDoesNotAcceptIsAnAuthenticationFailure() throws Exception {
        Path wrongKey = dir.resolve("id_wrong");
        SshKeys.generateKeyFile(wrongKey, "wrong");
        SshSettings settings = settingsTrusting(server, "wrong-key");
        try (SshNodeExecutor ex = SshNodeExecutor.open("node-w", server.host(), server.port(),
                new SshSettings(settings.user(), wrongKey, settings.knownHosts(), HostKeyPolicy.STRICT,
                        settings.connectTimeout(), 10, 1024, settings.killGrace(), settings.keepAlive()))) {
            assertThatThrownBy(ex::connect).isInstanceOf(SshConnectException.class)
                    .hasMessageContaining("authentication failed for " + ex.address())
                    .satisfies(e -> assertThat(((SshConnectException) e).kind())
                            .isEqualTo(SshConnectException.Kind.AUTH_FAILED));
        }
    }

    @Test
    void aDroppedConnectionLosesTheRunningCommandAndTheNextCommandReconnects() throws Exception {
        try (Server node = startServer(userKey, 0, dir.resolve("restart"));
             SshNodeExecutor ex = SshNodeExecutor.open("node-r", node.host(), node.port(),
                     settingsTrusting(node, "restart"))) {
            List<String> events = new CopyOnWriteArrayList<>();
            ex.setConnectionListener(new SshConnectionListener() {
                @Override
                public void connected(String nodeId, long n) {
                    events.add("up #" + n);
                }

                @Override
                public void lost(String nodeId, String reason) {
                    events.add("lost");
                }
            });
            assertThat(run(ex, Command.of("echo", "one")).stdout()).isEqualTo("one\n");
            CompletableFuture<CommandResult> during = ex.run(Command.of("sleep", "60"));
            await().atMost(Duration.ofSeconds(10)).until(() -> ex.running() == 1);

            node.stop();
            CommandResult lost = during.get(15, TimeUnit.SECONDS);
            assertThat(lost.status()).isEqualTo(Status.NODE_LOST);
            assertThat(lost.error()).contains("lost");
            await().atMost(Duration.ofSeconds(30)).until(() -> events.contains("lost"));

            CommandResult whileDown = run(ex, Command.of("true"));
            assertThat(whileDown.status()).isEqualTo(Status.FAILED_TO_START);
            assertThat(whileDown.error()).contains("connection refused");

            node.restart();
            assertThat(run(ex, Command.of("echo", "two")).stdout()).isEqualTo("two\n");
            assertThat(ex.connectionCount()).isEqualTo(2);
            assertThat(events).containsExactly("up #1", "lost", "up #2");
        }
    }

    @Test
    void whenTheCoordinatorDropsTheConnectionTheNodeKillsTheCommand() throws Exception {
        String marker = "zcl-marker-" + UUID.randomUUID();
        try (SshNodeExecutor ex = SshNodeExecutor.open("node-d", server.host(), server.port(),
                settingsTrusting(server, "drop"))) {
            CompletableFuture<CommandResult> f = ex.run(Command.of("sh", "-c", "sleep 60; :", marker));
            await().atMost(Duration.ofSeconds(10)).until(() -> remoteProcessesMatching(marker) > 0);

            ex.disconnect();

            assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(Status.NODE_LOST);
            await().atMost(Duration.ofSeconds(30)).until(() -> remoteProcessesMatching(marker) == 0);
        }
    }

    @Test
    void aClosedExecutorRefusesNewCommands() throws Exception {
        SshNodeExecutor ex = SshNodeExecutor.open("node-c", server.host(), server.port(),
                settingsTrusting(server, "closed"));
        ex.close();

        assertThat(ex.run(Command.of("true"))).isCompletedExceptionally();
    }

    /** Processes on the node whose command line has the marker (the pattern does not match itself). */
    int remoteProcessesMatching(String marker) throws Exception {
        String pattern = marker.substring(0, 4) + "[" + marker.charAt(4) + "]" + marker.substring(5);
        CommandResult r = run(executor, Command.of("sh", "-c", "pgrep -f -- \"$1\" | wc -l", "count", pattern));
        assertThat(r.status()).as("pgrep: %s %s", r.error(), r.stderr()).isEqualTo(Status.COMPLETED);
        return Integer.parseInt(r.stdout().strip());
    }
}
