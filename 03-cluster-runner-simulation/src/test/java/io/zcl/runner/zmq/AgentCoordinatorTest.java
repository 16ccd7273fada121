package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.api.SystemConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/** Agent and coordinator over tcp loopback, with short heartbeats (250 ms x 3). */
@Timeout(60)
class AgentCoordinatorTest {

    // 250 ms: at 100 ms a loaded 2-core machine starved the agent past 3 intervals and forced reconnects.
    private static final int HB = 250;
    private static final int LIVENESS = 3;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();

    private ZmqCoordinator coordinator(String bind, long graceMs) {
        ZmqCoordinator c = new ZmqCoordinator(new ZmqCoordinator.Settings(bind, HB, LIVENESS, graceMs));
        c.addListener(new CoordinatorListener() {
            @Override
            public void nodeUp(String nodeId, SystemConfiguration system, boolean restarted) {
                events.add("up " + nodeId + (restarted ? " restarted" : ""));
            }

            @Override
            public void nodeLost(String nodeId, String reason) {
                events.add("lost " + nodeId);
            }

            @Override
            public void orphanResult(String nodeId, CommandResult result) {
                events.add("orphan " + result.commandId() + " " + result.stdout());
            }
        });
        c.start();
        closeables.add(c);
        return c;
    }

    private NodeAgent agent(String endpoint, String nodeId, ScriptedExecutor exec) {
        SystemConfiguration sys = new SystemConfiguration(nodeId + ".example", List.of(
                new SystemConfiguration.Gpu(0, "NVIDIA H100 80GB HBM3", 80, 18, 25, 50)), List.of(), List.of());
        NodeAgent a = new NodeAgent(NodeAgent.Settings.defaults(endpoint, nodeId, sys).withHeartbeat(HB, LIVENESS)
                .withBackoff(50, 200).withPolicy(CommandPolicy.anyProgram()), exec).start();
        closeables.add(a);
        return a;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void helloCarriesTheSystemConfigurationAndCommandsRoundTrip() throws Exception {
        ZmqCoordinator c = coordinator("tcp://127.0.0.1:*", 5000);
        agent(c.endpoint(), "node-1", new ScriptedExecutor("node-1"));
        assertThat(c.awaitNodes(List.of("node-1"), Duration.ofSeconds(10))).isEmpty();
        assertThat(c.systemConfig("node-1")).get()
                .satisfies(s -> assertThat(s.gpus().get(0).model()).isEqualTo("NVIDIA H100 80GB HBM3"));

        CommandResult r = c.executor("node-1").run(Command.of("echo", "hello", "world")).get(10, TimeUnit.SECONDS);
        assertThat(r.succeeded()).isTrue();
        assertThat(r.stdout()).isEqualTo("hello world");
        assertThat(r.nodeId()).isEqualTo("node-1");
    }

    @Test
    void manyConcurrentCommandsOnOneAgentAllComeBackOnce() throws Exception {
        ZmqCoordinator c = coordinator("tcp://127.0.0.1:*", 5000);
        agent(c.endpoint(), "node-1", new ScriptedExecutor("node-1"));
        c.awaitNodes(List.of("node-1"), Duration.ofSeconds(10));
        NodeExecutor ex = c.executor("node-1");
        List<CompletableFuture<CommandResult>> futures = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            futures.add(ex.run(Command.of("echo", Integer.toString(i))));
        }
        for (int i = 0; i < futures.size(); i++) {
            assertThat(futures.get(i).get(20, TimeUnit.SECONDS).stdout()).isEqualTo(Integer.toString(i));
        }
        assertThat(c.stats().resultsReceived()).isEqualTo(2000);
        assertThat(c.stats().duplicateResults()).isZero();
    }

    @Test
    void outputIsStreamedInOrderAndCounted() throws Exception {
        ZmqCoordinator c = coordinator("tcp://127.0.0.1:*", 5000);
        NodeAgent a = agent(c.endpoint(), "node-1", new ScriptedExecutor("node-1"));
        c.awaitNodes(List.of("node-1"), Duration.ofSeconds(10));
        AtomicLong bytes = new AtomicLong();
        CommandResult r = c.executor("node-1").run(Command.of("emit", "4096"),
                (id, stream, chunk) -> bytes.addAndGet(chunk.length)).get(30, TimeUnit.SECONDS);
        assertThat(r.stdout()).isEqualTo("emitted 4096");
        assertThat(bytes.get()).as("dropped %d, lost %s", a.outputChunksDropped(), events).isEqualTo(4096L * 1024);
    }

    @Test
    void malformedAndUnknownFramesGetAnErrorAndTheConnectionKeepsWorking() throws Exception {
        ZmqCoordinator c = coordinator("tcp://127.0.0.1:*", 5000);
        try (ZContext ctx = new ZContext(); ZMQ.Socket raw = ctx.createSocket(SocketType.DEALER)) {
            raw.setReceiveTimeOut(30_000); // an upper bound: replies come in milliseconds
            ConnectRace.connect(raw, c.endpoint()); // retries a connection JeroMQ left without a handshake (jeromq#1022)

            raw.send("just one frame");
            assertThat(errorCode(raw)).isEqualTo("BAD_FRAMES");

            raw.sendMore("ZCR9");
            raw.sendMore(new byte[] {0x01});
            raw.send(Body.empty().encode());
            assertThat(errorCode(raw)).isEqualTo("BAD_VERSION");

            raw.sendMore(Protocol.SIGNATURE);
            raw.sendMore(new byte[] {0x42});
            raw.send(Body.empty().encode());
            assertThat(errorCode(raw)).isEqualTo("UNKNOWN_COMMAND");

            raw.sendMore(Protocol.SIGNATURE);
            raw.sendMore(new byte[] {Protocol.Cmd.HELLO.code()});
            raw.send(new byte[] {(byte) 0x81, (byte) 0xa1, 'a', (byte) 0xdd, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
            assertThat(errorCode(raw)).isEqualTo("BAD_BODY");

            // A HELLO without a node id names the field.
            Message.of(Protocol.Cmd.HELLO, Map.of("version", 1L, "instance", "x")).toFrames().send(raw);
            ZMsg reply = ZMsg.recvMsg(raw);
            Message m = Message.parse(reply);
            assertThat(m.body().string("reason")).isEqualTo("missing field 'node_id'");

            // The same connection can still say a proper HELLO and be welcomed.
            Message.of(Protocol.Cmd.HELLO, Map.of("version", 1L, "node_id", "raw-1", "instance", "i1"))
                    .toFrames().send(raw);
            assertThat(Message.parse(ZMsg.recvMsg(raw)).cmd()).isEqualTo(Protocol.Cmd.WELCOME);
        }
        assertThat(c.stats().protocolErrors()).isEqualTo(5);
        assertThat(c.upNodes()).contains("raw-1");
    }

    @Test
    void aResultSentTwiceCompletesTheCommandOnceAndIsAckedBothTimes() throws Exception {
        ZmqCoordinator c = coordinator("tcp://127.0.0.1:*", 5000);
        try (ZContext ctx = new ZContext(); ZMQ.Socket raw = ctx.createSocket(SocketType.DEALER)) {
            raw.setReceiveTimeOut(30_000); // an upper bound: replies come in milliseconds
            ConnectRace.connect(raw, c.endpoint()); // retries a connection JeroMQ left without a handshake (jeromq#1022)
            Message.of(Protocol.Cmd.HELLO, Map.of("version", 1L, "node_id", "n1", "instance", "i1")).toFrames().send(raw);
            assertThat(Message.parse(ZMsg.recvMsg(raw)).cmd()).isEqualTo(Protocol.Cmd.WELCOME);

            CompletableFuture<CommandResult> f = c.executor("n1").run(Command.of("true"));
            Message run = nextNonHeartbeat(raw);
            assertThat(run.cmd()).isEqualTo(Protocol.Cmd.RUN);
            String id = run.body().string("cmd_id");
            Message result = Codec.result(new CommandResult(id, "n1", CommandResult.Status.COMPLETED, 0, "out", "",
                    false, java.time.Instant.now(), Duration.ofMillis(3), null));
            result.toFrames().send(raw);
            result.toFrames().send(raw);
            assertThat(nextNonHeartbeat(raw).cmd()).isEqualTo(Protocol.Cmd.ACK);
            assertThat(nextNonHeartbeat(raw).cmd()).isEqualTo(Protocol.Cmd.ACK);
            assertThat(f.get(30, TimeUnit.SECONDS).stdout()).isEqualTo("out");
        }
        assertThat(c.stats().resultsReceived()).isEqualTo(1);
        assertThat(c.stats().duplicateResults()).isEqualTo(1);
    }

    @Test
    void aSilentAgentIsDeclaredLostWithinTheLivenessWindowAndItsCommandIsLostAfterGrace() throws Exception {
        ZmqCoordinator c = coordinator("tcp://127.0.0.1:*", 300);
        ScriptedExecutor exec = new ScriptedExecutor("node-1");
        NodeAgent a = agent(c.endpoint(), "node-1", exec);
        c.awaitNodes(List.of("node-1"), Duration.ofSeconds(10));
        CompletableFuture<CommandResult> f = c.executor("node-1").run(Command.of("hold"));
        await().atMost(Duration.ofSeconds(30)).until(() -> exec.started.get() == 1);

        long t0 = System.nanoTime();
        a.close(); // the agent goes away; its BYE (or silence) must be noticed
        await().atMost(Duration.ofSeconds(30)).until(() -> events.contains("lost node-1"));
        long detectedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(detectedMs).isLessThanOrEqualTo(HB * LIVENESS + 500);

        CommandResult r = f.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(CommandResult.Status.NODE_LOST);
        assertThat(r.error()).contains("node-1");
    }

    @Test
    void anAgentThatRestartsLosesItsRunningCommandAtOnce() throws Exception {
        ZmqCoordinator c = coordinator("tcp://127.0.0.1:*", 60_000);
        ScriptedExecutor first = new ScriptedExecutor("node-1");
        NodeAgent a = agent(c.endpoint(), "node-1", first);
        c.awaitNodes(List.of("node-1"), Duration.ofSeconds(10));
        CompletableFuture<CommandResult> f = c.executor("node-1").run(Command.of("hold"));
        await().atMost(Duration.ofSeconds(30)).until(() -> first.started.get() == 1);
        a.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> events.contains("lost node-1"));

        agent(c.endpoint(), "node-1", new ScriptedExecutor("node-1"));
        CommandResult r = f.get(10, TimeUnit.SECONDS); // well before the 60 s grace
        assertThat(r.status()).isEqualTo(CommandResult.Status.NODE_LOST);
        assertThat(r.error()).contains("restarted");
        assertThat(events).contains("up node-1 restarted");
    }

    @Test
    void afterACoordinatorRestartTheAgentSaysHelloAgainAndResendsItsUnackedResult() throws Exception {
        ZmqCoordinator c1 = coordinator("tcp://127.0.0.1:*", 60_000);
        String endpoint = c1.endpoint();
        ScriptedExecutor exec = new ScriptedExecutor("node-1");
        NodeAgent a = agent(endpoint, "node-1", exec);
        c1.awaitNodes(List.of("node-1"), Duration.ofSeconds(10));
        Command cmd = Command.of("hold");
        c1.executor("node-1").run(cmd);
        await().atMost(Duration.ofSeconds(30)).until(() -> exec.started.get() == 1);
        c1.close();

        // The command finishes while no coordinator is there: the agent keeps the RESULT.
        exec.release(cmd.id(), "kept for you");
        await().atMost(Duration.ofSeconds(30)).until(() -> a.unackedIds().contains(cmd.id()));

        ZmqCoordinator c2 = coordinator(endpoint, 60_000);
        assertThat(c2.awaitNodes(Set.of("node-1"), Duration.ofSeconds(10))).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("orphan " + cmd.id() + " kept for you"));
        await().atMost(Duration.ofSeconds(30)).until(() -> a.unackedIds().isEmpty());
        assertThat(events.stream().filter(e -> e.startsWith("orphan"))).hasSize(1);
    }

    private static String errorCode(ZMQ.Socket raw) throws ProtocolException {
        Message m = nextNonHeartbeat(raw);
        assertThat(m.cmd()).isEqualTo(Protocol.Cmd.ERROR);
        return m.body().string("code");
    }

    private static Message nextNonHeartbeat(ZMQ.Socket raw) throws ProtocolException {
        while (true) {
            ZMsg msg = ZMsg.recvMsg(raw);
            assertThat(msg).as("reply within the receive timeout").isNotNull();
            Message m = Message.parse(msg);
            if (m.cmd() != Protocol.Cmd.HEARTBEAT) {
                return m;
            }
        }
    }
}
