package io.zcl.runner.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.zmq.ConnectRace;
import io.zcl.runner.zmq.CoordinatorListener;
import io.zcl.runner.zmq.Message;
import io.zcl.runner.zmq.NodeAgent;
import io.zcl.runner.zmq.Protocol;
import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.ErrorCode;
import io.zcl.runner.zmq.ProtocolException;
import io.zcl.runner.zmq.ZmqCoordinator;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * Hostile input against a real coordinator and a real agent over tcp: at least 10,000 generated
 * inputs each ({@link HostileInputs}), then checks that nothing died, every reply was what
 * docs/wire-protocol.md requires, the error counters match the ERROR replies, memory stayed
 * bounded, and a legitimate agent and command still work. The seed is fixed so CI is repeatable;
 * {@code -Dzcl.fuzz.seed=N} tries another, and {@code ./zcl soak} runs random seeds for longer.
 */
@Timeout(120)
@Tag("slow")
class HostileInputTest {

    static final long SEED = Long.getLong("zcl.fuzz.seed", 20261128L);
    private static final int PEERS = 4;
    private static final int AUTHENTICATED = 2;
    private static final int INPUTS_PER_PEER = 2_500;

    private final ZContext ctx = new ZContext(2);
    /** The attackers' own context, as if in another process: a JeroMQ assertion on their side stays there. */
    private final ZContext attackers = new ZContext(1);
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        attackers.close();
        ctx.close();
    }

    private ZmqCoordinator coordinator() {
        ZmqCoordinator c = new ZmqCoordinator(new ZmqCoordinator.Settings("tcp://127.0.0.1:*", 1000, 3, 1000), ctx,
                System::currentTimeMillis).forgetLostNodesAfter(Duration.ofSeconds(1));
        c.start();
        closeables.add(c);
        return c;
    }

    private NodeAgent goodAgent(String endpoint) {
        NodeAgent a = new NodeAgent(NodeAgent.Settings.defaults(endpoint, "good-agent",
                new SystemConfiguration("good-agent", List.of(), List.of(), List.of())).withBackoff(50, 200),
                new RefusingExecutor("good-agent"), ctx, System::currentTimeMillis).start();
        closeables.add(a);
        return a;
    }

    private static CommandResult noop(ZmqCoordinator c, String id) throws Exception {
        return c.executor("good-agent").run(new Command(id, List.of(NodeAgent.BUILTIN_NOOP), java.util.Map.of(), null, Command.DEFAULT_TIMEOUT), null)
                .get(10, TimeUnit.SECONDS);
    }

    static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void coordinatorAnswersTenThousandHostileInputsAndKeepsServing() throws Exception {
        ZmqCoordinator c = coordinator();
        List<String> lost = new CopyOnWriteArrayList<>();
        c.addListener(new CoordinatorListener() {
            @Override
            public void nodeLost(String nodeId, String reason) {
                lost.add(nodeId);
            }
        });
        goodAgent(c.endpoint());
        assertThat(c.awaitNodes(List.of("good-agent"), Duration.ofSeconds(10))).isEmpty();
        assertThat(noop(c, "before").status()).isEqualTo(CommandResult.Status.COMPLETED);
        long heapBefore = usedHeapAfterGc();
        long errorsBefore = c.protocolErrors().total();
        long helloRequiredBefore = c.protocolErrors().count(ErrorCode.HELLO_REQUIRED);

        // The good agent keeps working while the peers attack.
        AtomicBoolean attacking = new AtomicBoolean(true);
        AtomicLong served = new AtomicLong();
        AtomicLong slowestMs = new AtomicLong();
        Thread legit = new Thread(() -> {
            int i = 0;
            while (attacking.get()) {
                long t0 = System.nanoTime();
                try {
                    if (noop(c, "during-" + i++).status() == CommandResult.Status.COMPLETED) {
                        served.incrementAndGet();
                    }
                } catch (Exception e) {
                    return;
                }
                slowestMs.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
            }
        });
        legit.start();
        long t0 = System.nanoTime();
        FuzzReport report = CoordinatorFuzzer.run(attackers, c.endpoint(), SEED, INPUTS_PER_PEER, PEERS, AUTHENTICATED, null);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        attacking.set(false);
        legit.join(15_000);
        System.out.printf("coordinator fuzz (seed %d): %d ms, %s%n  good agent: %d commands served meanwhile, slowest %d ms%n",
                SEED, ms, report, served.get(), slowestMs.get());

        assertThat(report.failure()).as("seed %d", SEED).isNull();
        assertThat(report.inputs()).isGreaterThanOrEqualTo(10_000);
        assertThat(report.mismatches()).as("seed %d: %s", SEED, report.mismatchSamples()).isZero();
        // Every protocol error was answered with an ERROR, and every ERROR was counted.
        assertThat(c.protocolErrors().total() - errorsBefore).as("seed %d", SEED).isEqualTo(report.errorReplies());
        assertThat(c.protocolErrors().count(ErrorCode.HELLO_REQUIRED) - helloRequiredBefore)
                .isEqualTo(report.byCode().getOrDefault(ErrorCode.HELLO_REQUIRED, 0L));
        assertThat(c.protocolErrors().internalErrors()).as("handler exceptions, seed %d", SEED).isZero();
        assertThat(report.byCode().keySet()).contains(ErrorCode.BAD_FRAMES, ErrorCode.BAD_VERSION,
                ErrorCode.UNKNOWN_COMMAND, ErrorCode.BAD_BODY, ErrorCode.HELLO_REQUIRED);

        // The I/O thread is alive and the legitimate agent kept its session and still works.
        assertThat(served.get()).isPositive();
        assertThat(slowestMs.get()).as("a good agent's command during the attack").isLessThan(5_000);
        assertThat(lost).doesNotContain("good-agent");
        assertThat(noop(c, "after").status()).isEqualTo(CommandResult.Status.COMPLETED);
        assertThat(c.upNodes()).contains("good-agent");

        // Bounded: the fuzz sessions (one per accepted HELLO) are forgotten once lost; nothing pending.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            ZmqCoordinator.Footprint f = c.footprint();
            assertThat(f.sessions()).as("sessions left: %s", f).isEqualTo(1);
            assertThat(f.pending()).isZero();
        });
        long heapAfter = usedHeapAfterGc();
        System.out.printf("  heap after GC: %d KiB before, %d KiB after; %s%n", heapBefore / 1024, heapAfter / 1024,
                c.footprint());
        assertThat(heapAfter - heapBefore).as("heap growth").isLessThan(64L * 1024 * 1024);
    }

    @Test
    void agentAnswersTenThousandHostileInputsAndStillRunsCommands() throws Exception {
        AgentFuzzer fuzzer = new AgentFuzzer(ctx, "fuzzed-agent");
        closeables.add(fuzzer);
        assertThat(fuzzer.handshake(Duration.ofSeconds(10))).isTrue();
        NodeAgent agent = fuzzer.agent();
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.state() == NodeAgent.State.READY);
        assertThat(fuzzer.runNoop("before", Duration.ofSeconds(5))).isEqualTo(CommandResult.Status.COMPLETED);
        long heapBefore = usedHeapAfterGc();

        long t0 = System.nanoTime();
        FuzzReport report = fuzzer.run(SEED, 10_000, null);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("agent fuzz (seed %d): %d ms, %s%n  agent: reconnects=%d welcomes=%d results=%d %s%n", SEED, ms,
                report, agent.reconnects(), fuzzer.welcomes(), fuzzer.results(), agent.footprint());

        assertThat(report.failure()).as("seed %d", SEED).isNull();
        assertThat(report.inputs()).isGreaterThanOrEqualTo(10_000);
        assertThat(report.mismatches()).as("seed %d: %s", SEED, report.mismatchSamples()).isZero();
        assertThat(agent.protocolErrors().internalErrors()).as("handler exceptions, seed %d", SEED).isZero();
        if (report.unattributed() == 0) {
            assertThat(agent.protocolErrors().total()).as("seed %d", SEED).isEqualTo(report.errorReplies());
        } else {
            assertThat(agent.protocolErrors().total()).isGreaterThanOrEqualTo(report.errorReplies());
        }
        assertThat(report.byCode().keySet()).contains(ErrorCode.BAD_FRAMES, ErrorCode.BAD_VERSION,
                ErrorCode.UNKNOWN_COMMAND, ErrorCode.BAD_BODY);
        // Nothing the fuzzer sent reached the executor: only @noop ran, the rest was refused.
        assertThat(fuzzer.executorCalls()).isZero();

        assertThat(agent.state()).isEqualTo(NodeAgent.State.READY);
        assertThat(fuzzer.runNoop("after", Duration.ofSeconds(5))).isEqualTo(CommandResult.Status.COMPLETED);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(agent.footprint().unacked()).isZero();
            assertThat(agent.footprint().running()).isZero();
        });
        long heapAfter = usedHeapAfterGc();
        assertThat(heapAfter - heapBefore).as("heap growth").isLessThan(64L * 1024 * 1024);
    }

    /**
     * The attacker's DEALER connects through {@link ConnectRace}: in about 1 % of fresh
     * connections JeroMQ 0.6.0 never starts the handshake (see that class), and with JeroMQ's
     * default 30 s handshake interval the first 16 MiB frame then sat unsent for 30 s, which is
     * how this test failed in CI (the coordinator never saw the frame).
     */
    @Test
    void oversizedMessagesGetTooLargeOrLoseOnlyTheirOwnConnection() throws Exception {
        ZmqCoordinator c = coordinator();
        List<String> lost = new CopyOnWriteArrayList<>();
        c.addListener(new CoordinatorListener() {
            @Override
            public void nodeLost(String nodeId, String reason) {
                lost.add(nodeId);
            }
        });
        goodAgent(c.endpoint());
        assertThat(c.awaitNodes(List.of("good-agent"), Duration.ofSeconds(10))).isEmpty();
        long errorsBefore = c.protocolErrors().total();

        ZMQ.Socket bad = attackers.createSocket(SocketType.DEALER);
        bad.setLinger(0);
        bad.setReceiveTimeOut(30_000); // 16 and 32 MiB frames on a loaded 2-core machine
        ConnectRace.connect(bad, c.endpoint());
        // Over the 16 MiB body limit but under the socket's cap: answered TOO_LARGE.
        send(bad, new byte[Protocol.MAX_BODY_BYTES + 1]);
        assertThat(errorCode(ZMsg.recvMsg(bad))).isEqualTo(ErrorCode.TOO_LARGE);
        assertThat(c.protocolErrors().count(ErrorCode.TOO_LARGE)).isEqualTo(1);

        // Over ZMQ_MAXMSGSIZE (32 MiB): JeroMQ drops that connection before buffering the frame.
        send(bad, new byte[(int) Protocol.MAX_FRAME_BYTES + 1024]);
        // The DEALER reconnects by itself; its next message is served on the new connection.
        send(bad, new byte[] {(byte) 0x80});
        assertThat(errorCode(ZMsg.recvMsg(bad))).as("answer on the new connection").isEqualTo(ErrorCode.HELLO_REQUIRED);
        assertThat(c.protocolErrors().total() - errorsBefore).as("the oversized frame never reached the handler")
                .isEqualTo(1);
        assertThat(c.protocolErrors().unsentReplies()).as("ERROR replies ZeroMQ would not queue").isZero();

        // The other peer kept its connection and session.
        assertThat(noop(c, "after-oversized").status()).isEqualTo(CommandResult.Status.COMPLETED);
        assertThat(lost).isEmpty();
        attackers.destroySocket(bad);
    }

    @Test
    void anAgentAnswersAnOversizedBodyWithTooLarge() throws Exception {
        AgentFuzzer fuzzer = new AgentFuzzer(ctx, "big-agent");
        closeables.add(fuzzer);
        assertThat(fuzzer.handshake(Duration.ofSeconds(10))).isTrue();
        FuzzReport r = fuzzer.sendRaw(List.of(Protocol.SIGNATURE, new byte[] {Cmd.RUN.code()},
                new byte[Protocol.MAX_BODY_BYTES + 1]));
        assertThat(r.byCode()).containsEntry(ErrorCode.TOO_LARGE, 1L);
        assertThat(fuzzer.agent().protocolErrors().count(ErrorCode.TOO_LARGE)).isEqualTo(1);
        assertThat(fuzzer.runNoop("after-big", Duration.ofSeconds(5))).isEqualTo(CommandResult.Status.COMPLETED);
    }

    @Test
    void anAgentDropsAFrameOverItsSocketCapAndComesBackWithHello() throws Exception {
        // The fake coordinator in its own context: the side whose frame is refused is the one JeroMQ
        // trips over (an assertion in its I/O thread when run with -ea), and it must not be the agent's.
        AgentFuzzer fuzzer = new AgentFuzzer(attackers, ctx, "capped-agent");
        closeables.add(fuzzer);
        assertThat(fuzzer.handshake(Duration.ofSeconds(10))).isTrue();
        long errorsBefore = fuzzer.agent().protocolErrors().total();
        fuzzer.sendOnly(List.of(Protocol.SIGNATURE, new byte[] {Cmd.RUN.code()},
                new byte[(int) Protocol.MAX_FRAME_BYTES + 1024]));
        // ZeroMQ closes the agent's connection. The agent comes back with HELLO either way: its DEALER
        // reconnects under a new routing id, which a coordinator answers HELLO_REQUIRED, or it hears
        // nothing for liveness x interval and opens a new socket (what happened in our runs).
        assertThat(fuzzer.awaitHelloAgain(Duration.ofSeconds(20))).isTrue();
        assertThat(fuzzer.runNoop("after-cap", Duration.ofSeconds(5))).isEqualTo(CommandResult.Status.COMPLETED);
        assertThat(fuzzer.agent().protocolErrors().total()).as("the frame never reached the agent's handler")
                .isEqualTo(errorsBefore);
        assertThat(fuzzer.agent().state()).isEqualTo(NodeAgent.State.READY);
    }

    @Test
    void aGarbageFloodDoesNotStarveAGoodAgent() throws Exception {
        ZmqCoordinator c = coordinator();
        goodAgent(c.endpoint());
        assertThat(c.awaitNodes(List.of("good-agent"), Duration.ofSeconds(10))).isEmpty();
        long errorsBefore = c.protocolErrors().total();
        int flood = 50_000;
        AtomicLong slowestMs = new AtomicLong();
        AtomicLong served = new AtomicLong();
        java.util.concurrent.CountDownLatch flooded = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        Thread flooder = new Thread(() -> {
            // Never reads its replies: the coordinator must not block on this peer's full queue either.
            ZMQ.Socket s = attackers.createSocket(SocketType.DEALER);
            s.setLinger(1000);
            s.setSndHWM(0);
            ConnectRace.connect(s, c.endpoint());
            for (int i = 0; i < flood; i++) {
                s.sendMore(Protocol.SIGNATURE);
                s.sendMore(new byte[] {Cmd.HEARTBEAT.code()});
                s.send(new byte[] {(byte) 0xc1, (byte) i}); // 0xc1: never used in msgpack
            }
            flooded.countDown();
            try {
                done.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            attackers.destroySocket(s);
        });
        flooder.start();
        for (int i = 0; i < 200; i++) {
            long t0 = System.nanoTime();
            assertThat(noop(c, "flood-" + i).status()).isEqualTo(CommandResult.Status.COMPLETED);
            served.incrementAndGet();
            slowestMs.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
        }
        assertThat(flooded.await(60, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> c.protocolErrors().total() - errorsBefore >= flood);
        done.countDown();
        flooder.join(10_000);
        System.out.printf("flood of %d garbage messages: %d good commands, slowest %d ms%n", flood, served.get(),
                slowestMs.get());
        assertThat(c.protocolErrors().total() - errorsBefore).isEqualTo(flood);
        assertThat(c.protocolErrors().count(ErrorCode.BAD_BODY)).isGreaterThanOrEqualTo(flood);
        // The flooder reads nothing, but 50,000 replies fit its queue (100,000): none was dropped.
        assertThat(c.protocolErrors().unsentReplies()).isZero();
        assertThat(slowestMs.get()).as("slowest good command during the flood").isLessThan(2_000);
        assertThat(noop(c, "after-flood").status()).isEqualTo(CommandResult.Status.COMPLETED);
    }

    private static void send(ZMQ.Socket s, byte[] body) {
        s.sendMore(Protocol.SIGNATURE);
        s.sendMore(new byte[] {Cmd.HEARTBEAT.code()});
        s.send(body);
    }

    private static ErrorCode errorCode(ZMsg reply) throws ProtocolException {
        assertThat(reply).as("a reply").isNotNull();
        Message m = Message.parse(reply);
        assertThat(m.cmd()).isEqualTo(Cmd.ERROR);
        return ErrorCode.valueOf(m.body().string(Protocol.Field.CODE));
    }
}
