package io.zcl.runner.zmq;

import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.Field;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * Many agents served by one thread, for the scale benchmark. Each is a DEALER speaking the agent's
 * side of ZCR1 in full: HELLO (with what it still holds), WELCOME, heartbeats both ways with
 * liveness (a silent coordinator means a new socket and HELLO again), RUN answered by a RESULT
 * that is held until ACKed and sent again after a reconnect. It runs only the built-in no-op;
 * anything else gets a FAILED_TO_START result, as {@code RefusingExecutor} gives. One
 * {@link Selector} waits on all the sockets.
 *
 * <p>Why: a farm of {@link NodeAgent}s runs a thread per agent, and at 1000 agents on 2 cores those
 * threads, not the coordinator, set the pace (477 to 845 no-op commands/s). This farm costs the
 * machine one thread, so {@code ./zcl bench --scale} measures the coordinator.
 */
public final class MuxAgents implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MuxAgents.class);
    /** How often heartbeats and liveness are checked across all agents. */
    private static final long TIMER_SCAN_MS = 20;

    private final ZContext ctx;
    private final String endpoint;
    private final int heartbeatMs;
    private final int liveness;
    private final LongSupplier clock;
    private final List<Agent> agents = new ArrayList<>();
    private final AtomicLong results = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong errorsReceived = new AtomicLong();
    private final AtomicLong welcomed = new AtomicLong();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private Selector selector;
    private Thread thread;

    /** One agent: its socket, its session and the results it holds. */
    private final class Agent {
        final String nodeId;
        final String instance = UUID.randomUUID().toString();
        final Map<String, Message> unacked = new LinkedHashMap<>();
        ZMQ.Socket socket;
        SelectionKey key;
        boolean up;
        long heardMs;
        long nextHeartbeatMs;
        int hb;
        int lv;

        Agent(String nodeId) {
            this.nodeId = nodeId;
        }
    }

    /**
     * @param nodeIds the agents' node ids, each with its own socket
     */
    public MuxAgents(ZContext ctx, String endpoint, List<String> nodeIds, int heartbeatMs, int liveness,
                     LongSupplier clock) {
        this.ctx = ctx;
        this.endpoint = endpoint;
        this.heartbeatMs = heartbeatMs;
        this.liveness = liveness;
        this.clock = clock;
        nodeIds.forEach(id -> agents.add(new Agent(id)));
    }

    public MuxAgents start() {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
        thread = new Thread(this::loop, "mux-agents");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    public long results() {
        return results.get();
    }

    public long reconnects() {
        return reconnects.get();
    }

    /** WELCOMEs received, over all agents and connections. */
    public long welcomes() {
        return welcomed.get();
    }

    public long errorsReceived() {
        return errorsReceived.get();
    }

    private void loop() {
        try {
            long now = clock.getAsLong();
            for (Agent a : agents) {
                connect(a, now);
            }
            long nextScan = now;
            int spurious = 0;
            while (running) {
                now = clock.getAsLong();
                if (now >= nextScan) {
                    timers(now);
                    nextScan = now + TIMER_SCAN_MS;
                }
                int n = selector.select(Math.max(1, nextScan - clock.getAsLong()));
                boolean any = false;
                if (n > 0) {
                    for (SelectionKey k : selector.selectedKeys()) {
                        any |= drain((Agent) k.attachment());
                    }
                    selector.selectedKeys().clear();
                }
                // A socket's signal written but not yet counted (see Readiness): do not spin on it.
                if (n > 0 && !any) {
                    Readiness.backOff(spurious++);
                } else {
                    spurious = 0;
                }
            }
        } catch (IOException e) {
            LOG.error("mux agents: select failed", e);
        } catch (RuntimeException e) {
            LOG.error("mux agents loop failed", e);
        } finally {
            for (Agent a : agents) {
                if (a.socket != null) {
                    if (a.up) {
                        send(a, Message.of(Cmd.BYE, Map.of(Field.REASON, "agent stopping")));
                    }
                    ctx.destroySocket(a.socket);
                }
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing
            }
            stopped.countDown();
        }
    }

    private void connect(Agent a, long now) throws IOException {
        a.socket = ctx.createSocket(SocketType.DEALER);
        a.socket.setLinger(0);
        a.socket.setMaxMsgSize(Protocol.MAX_FRAME_BYTES);
        a.socket.connect(endpoint);
        a.key = a.socket.getFD().register(selector, SelectionKey.OP_READ, a);
        a.up = false;
        a.heardMs = now;
        a.hb = heartbeatMs;
        a.lv = liveness;
        a.nextHeartbeatMs = now + heartbeatMs;
        Map<String, Object> f = new LinkedHashMap<>();
        f.put(Field.VERSION, Protocol.VERSION);
        f.put(Field.NODE_ID, a.nodeId);
        f.put(Field.INSTANCE, a.instance);
        f.put(Field.AGENT, "zcl-mux-agents/0.1.0 (java " + Runtime.version().feature() + ")");
        f.put(Field.SYSTEM, Codec.system(new SystemConfiguration(a.nodeId, List.of(), List.of(), List.of())));
        f.put(Field.MAX_CONCURRENT, 64);
        f.put(Field.RUNNING, List.of());
        f.put(Field.UNACKED, new ArrayList<>(a.unacked.keySet()));
        send(a, Message.of(Cmd.HELLO, f));
    }

    private void timers(long now) throws IOException {
        for (Agent a : agents) {
            if (now - a.heardMs >= (long) a.hb * a.lv) {
                // The coordinator went silent: a new socket and HELLO, as NodeAgent does.
                reconnects.incrementAndGet();
                a.key.cancel();
                ctx.destroySocket(a.socket);
                connect(a, now);
                continue;
            }
            if (now >= a.nextHeartbeatMs) {
                send(a, Message.of(Cmd.HEARTBEAT));
                a.nextHeartbeatMs = now + a.hb;
                // A send processes the socket's pending commands, which can take the signal of input
                // that just arrived: read it now, or nothing would wake us for it.
                drain(a);
            }
        }
    }

    /** Reads everything the agent's socket holds; true if there was anything. */
    private boolean drain(Agent a) {
        boolean any = false;
        ZMsg msg;
        while ((msg = ZMsg.recvMsg(a.socket, ZMQ.DONTWAIT)) != null) {
            any = true;
            a.heardMs = clock.getAsLong();
            try {
                handle(a, Message.parse(msg));
            } catch (ProtocolException e) {
                errorsReceived.incrementAndGet();
            }
        }
        return any;
    }

    private void handle(Agent a, Message m) throws ProtocolException {
        Body b = m.body();
        switch (m.cmd()) {
            case WELCOME -> {
                a.hb = (int) Math.max(10, Math.min(3_600_000, b.optInteger(Field.HEARTBEAT_MS, heartbeatMs)));
                a.lv = (int) Math.max(1, Math.min(1000, b.optInteger(Field.LIVENESS, liveness)));
                a.up = true;
                welcomed.incrementAndGet();
                a.unacked.values().forEach(r -> send(a, r));
            }
            case RUN -> {
                String id = b.string(Field.CMD_ID);
                Message held = a.unacked.get(id);
                if (held == null) {
                    List<String> argv = b.stringList(Field.ARGV);
                    Instant now = Instant.now();
                    CommandResult r = !argv.isEmpty() && argv.get(0).equals(NodeAgent.BUILTIN_NOOP)
                            ? new CommandResult(id, a.nodeId, CommandResult.Status.COMPLETED, 0, "", "", false, now,
                                    Duration.ZERO, null)
                            : CommandResult.failed(id, a.nodeId, CommandResult.Status.FAILED_TO_START, now, Duration.ZERO,
                                    "this farm runs only " + NodeAgent.BUILTIN_NOOP);
                    held = Codec.result(r);
                    a.unacked.put(id, held);
                    results.incrementAndGet();
                }
                send(a, held);
            }
            case ACK -> a.unacked.remove(b.string(Field.CMD_ID));
            case ERROR -> errorsReceived.incrementAndGet();
            default -> {
                // HEARTBEAT and the rest: hearing it was the point
            }
        }
    }

    private void send(Agent a, Message m) {
        // A message that would block is dropped: a RESULT stays in unacked and goes again after a reconnect.
        Frames.send(a.socket, null, m);
    }

    @Override
    public void close() {
        running = false;
        if (selector != null) {
            selector.wakeup();
        }
        try {
            if (thread != null && !stopped.await(10, TimeUnit.SECONDS)) {
                LOG.warn("mux agents did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
