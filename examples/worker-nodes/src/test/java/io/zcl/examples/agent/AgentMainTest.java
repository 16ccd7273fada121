package io.zcl.examples.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.zmq.CoordinatorListener;
import io.zcl.runner.zmq.Curve;
import io.zcl.runner.zmq.CurveKeys;
import io.zcl.runner.zmq.IoThreadWatch;
import io.zcl.runner.zmq.Message;
import io.zcl.runner.zmq.Protocol;
import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.Field;
import io.zcl.runner.zmq.KeyAllowList;
import io.zcl.runner.zmq.ZmqCoordinator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * The node agent's own main ({@link AgentMain}), each run in a separate JVM with this module's
 * class path, as {@code java -cp ... io.zcl.examples.agent.AgentMain} would run on a node.
 */
@Timeout(120)
@Tag("slow")
class AgentMainTest {

    @TempDir
    Path tmp;

    @Test
    void helpListsTheOptionsAndExitsZero() throws Exception {
        Jvm run = Jvm.run(tmp, List.of(), "--help");
        assertThat(run.exit).isZero();
        assertThat(run.out).startsWith("Usage: agent ").contains("--coordinator=ENDPOINT", "--node-id=ID",
                "--connect-timeout=DURATION", "--curve-secret=FILE");
        assertThat(run.err).isEmpty();
    }

    @Test
    void aBadArgumentIsOneLineAndANonZeroExit() throws Exception {
        Jvm noPort = Jvm.run(tmp, List.of(), "--coordinator", "tcp://127.0.0.1", "--node-id", "n1", "--insecure");
        assertThat(noPort.exit).isEqualTo(1);
        assertThat(noPort.err).isEqualTo("zcl agent: --coordinator needs a port 1..65535: tcp://HOST:PORT, got "
                + "'tcp://127.0.0.1'\n");
        assertThat(noPort.out).isEmpty();

        Jvm unknown = Jvm.run(tmp, List.of(), "--coordinator", "tcp://127.0.0.1:5555", "--node-id", "n1", "--bogus");
        assertThat(unknown.exit).isEqualTo(2);
        assertThat(unknown.err).isEqualTo("zcl agent: Unknown option: '--bogus' (see --help)\n");

        Jvm missing = Jvm.run(tmp, List.of(), "--node-id", "n1");
        assertThat(missing.exit).isEqualTo(2);
        assertThat(missing.err).isEqualTo("zcl agent: Missing required option: '--coordinator=ENDPOINT' (see --help)\n");
    }

    /**
     * A node agent started before its coordinator's host name resolves (a container before the
     * cluster's DNS knows the coordinator): it says so once per attempt, keeps retrying with
     * backoff, and connects once the name resolves. The agent's JVM resolves names from a hosts
     * file of the test's (jdk.net.hosts.file, no caching), which starts without the name.
     */
    @Test
    void anAgentWhoseCoordinatorDoesNotResolveYetKeepsTryingAndConnectsOnceItDoes() throws Exception {
        Path hosts = tmp.resolve("hosts");
        Files.writeString(hosts, "# the coordinator is not known yet\n");
        Path security = tmp.resolve("no-dns-cache.properties");
        Files.writeString(security, "networkaddress.cache.ttl=0\nnetworkaddress.cache.negative.ttl=0\n");
        Path keys = tmp.resolve("keys");
        CurveKeys coordinatorKeys = CurveKeys.generate();
        coordinatorKeys.save(keys, "coordinator");
        CurveKeys agentKeys = CurveKeys.generate();
        agentKeys.save(keys, "n1");

        List<String> up = new CopyOnWriteArrayList<>();
        try (ZmqCoordinator coordinator = new ZmqCoordinator(ZmqCoordinator.Settings.defaults("tcp://127.0.0.1:*"))
                .secure(new Curve.Server(coordinatorKeys, KeyAllowList.named(Map.of("n1", agentKeys.publicOnly()))))) {
            coordinator.addListener(new CoordinatorListener() {
                @Override
                public void nodeUp(String nodeId, SystemConfiguration system, boolean agentRestarted) {
                    up.add(nodeId);
                }
            });
            String port = coordinator.start().replaceFirst(".*:", "");
            String endpoint = "tcp://zcl-coordinator.test:" + port;
            Jvm agent = Jvm.start(tmp, List.of("-Djdk.net.hosts.file=" + hosts, "-Djava.security.properties=" + security),
                    "--coordinator", endpoint, "--node-id", "n1", "--connect-timeout", "0",
                    "--curve-secret", keys.resolve("n1.key_secret").toString(),
                    "--coordinator-key", keys.resolve("coordinator.key").toString());
            try {
                String warning = "WARN  i.z.r.zmq.NodeAgent - n1: coordinator " + endpoint + " unreachable: host name "
                        + "zcl-coordinator.test does not resolve (DNS not ready yet?); reconnecting in ";
                // Attempts at about 0, 1, 3 s (backoff 1 s, 2 s, ...): wait for three of them.
                assertThat(waitFor(Duration.ofSeconds(30), () -> count(agent.errText(), warning) >= 3))
                        .as("three WARN lines, got stderr:%n%s", agent.errText()).isTrue();
                assertThat(agent.process.isAlive()).as("the agent keeps running").isTrue();
                assertThat(agent.outText()).contains("zcl agent n1: connecting to " + endpoint + " (CURVE, ")
                        .doesNotContain("connected;");
                for (String line : agent.errText().strip().split("\n")) {
                    assertThat(line).as("only the one WARN line per attempt, no stack trace").contains(warning);
                }
                assertThat(up).isEmpty();

                Files.writeString(hosts, "127.0.0.1 zcl-coordinator.test\n");
                assertThat(waitFor(Duration.ofSeconds(30), () -> up.contains("n1")))
                        .as("the coordinator saw n1; agent stderr:%n%s", agent.errText()).isTrue();
                assertThat(waitFor(Duration.ofSeconds(10),
                        () -> agent.outText().contains("zcl agent n1: connected; running commands until stopped")))
                        .as(agent.outText()).isTrue();
                assertThat(coordinator.awaitNodes(List.of("n1"), Duration.ofSeconds(5))).isEmpty();
                assertThat(agent.process.isAlive()).isTrue();
            } finally {
                agent.process.destroy(); // SIGTERM: the shutdown hook closes the agent
                assertThat(agent.process.waitFor(20, TimeUnit.SECONDS)).as("the agent stops on SIGTERM").isTrue();
            }
            assertThat(waitFor(Duration.ofSeconds(10), () -> !coordinator.upNodes().contains("n1")))
                    .as("the agent said BYE").isTrue();
        }
    }

    @Test
    void withAConnectTimeoutAnUnresolvableCoordinatorEndsWithExit3NamingTheHost() throws Exception {
        Path hosts = tmp.resolve("hosts");
        Files.writeString(hosts, "# empty\n");
        Path keys = tmp.resolve("keys");
        CurveKeys.generate().save(keys, "coordinator");
        CurveKeys.generate().save(keys, "n1");
        Jvm run = Jvm.run(tmp, List.of("-Djdk.net.hosts.file=" + hosts),
                "--coordinator", "tcp://zcl-coordinator.test:5555", "--node-id", "n1", "--connect-timeout", "2s",
                "--curve-secret", keys.resolve("n1.key_secret").toString(),
                "--coordinator-key", keys.resolve("coordinator.key").toString());
        assertThat(run.exit).isEqualTo(3);
        String[] lines = run.err.strip().split("\n");
        assertThat(lines[lines.length - 1]).isEqualTo("zcl agent: no session with coordinator tcp://zcl-coordinator.test:5555 "
                + "within 2s: unreachable: host name zcl-coordinator.test does not resolve (DNS not ready yet?) "
                + "(--connect-timeout 0 keeps trying)");
        assertThat(lines.length).as("WARN lines, then the exit line").isGreaterThanOrEqualTo(2);
        assertThat(run.err).doesNotContain("Exception", "\tat ");
        assertThat(run.out).doesNotContain("connected;");
    }

    /**
     * Issue 15, item 1: {@code ./zcl agent ... --emulate --insecure}, started as the README shows
     * (no --allow), runs the perf tools and nothing else. A program outside them is refused; so
     * is a RUN that brings its own PATH (which used to make a script named like a perf tool
     * run), one that sets LD_PRELOAD, and one whose cwd lies outside the agent's working
     * directory and /tmp, whether named directly, through {@code ..} or through a symlink.
     * Nothing refused ever starts: the would-be intruder writes a marker file that never appears.
     */
    @Test
    void theAgentAsTheReadmeStartsItRunsOnlyThePerfToolsAndRefusesPathLoaderVariablesAndForeignCwds()
            throws Exception {
        Path marker = tmp.resolve("intruder-ran");
        Path evil = Files.createDirectories(tmp.resolve("evil-bin"));
        for (String name : List.of("dcgmi")) {
            Path script = evil.resolve(name);
            Files.writeString(script, "#!/bin/sh\ntouch " + marker + "\n");
            script.toFile().setExecutable(true);
        }
        Path linkToEtc = Files.createSymbolicLink(tmp.resolve("etc-link"), Path.of("/etc"));

        try (ZmqCoordinator coordinator = new ZmqCoordinator(ZmqCoordinator.Settings.defaults("tcp://127.0.0.1:*"))) {
            String endpoint = coordinator.start();
            Jvm agent = Jvm.start(tmp, List.of(), "--coordinator", endpoint, "--node-id", "n1", "--emulate",
                    "--insecure");
            try {
                assertThat(coordinator.awaitNodes(List.of("n1"), Duration.ofSeconds(30)))
                        .as("n1 connected; agent stderr:%n%s", agent.errText()).isEmpty();
                var node = coordinator.executor("n1");

                CommandResult shell = node.run(Command.of("sh", "-c", "touch " + marker)).get(30, TimeUnit.SECONDS);
                assertThat(shell.status()).isEqualTo(CommandResult.Status.FAILED_TO_START);
                assertThat(shell.error()).isEqualTo("'sh' is not on this agent's allow-list");

                CommandResult ownPath = node.run(Command.of("dcgmi", "discovery", "-l")
                        .withEnv(Map.of("PATH", evil.toString()))).get(30, TimeUnit.SECONDS);
                assertThat(ownPath.status()).isEqualTo(CommandResult.Status.FAILED_TO_START);
                assertThat(ownPath.error()).startsWith("the RUN sets environment variable PATH,");

                CommandResult preload = node.run(Command.of("gpu_burn", "-l")
                        .withEnv(Map.of("LD_PRELOAD", evil.resolve("libevil.so").toString())))
                        .get(30, TimeUnit.SECONDS);
                assertThat(preload.status()).isEqualTo(CommandResult.Status.FAILED_TO_START);
                assertThat(preload.error()).startsWith("the RUN sets environment variable LD_PRELOAD,");

                for (String cwd : List.of("/etc", "/tmp/../etc", linkToEtc.toString())) {
                    CommandResult foreign = node.run(inCwd(cwd, "gpu_burn", "-l")).get(30, TimeUnit.SECONDS);
                    assertThat(foreign.status()).as("cwd %s", cwd).isEqualTo(CommandResult.Status.FAILED_TO_START);
                    assertThat(foreign.error()).as("cwd %s", cwd).startsWith("cwd '" + cwd + "' (/etc) is outside "
                            + "this agent's allowed roots");
                }

                CommandResult tool = node.run(inCwd(tmp.toString(), "gpu_burn", "-l")).get(30, TimeUnit.SECONDS);
                assertThat(tool.status()).as("%s", tool).isEqualTo(CommandResult.Status.COMPLETED);
                assertThat(tool.exitCode()).isZero();
                assertThat(tool.stdout()).startsWith("ID 0: NVIDIA H100");
                assertThat(marker).as("no refused command ran").doesNotExist();
            } finally {
                agent.process.destroy(); // SIGTERM: the shutdown hook closes the agent
                assertThat(agent.process.waitFor(20, TimeUnit.SECONDS)).as("the agent stops on SIGTERM").isTrue();
            }
        }
    }

    /**
     * Issue 15 item 4: one message of 20 frames of 31 MiB, each under the 32 MiB frame cap.
     * JeroMQ buffers a multipart message whole before the agent can refuse its frame count, so the
     * agent's I/O thread runs out of direct memory (64 MiB here) and dies. The agent used to go on
     * "reconnecting" on its dead context for ever; now it says so in one line and exits 70, for its
     * supervisor to restart it.
     */
    @Test
    @Timeout(120)
    void aMessageOfTwentyBigFramesEndsTheAgentLoudlyInsteadOfSilencingItForGood() throws Exception {
        try (ZContext ctx = new ZContext(1)) {
            ZMQ.Socket router = ctx.createSocket(SocketType.ROUTER);
            router.setLinger(0);
            router.setReceiveTimeOut(30_000);
            int port = router.bindToRandomPort("tcp://127.0.0.1");
            Jvm agent = Jvm.start(tmp, List.of("-XX:MaxDirectMemorySize=64m"), "--coordinator",
                    "tcp://127.0.0.1:" + port, "--node-id", "n1", "--insecure", "--connect-timeout", "0");
            try {
                ZMsg hello = ZMsg.recvMsg(router);
                assertThat(hello).as("HELLO; agent stderr:%n%s", agent.errText()).isNotNull();
                byte[] identity = hello.pop().getData();
                assertThat(Message.parse(hello).cmd()).isEqualTo(Cmd.HELLO);
                ZMsg welcome = Message.of(Cmd.WELCOME, Map.of(Field.VERSION, Protocol.VERSION, Field.HEARTBEAT_MS, 1000,
                        Field.LIVENESS, 3)).toFrames();
                welcome.push(identity);
                welcome.send(router);

                byte[] frame = new byte[31 << 20];
                router.sendMore(identity);
                for (int i = 0; i < 19; i++) {
                    router.sendMore(frame);
                }
                router.send(frame);

                assertThat(agent.process.waitFor(60, TimeUnit.SECONDS))
                        .as("the agent exits; stderr:%n%s", agent.errText()).isTrue();
                assertThat(agent.process.exitValue()).as(agent.errText()).isEqualTo(IoThreadWatch.EXIT_STATUS);
                assertThat(agent.errText()).contains("zcl agent: the agent n1's ZeroMQ I/O thread died "
                        + "(java.lang.OutOfMemoryError: Cannot reserve ").contains("exits (status 70) to be restarted")
                        .doesNotContain("\tat ");
            } finally {
                agent.process.destroyForcibly().waitFor();
            }
        }
    }

    private static Command inCwd(String cwd, String... argv) {
        return new Command(UUID.randomUUID().toString(), List.of(argv), Map.of(), cwd, Duration.ofSeconds(60));
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private static boolean waitFor(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return condition.getAsBoolean();
    }

    /** A JVM running AgentMain, its output in files. */
    private record Jvm(Process process, Path outFile, Path errFile, int exit, String out, String err) {

        static Jvm start(Path dir, List<String> jvmOptions, String... args) throws IOException {
            Path out = Files.createTempFile(dir, "agent-", ".out");
            Path err = Files.createTempFile(dir, "agent-", ".err");
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Xmx128m");
            cmd.addAll(jvmOptions);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), AgentMain.class.getName()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            return new Jvm(p, out, err, -1, null, null);
        }

        static Jvm run(Path dir, List<String> jvmOptions, String... args) throws Exception {
            Jvm j = start(dir, jvmOptions, args);
            assertThat(j.process.waitFor(60, TimeUnit.SECONDS)).as("AgentMain %s ended", List.of(args)).isTrue();
            return new Jvm(j.process, j.outFile, j.errFile, j.process.exitValue(), j.outText(), j.errText());
        }

        String outText() {
            return read(outFile);
        }

        String errText() {
            return read(errFile);
        }

        private static String read(Path f) {
            try {
                return Files.readString(f, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
