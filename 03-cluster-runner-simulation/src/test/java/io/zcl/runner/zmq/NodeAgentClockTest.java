package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.local.LocalNodeExecutor;
import io.zcl.runner.zmq.FakeCoordinator.Received;
import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.ErrorCode;
import io.zcl.runner.zmq.Protocol.Field;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;
import org.slf4j.LoggerFactory;

/**
 * The agent's state machine with time as an input: a real {@link NodeAgent} on real sockets, a
 * {@link FakeCoordinator} that answers only when the test says so, and a clock only the test
 * moves (10 s heartbeats, liveness 3: none of it can pass in real time during the test).
 * Heartbeats, the liveness expiry and every reconnect delay happen when the test moves the clock
 * onto them and not one millisecond earlier, however much real time passes meanwhile.
 *
 * <p>JeroMQ 0.6.0 sometimes leaves a fresh TCP connection without its ZMTP handshake (a race in
 * its I/O poller, zeromq/jeromq pull request 1022): the agent's HELLO then never leaves. The
 * agent recovers from that as from a silent coordinator, after liveness x interval, so an attempt
 * whose HELLO does not arrive is expired by the clock like an unanswered one; the test counts them.
 */
@Timeout(300)
@Tag("slow")
class NodeAgentClockTest {

    private static final int HEARTBEAT_MS = 10_000;
    private static final int LIVENESS = 3;
    private static final long DEAD_AFTER_MS = (long) HEARTBEAT_MS * LIVENESS;
    /** Real time in which nothing may arrive while the clock stands still (the agent polls at least every 250 ms). */
    private static final long QUIET_MS = 400;
    /**
     * Real time a HELLO gets after the clock allowed it before the attempt counts as a JeroMQ stall.
     * Far above the milliseconds it takes on a quiet machine, so a loaded one (a 2-core box at load
     * 50) is not mistaken for a stall; a real stall costs this much once in about 100 connections.
     */
    private static final long HELLO_WAIT_MS = 15_000;
    /**
     * Real time allowed for what the clock has made due (a heartbeat, a BYE, a log line). Only an
     * upper bound: the wait ends as soon as it arrives, so a generous one costs nothing.
     */
    private static final long MUST_ARRIVE_MS = 30_000;
    private static final Pattern DELAY = Pattern.compile("reconnecting in (\\d+) ms");

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger agentLogger = (Logger) LoggerFactory.getLogger(NodeAgent.class);
    private int stalls;

    @BeforeEach
    void captureLog() {
        log.start();
        agentLogger.addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        agentLogger.detachAppender(log);
        if (stalls > 0) {
            System.out.println("NodeAgentClockTest: " + stalls + " connection(s) stalled before the ZMTP handshake "
                    + "(JeroMQ poller race); the agent recovered each after liveness x interval");
        }
    }

    @Test
    void heartbeatsAtTheIntervalExpiryAfterLivenessTimesIntervalAndBackoffDelaysAllReadOffTheClock() throws Exception {
        String node = "clock-n1";
        try (FakeCoordinator coordinator = new FakeCoordinator();
             LocalNodeExecutor exec = new LocalNodeExecutor(node, Map.of(), null);
             NodeAgent agent = agent(coordinator, node, exec)) {
            Received hello = firstHello(coordinator, node, agent);
            assertThat(hello.body()).containsEntry(Field.NODE_ID, node).containsEntry(Field.INSTANCE, agent.instance());
            coordinator.welcome(hello.from(), HEARTBEAT_MS, LIVENESS);
            await().atMost(Duration.ofMillis(MUST_ARRIVE_MS)).until(() -> agent.state() == NodeAgent.State.READY);
            long reconnectsBefore = agent.reconnects();
            int warningsBefore = reconnectWarnings(node).size();

            // Heartbeats: one per interval of clock time, none before.
            for (int i = 0; i < 2; i++) {
                now.addAndGet(HEARTBEAT_MS - 1);
                assertThat(coordinator.receive(QUIET_MS)).as("nothing 1 ms before heartbeat %d", i + 1).isNull();
                now.addAndGet(1);
                Received hb = coordinator.receive(MUST_ARRIVE_MS);
                assertThat(hb).isNotNull();
                assertThat(hb.cmd()).isEqualTo(Cmd.HEARTBEAT);
                assertThat(hb.from()).isEqualTo(hello.from());
            }

            // Expiry: the coordinator said nothing since WELCOME; at liveness x interval the agent gives up.
            now.addAndGet(HEARTBEAT_MS - 1);
            assertThat(coordinator.receive(QUIET_MS)).isNull();
            assertThat(agent.state()).isEqualTo(NodeAgent.State.READY);
            assertThat(agent.reconnects()).isEqualTo(reconnectsBefore);
            now.addAndGet(1);
            int n = warningsBefore + 1;
            long delay = reconnectDelay(node, n, "silent for " + DEAD_AFTER_MS + " ms");
            assertThat(delay).as("first delay: 1 s with equal jitter").isBetween(500L, 1_000L);
            assertThat(agent.state()).isEqualTo(NodeAgent.State.CONNECTING);
            assertThat(agent.reconnects()).isEqualTo(reconnectsBefore + 1);
            Received bye = coordinator.receive(MUST_ARRIVE_MS);
            assertThat(bye.cmd()).as("a BYE on the connection it gives up").isEqualTo(Cmd.BYE);
            assertThat(bye.from()).isEqualTo(hello.from());
            assertThat(bye.body()).containsEntry(Field.REASON, "coordinator silent: reconnecting");

            // Unanswered HELLOs: each attempt expires after liveness x interval; the delays double
            // (2 s, 4 s) up to the cap (8 s), each drawn from [base/2, base] and waited on the clock.
            byte[] previous = hello.from();
            long[] bases = {2_000, 4_000, 8_000, 8_000};
            int hellos = 0;
            for (long base : bases) {
                Received again = reHelloAfter(coordinator, delay, previous);
                if (again != null) {
                    hellos++;
                    assertThat(again.body()).containsEntry(Field.INSTANCE, agent.instance());
                    previous = again.from();
                }
                now.addAndGet(DEAD_AFTER_MS);
                delay = reconnectDelay(node, ++n, "silent for " + DEAD_AFTER_MS + " ms");
                assertThat(delay).as("delay drawn from base %d", base).isBetween(base / 2, base);
            }
            assertThat(hellos).as("HELLOs seen on the clock (the rest stalled in JeroMQ)").isPositive();
            assertThat(agent.reconnects()).isEqualTo(reconnectsBefore + 1 + bases.length);

            // A WELCOME resets the backoff: the next loss waits about 1 s again.
            hello = reHelloAfter(coordinator, delay, previous);
            while (hello == null) { // stalled: the capped delay again
                now.addAndGet(DEAD_AFTER_MS);
                delay = reconnectDelay(node, ++n, "silent for " + DEAD_AFTER_MS + " ms");
                hello = reHelloAfter(coordinator, delay, previous);
            }
            coordinator.welcome(hello.from(), HEARTBEAT_MS, LIVENESS);
            await().atMost(Duration.ofMillis(MUST_ARRIVE_MS)).until(() -> agent.state() == NodeAgent.State.READY);
            now.addAndGet(DEAD_AFTER_MS);
            delay = reconnectDelay(node, ++n, "silent for " + DEAD_AFTER_MS + " ms");
            assertThat(delay).as("after a WELCOME the backoff starts over").isBetween(500L, 1_000L);
            assertThat(coordinator.receive(MUST_ARRIVE_MS).cmd()).isEqualTo(Cmd.BYE);
        }
    }

    @Test
    void coordinatorTrafficPostponesTheExpiry() throws Exception {
        String node = "clock-n2";
        try (FakeCoordinator coordinator = new FakeCoordinator();
             LocalNodeExecutor exec = new LocalNodeExecutor(node, Map.of(), null);
             NodeAgent agent = agent(coordinator, node, exec)) {
            Received hello = welcomed(coordinator, node, agent);
            long welcomedAt = now.get();
            long reconnectsBefore = agent.reconnects();
            int warningsBefore = reconnectWarnings(node).size();

            now.addAndGet(DEAD_AFTER_MS - 1);
            assertThat(coordinator.receiveSkippingHeartbeats(QUIET_MS)).as("nothing but heartbeats before the expiry")
                    .isNull();
            // A heartbeat, then a RUN whose RESULT proves the agent has read both at this clock reading.
            coordinator.send(hello.from(), Message.of(Cmd.HEARTBEAT));
            coordinator.send(hello.from(), Message.of(Cmd.RUN, Map.of(Field.CMD_ID, "noop-1",
                    Field.ARGV, List.of(NodeAgent.BUILTIN_NOOP), Field.STREAM, false)));
            Received result = coordinator.receiveSkippingHeartbeats(MUST_ARRIVE_MS);
            assertThat(result.cmd()).isEqualTo(Cmd.RESULT);
            assertThat(result.body()).containsEntry(Field.CMD_ID, "noop-1");
            long heardAt = now.get();

            // Past where the WELCOME alone would have expired, but 1 ms short of liveness x interval after the traffic.
            now.set(heardAt + DEAD_AFTER_MS - 1);
            assertThat(now.get()).isGreaterThan(welcomedAt + DEAD_AFTER_MS);
            assertThat(coordinator.receiveSkippingHeartbeats(QUIET_MS)).isNull();
            assertThat(agent.state()).isEqualTo(NodeAgent.State.READY);
            assertThat(agent.reconnects()).isEqualTo(reconnectsBefore);
            now.addAndGet(1);
            assertThat(reconnectDelay(node, warningsBefore + 1, "silent for " + DEAD_AFTER_MS + " ms"))
                    .isBetween(500L, 1_000L);
            assertThat(agent.state()).isEqualTo(NodeAgent.State.CONNECTING);
            assertThat(coordinator.receiveSkippingHeartbeats(MUST_ARRIVE_MS).cmd()).isEqualTo(Cmd.BYE);
        }
    }

    @Test
    void helloRequiredFromARestartedCoordinatorGetsAHelloAtOnceWithoutWaitingForTheClock() throws Exception {
        String node = "clock-n3";
        try (FakeCoordinator coordinator = new FakeCoordinator();
             LocalNodeExecutor exec = new LocalNodeExecutor(node, Map.of(), null);
             NodeAgent agent = agent(coordinator, node, exec)) {
            Received hello = welcomed(coordinator, node, agent);
            long reconnectsBefore = agent.reconnects();

            coordinator.send(hello.from(), Message.error(ErrorCode.HELLO_REQUIRED, "no session: send HELLO first"));
            Received again = coordinator.receive(MUST_ARRIVE_MS);
            assertThat(again).isNotNull();
            assertThat(again.cmd()).isEqualTo(Cmd.HELLO);
            assertThat(again.from()).as("same connection: no reconnect needed").isEqualTo(hello.from());
            assertThat(again.body()).containsEntry(Field.INSTANCE, agent.instance());
            assertThat(agent.state()).isEqualTo(NodeAgent.State.CONNECTING);
            assertThat(agent.reconnects()).isEqualTo(reconnectsBefore);
            coordinator.welcome(again.from(), HEARTBEAT_MS, LIVENESS);
            await().atMost(Duration.ofMillis(MUST_ARRIVE_MS)).until(() -> agent.state() == NodeAgent.State.READY);
        }
    }

    private NodeAgent agent(FakeCoordinator coordinator, String node, LocalNodeExecutor exec) {
        return new NodeAgent(NodeAgent.Settings.defaults(coordinator.endpoint(), node,
                new SystemConfiguration(node, List.of(), List.of(), List.of()))
                .withHeartbeat(HEARTBEAT_MS, LIVENESS).withBackoff(1_000, 8_000), exec, null, now::get).start();
    }

    /**
     * The agent's first HELLO. Should its connection stall in JeroMQ, the clock moves the agent
     * through liveness expiry and backoff (as real time would) until a HELLO arrives.
     */
    /** The agent's first HELLO, answered with WELCOME; returns once the agent is READY. */
    private Received welcomed(FakeCoordinator coordinator, String node, NodeAgent agent) throws Exception {
        Received hello = firstHello(coordinator, node, agent);
        coordinator.welcome(hello.from(), HEARTBEAT_MS, LIVENESS);
        await().atMost(Duration.ofMillis(MUST_ARRIVE_MS)).until(() -> agent.state() == NodeAgent.State.READY);
        return hello;
    }

    private Received firstHello(FakeCoordinator coordinator, String node, NodeAgent agent) throws Exception {
        for (int attempt = 1; attempt <= 5; attempt++) {
            Received hello = coordinator.receiveSkippingHeartbeats(HELLO_WAIT_MS);
            if (hello != null) {
                assertThat(hello.cmd()).isEqualTo(Cmd.HELLO);
                return hello;
            }
            stalls++;
            now.addAndGet(DEAD_AFTER_MS);
            now.addAndGet(reconnectDelay(node, attempt, "silent for " + DEAD_AFTER_MS + " ms"));
        }
        throw new AssertionError("no HELLO from " + node + " in 5 attempts; state " + agent.state());
    }

    /** Waits for the agent's n-th reconnect WARN, checks its reason, and returns the delay it drew. */
    private long reconnectDelay(String node, int n, String reason) {
        await().atMost(Duration.ofMillis(MUST_ARRIVE_MS)).until(() -> reconnectWarnings(node).size() >= n);
        List<ILoggingEvent> warnings = reconnectWarnings(node);
        assertThat(warnings).hasSize(n);
        ILoggingEvent e = warnings.get(n - 1);
        assertThat(e.getLevel()).isEqualTo(Level.WARN);
        assertThat(e.getThrowableProxy()).isNull();
        assertThat(e.getFormattedMessage()).contains(reason);
        Matcher m = DELAY.matcher(e.getFormattedMessage());
        assertThat(m.find()).as(e.getFormattedMessage()).isTrue();
        return Long.parseLong(m.group(1));
    }

    private List<ILoggingEvent> reconnectWarnings(String node) {
        return log.list.stream().filter(e -> e.getFormattedMessage().startsWith(node + ": coordinator ")
                && e.getFormattedMessage().contains("reconnecting in")).toList();
    }

    /**
     * No HELLO while the clock stands still or 1 ms short of the delay; once it reaches the delay,
     * a HELLO on a new connection, or null if that connection stalled in JeroMQ (counted).
     */
    private Received reHelloAfter(FakeCoordinator coordinator, long delay, byte[] previous) throws Exception {
        assertThat(coordinator.receiveSkippingHeartbeats(QUIET_MS)).as("no HELLO while the clock stands still").isNull();
        now.addAndGet(delay - 1);
        assertThat(coordinator.receiveSkippingHeartbeats(QUIET_MS)).as("no HELLO 1 ms before the delay").isNull();
        now.addAndGet(1);
        Received hello = coordinator.receiveSkippingHeartbeats(HELLO_WAIT_MS);
        if (hello == null) {
            stalls++;
            return null;
        }
        assertThat(hello.cmd()).isEqualTo(Cmd.HELLO);
        assertThat(hello.from()).as("a new connection").isNotEqualTo(previous);
        return hello;
    }
}
