package io.zcl.runner.zmq;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.api.OutputListener;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.ErrorCode;
import io.zcl.runner.zmq.Protocol.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
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
 * The node agent: dials out to the coordinator (DEALER -> ROUTER), says HELLO with the node's
 * SystemConfiguration, runs the commands it is sent through a local {@link NodeExecutor}, streams
 * their output and sends each RESULT, which it keeps until the coordinator ACKs it.
 *
 * <p>One thread owns the socket. Commands finish on other threads; they hand their messages to
 * that thread through a bounded queue and a wake-up pipe, so a burst of output slows the command
 * down (backpressure) instead of growing memory.
 *
 * <p>Liveness is Paranoid Pirate in both directions: any message counts; after liveness x
 * interval of silence the agent closes its socket, waits a jittered, doubling backoff and
 * connects again with a fresh HELLO that lists what it is running and what is still unacked.
 */
public final class NodeAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);

    /** Built-in command that runs nothing: measures the transport without a process spawn. */
    public static final String BUILTIN_NOOP = "@noop";

    /** How many acknowledged command ids are remembered, to refuse a replayed RUN. */
    private static final int REMEMBERED_ACKED = 10_000;

    /** Outbound messages waiting for the socket; bounds memory when output outruns the network. */
    private static final int OUTBOX_CAPACITY = 1024;

    /**
     * @param coordinator       endpoint to connect to, e.g. tcp://10.0.0.1:5555
     * @param nodeId            this node's id in the cluster descriptor
     * @param system            what this node has, sent in HELLO
     * @param heartbeatMs       heartbeat interval until WELCOME says otherwise
     * @param liveness          missed intervals before the coordinator counts as gone
     * @param backoffInitialMs  first reconnect delay; doubles up to backoffMaxMs
     * @param backoffMaxMs      cap of the reconnect delay
     * @param policy            what may run: programs, environment, working directories
     *                          ({@link CommandPolicy#perfTools()} by default)
     * @param maxConcurrent     advertised in HELLO; the executor enforces it
     */
    public record Settings(String coordinator, String nodeId, SystemConfiguration system, int heartbeatMs,
                           int liveness, long backoffInitialMs, long backoffMaxMs,
                           CommandPolicy policy, int maxConcurrent) {
        public Settings {
            Objects.requireNonNull(coordinator, "coordinator");
            Objects.requireNonNull(nodeId, "nodeId");
            Objects.requireNonNull(system, "system");
            Objects.requireNonNull(policy, "policy");
        }

        public static Settings defaults(String coordinator, String nodeId, SystemConfiguration system) {
            return new Settings(coordinator, nodeId, system, Protocol.DEFAULT_HEARTBEAT_MS, Protocol.DEFAULT_LIVENESS,
                    1000, 32_000, CommandPolicy.perfTools(), 64);
        }

        public Settings withHeartbeat(int newHeartbeatMs, int newLiveness) {
            return new Settings(coordinator, nodeId, system, newHeartbeatMs, newLiveness, backoffInitialMs,
                    backoffMaxMs, policy, maxConcurrent);
        }

        public Settings withBackoff(long initialMs, long maxMs) {
            return new Settings(coordinator, nodeId, system, heartbeatMs, liveness, initialMs, maxMs,
                    policy, maxConcurrent);
        }

        /** Only these programs (bare names or paths); the environment and cwd rules of the policy stay. */
        public Settings withAllowedExecutables(Set<String> allowed) {
            return withPolicy(new CommandPolicy(allowed, false, policy.cwdRoots()));
        }

        public Settings withPolicy(CommandPolicy newPolicy) {
            return new Settings(coordinator, nodeId, system, heartbeatMs, liveness, backoffInitialMs, backoffMaxMs,
                    newPolicy, maxConcurrent);
        }
    }

    /** Agent state a caller can watch (tests, the simulation's progress). */
    public enum State { CONNECTING, READY, REJECTED, STOPPED }

    private final Settings settings;
    private final NodeExecutor executor;
    private final ZContext ctx;
    /** Watches our own context's I/O thread; null with a shared context. */
    private final IoThreadWatch ioWatch;
    private final boolean ownsContext;
    private final LongSupplier clock;
    private final String instance = UUID.randomUUID().toString();
    private final Backoff backoff;
    private final Wakeup wakeup = new Wakeup();
    private final BlockingQueue<Message> outbox = new ArrayBlockingQueue<>(OUTBOX_CAPACITY);
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    /** Finished but not yet acknowledged: re-sent after every (re)connect. Written by the I/O thread only. */
    private final Map<String, Message> unacked = new ConcurrentHashMap<>();
    private final LinkedHashMap<String, Boolean> acked = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_ACKED;
        }
    };
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Map<String, AtomicLong> outputSeq = new ConcurrentHashMap<>();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong outputDropped = new AtomicLong();
    private final AtomicLong commandsRefused = new AtomicLong();
    private final ProtocolErrors errors = new ProtocolErrors();
    private volatile boolean running0 = true;
    private volatile State state = State.CONNECTING;
    private volatile String rejection;
    private volatile boolean sessionUp;
    private Thread thread;
    private volatile Curve.Client curve;
    private volatile String handshakeFailure;
    private volatile String connectProblem;
    private final AtomicLong handshakeFailures = new AtomicLong();
    private HandshakeWatch watch;

    private ZMQ.Socket socket;
    private Liveness liveness;
    private long heartbeatMs;
    private Message pendingSend;
    /** RESULTs made on the I/O thread that the socket could not take yet; sent before anything queued later. */
    private final java.util.ArrayDeque<Message> blocked = new java.util.ArrayDeque<>();

    public NodeAgent(Settings settings, NodeExecutor executor) {
        this(settings, executor, null, MonotonicClock::millis);
    }

    /**
     * @param ctx   a shared context (many agents in one JVM share one), or null for an own one
     * @param clock milliseconds; a parameter so liveness can be driven in tests
     */
    public NodeAgent(Settings settings, NodeExecutor executor, ZContext ctx, LongSupplier clock) {
        this.settings = settings;
        this.executor = executor;
        this.ownsContext = ctx == null;
        this.ctx = ctx == null ? new ZContext(1) : ctx;
        this.ioWatch = ctx == null ? IoThreadWatch.install(this.ctx, "agent " + settings.nodeId()) : null;
        this.clock = clock;
        this.backoff = new Backoff(settings.backoffInitialMs(), settings.backoffMaxMs(),
                () -> ThreadLocalRandom.current().nextDouble());
        this.heartbeatMs = settings.heartbeatMs();
    }

    /** Talk CURVE to the coordinator: our key pair, and the coordinator's public key pinned. Before start(). */
    public NodeAgent withCurve(Curve.Client client) {
        this.curve = client;
        return this;
    }

    /** Why the last handshake with the coordinator failed (refused key, wrong coordinator key), or null. */
    public String handshakeFailure() {
        return handshakeFailure;
    }

    /**
     * Why the last attempt could not even open a connection (e.g. "unreachable: host name X does
     * not resolve (DNS not ready yet?)"), or null once an attempt got further. The agent keeps retrying.
     */
    public String connectProblem() {
        return connectProblem;
    }

    /** Handshakes with the coordinator that failed since start. */
    public long handshakeFailures() {
        return handshakeFailures.get();
    }

    /** Starts the agent's I/O thread. */
    public NodeAgent start() {
        thread = new Thread(this::loop, "agent-" + settings.nodeId());
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    public State state() {
        return state;
    }

    public String nodeId() {
        return settings.nodeId();
    }

    /** Random per process start; a new one tells the coordinator that the agent restarted. */
    public String instance() {
        return instance;
    }

    /** RUNs the command policy refused (program, environment or cwd): answered FAILED_TO_START. */
    public long commandsRefused() {
        return commandsRefused.get();
    }

    /** Why the coordinator refused this agent (state REJECTED), else null. */
    public String rejection() {
        return rejection;
    }

    public long reconnects() {
        return reconnects.get();
    }

    public long outputChunksDropped() {
        return outputDropped.get();
    }

    /** Protocol errors in what the coordinator sent, in total and by ERROR code (any thread; for /metrics). */
    public ProtocolErrors protocolErrors() {
        return errors;
    }

    /** Results held until ACKed, commands running, acknowledged ids remembered (bounded), for tests and metrics. */
    public record Footprint(int unacked, int running, int outbox) {
    }

    public Footprint footprint() {
        return new Footprint(unacked.size(), running.size(), outbox.size());
    }

    /** Blocks until the agent has stopped (after {@link #close()}), up to the timeout. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Why the agent's own ZeroMQ I/O thread died (the agent then stops instead of reconnecting on
     * a dead context: see {@link IoThreadWatch}), or null. Always null with a shared context.
     */
    public Throwable transportFailure() {
        return ioWatch == null ? null : ioWatch.failure();
    }

    private boolean ioThreadDead() {
        return ioWatch != null && ioWatch.dead();
    }

    private void loop() {
        try {
            while (running0 && !ioThreadDead()) {
                String why;
                try {
                    connect();
                    connectProblem = null; // this attempt got as far as a socket: report what happens next
                    String failed = runSession();
                    why = failed != null ? "refused the handshake: " + failed
                            : "silent for " + liveness.silenceMs(clock.getAsLong()) + " ms";
                } catch (org.zeromq.ZMQException e) {
                    // e.g. a host name that does not resolve yet (a container still starting): retry
                    why = unreachable(e);
                    connectProblem = why;
                }
                closeSocket();
                if (running0 && !ioThreadDead()) {
                    state = State.CONNECTING; // not READY while waiting out the backoff
                    long delay = backoff.nextDelayMs();
                    reconnects.incrementAndGet();
                    LOG.warn("{}: coordinator {} {}; reconnecting in {} ms", settings.nodeId(), settings.coordinator(),
                            why, delay);
                    pause(delay);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("{}: agent loop failed", settings.nodeId(), e);
        } finally {
            closeSocket();
            state = rejection != null ? State.REJECTED : State.STOPPED;
            wakeup.close();
            if (ownsContext && !ioThreadDead()) { // term() would wait for the dead I/O thread forever
                ctx.close();
            }
            stopped.countDown();
        }
    }

    /** Why connect() failed, in words: an unresolvable host name says so (JeroMQ wraps UnknownHostException). */
    private String unreachable(org.zeromq.ZMQException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.UnknownHostException) {
                String host = settings.coordinator().replaceFirst("^[a-z]+://", "").replaceFirst(":[^:\\]]*$", "");
                return "unreachable: host name " + host + " does not resolve (DNS not ready yet?)";
            }
        }
        return "not reachable (" + e.getMessage() + ")";
    }

    private void connect() {
        socket = ctx.createSocket(SocketType.DEALER);
        socket.setLinger(0);
        socket.setMaxMsgSize(Protocol.MAX_FRAME_BYTES);
        socket.setSndHWM(OUTBOX_CAPACITY);
        if (curve != null) {
            curve.secure(socket);
        }
        watch = new HandshakeWatch(ctx, socket, curve != null);
        socket.connect(settings.coordinator());
        state = State.CONNECTING;
        sessionUp = false;
        liveness = new Liveness(heartbeatMs, settings.liveness(), clock.getAsLong());
        send(hello());
    }

    private Message hello() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put(Field.VERSION, Protocol.VERSION);
        f.put(Field.NODE_ID, settings.nodeId());
        f.put(Field.INSTANCE, instance);
        f.put(Field.AGENT, "zcl-agent/0.1.0 (java " + Runtime.version().feature() + ")");
        f.put(Field.SYSTEM, Codec.system(settings.system()));
        f.put(Field.MAX_CONCURRENT, settings.maxConcurrent());
        f.put(Field.RUNNING, new ArrayList<>(running));
        f.put(Field.UNACKED, new ArrayList<>(unacked.keySet()));
        return Message.of(Cmd.HELLO, f);
    }

    /**
     * One connection's life: returns when the coordinator is declared dead or the agent stops
     * (null), or why the handshake failed.
     */
    private String runSession() {
        String failed;
        try (Readiness ready = new Readiness(List.of(socket, watch.events()), List.of(wakeup.source()))) {
            failed = pollUntilDeadOrStopped(ready);
        }
        if (sessionUp) {
            // Also when the coordinator went silent: if it still hears us, it drops this connection now.
            send(Message.of(Cmd.BYE, Map.of(Field.REASON, running0 ? "coordinator silent: reconnecting" : "agent stopping")));
        }
        return failed;
    }

    private String pollUntilDeadOrStopped(Readiness ready) {
        while (running0) {
            long now = clock.getAsLong();
            if (liveness.isDead(now)) {
                return null;
            }
            if (liveness.heartbeatDue(now)) {
                send(Message.of(Cmd.HEARTBEAT));
            }
            // With messages waiting for room on the socket, look again soon rather than at the next heartbeat.
            long wait = blocked.isEmpty() && pendingSend == null ? liveness.msUntilNextEvent(clock.getAsLong()) : 5;
            ready.await(Math.max(1, Math.min(ZmqCoordinator.MAX_POLL_MS, wait)));
            if (ready.selected(wakeup.source())) {
                wakeup.drain();
            }
            if (Readiness.readable(watch.events())) {
                String failed = watch.check();
                if (failed != null) {
                    handshakeFailure = failed;
                    handshakeFailures.incrementAndGet();
                    LOG.error("{}: handshake with coordinator {} failed: {}", settings.nodeId(), settings.coordinator(),
                            failed);
                    return failed;
                }
            }
            if (Readiness.readable(socket)) {
                receiveAll();
            }
            flushOutbox();
        }
        return null;
    }

    /** Reads at most one batch so heartbeats and the outbox still get their turn under a flood. */
    private void receiveAll() {
        ZMsg msg;
        int budget = 256;
        while (budget-- > 0 && (msg = ZMsg.recvMsg(socket, ZMQ.DONTWAIT)) != null) {
            liveness.heard(clock.getAsLong());
            watch.heard();
            try {
                handle(Message.parse(msg));
            } catch (ProtocolException e) {
                errors.record(LOG, "coordinator (at " + settings.nodeId() + ")", e.code(), e.getMessage());
                if (!trySend(Message.error(e.code(), e.getMessage()))) {
                    errors.recordUnsent(LOG, "coordinator (at " + settings.nodeId() + ")", e.code());
                }
                resync();
            } catch (RuntimeException e) {
                // A handler bug must not stop the agent: its node would be lost for good.
                errors.recordInternal(LOG, "coordinator (at " + settings.nodeId() + ")", e);
            }
        }
    }

    private void handle(Message m) throws ProtocolException {
        Body b = m.body();
        switch (m.cmd()) {
            case WELCOME -> {
                long hbWire = b.optInteger(Field.HEARTBEAT_MS, heartbeatMs);
                long lvWire = b.optInteger(Field.LIVENESS, settings.liveness());
                // Bounded, so a bad WELCOME cannot set a 1 ms heartbeat storm or overflow an int.
                if (hbWire < 10 || hbWire > 3_600_000 || lvWire <= 0 || lvWire > 1000) {
                    throw new ProtocolException(ErrorCode.BAD_BODY, "heartbeat_ms must be 10..3600000 and liveness "
                            + "1..1000, got " + hbWire + " and " + lvWire);
                }
                int hb = (int) hbWire;
                int lv = (int) lvWire;
                heartbeatMs = hb;
                liveness = new Liveness(hb, lv, clock.getAsLong());
                backoff.reset();
                sessionUp = true;
                handshakeFailure = null;
                state = State.READY;
                // Results the coordinator has not acknowledged go again; it de-duplicates by cmd id.
                unacked.values().forEach(this::send);
            }
            case RUN -> run(Codec.command(b), b.optBoolean(Field.STREAM, false));
            case CANCEL -> executor.cancel(b.string(Field.CMD_ID));
            case ACK -> {
                String id = b.string(Field.CMD_ID);
                unacked.remove(id);
                acked.put(id, Boolean.TRUE);
            }
            case HEARTBEAT -> {
                // liveness already updated: any traffic counts
            }
            case ERROR -> {
                String code = b.optString(Field.CODE, "?");
                errors.peerReported(LOG, "coordinator (at " + settings.nodeId() + ")", code, b.optString(Field.REASON, ""));
                if (ErrorCode.NOT_ALLOWED.name().equals(code) && !sessionUp) {
                    // The coordinator refuses this node: retrying cannot help, so stop and say why.
                    rejection = b.optString(Field.REASON, "refused");
                    LOG.info("{}: coordinator refused this agent: {}", settings.nodeId(), rejection);
                    running0 = false;
                } else if (sessionUp && code.startsWith("BAD_")) {
                    resync(); // the coordinator could not read something we sent: it may have been a RESULT
                } else if (ErrorCode.HELLO_REQUIRED.name().equals(code)) {
                    // The coordinator restarted and forgot us: introduce ourselves again.
                    sessionUp = false;
                    state = State.CONNECTING;
                    send(hello());
                }
            }
            default -> throw new ProtocolException(ErrorCode.UNKNOWN_COMMAND,
                    m.cmd() + " is sent by agents, not to them");
        }
    }

    /**
     * A message that arrived broken was lost (JeroMQ 0.6.0's CURVE can hand a raw MESSAGE frame to
     * the application under backpressure, jeromq issue #1009). A HELLO on the live session
     * resynchronises: it lists what runs and what is unacked, so the coordinator sends again any
     * RUN we never got, and its WELCOME makes us send every unacked RESULT again. Both sides
     * de-duplicate by command id, so a resync costs a few messages and loses nothing.
     */
    private void resync() {
        if (sessionUp) {
            LOG.info("{}: resynchronising with the coordinator after a broken message", settings.nodeId());
            send(hello());
        }
    }

    private void run(Command cmd, boolean stream) {
        String id = cmd.id();
        if (running.contains(id)) {
            return; // a re-sent RUN for a command in progress: idempotent
        }
        Message held = unacked.get(id);
        if (held != null) {
            send(held); // finished already: the RESULT was probably lost, send it again
            return;
        }
        if (acked.containsKey(id)) {
            errors.recordRefusal(ErrorCode.DUPLICATE);
            send(Message.of(Cmd.ERROR, Map.of(Field.CODE, ErrorCode.DUPLICATE.name(),
                    Field.REASON, "command " + id + " already ran and was acknowledged", Field.REF, id)));
            return;
        }
        String program = cmd.argv().get(0);
        if (program.equals(BUILTIN_NOOP)) {
            Instant now = Instant.now();
            finished(new CommandResult(id, settings.nodeId(), CommandResult.Status.COMPLETED, 0, "", "", false,
                    now, Duration.ZERO, null));
            return;
        }
        String refusal = settings.policy().refusal(cmd);
        if (refusal != null) {
            long n = commandsRefused.incrementAndGet();
            if (n <= 20 || n % 1000 == 0) { // a hostile coordinator must not flood the log
                LOG.warn("{}: refused command {} ({} so far): {}", settings.nodeId(), ProtocolErrors.printable(id), n,
                        ProtocolErrors.printable(refusal));
            }
            finished(CommandResult.failed(id, settings.nodeId(), CommandResult.Status.FAILED_TO_START, Instant.now(),
                    Duration.ZERO, refusal));
            return;
        }
        running.add(id);
        OutputListener listener = stream ? this::output : OutputListener.NONE;
        executor.run(settings.policy().resolved(cmd), listener).whenComplete((result, error) -> {
            CommandResult r = result != null ? result
                    : CommandResult.failed(id, settings.nodeId(), CommandResult.Status.FAILED_TO_START,
                            Instant.now(), Duration.ZERO, String.valueOf(error));
            post(Codec.result(r));
        });
    }

    /** From the executor's output thread. */
    private void output(String commandId, OutputListener.Stream stream, byte[] chunk) {
        Message m = Message.of(Cmd.OUTPUT, Map.of(Field.CMD_ID, commandId,
                Field.STREAM, stream == OutputListener.Stream.STDOUT ? "stdout" : "stderr",
                Field.SEQ, outputSeq.computeIfAbsent(commandId, k -> new AtomicLong()).getAndIncrement(),
                Field.DATA, chunk));
        if (!sessionUp) {
            // Live output is best effort while disconnected; the RESULT still carries the captured output.
            outputDropped.incrementAndGet();
            return;
        }
        try {
            // Blocks when the outbox is full: the command's pipe fills and the command slows down.
            while (sessionUp && running0 && !outbox.offer(m, 100, TimeUnit.MILLISECONDS)) {
                wakeup.wake();
            }
            wakeup.wake();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** From any thread: a RESULT to hand to the I/O thread. Never dropped. */
    private void post(Message m) {
        if (Thread.currentThread() == thread) {
            // The executor completed synchronously on the I/O thread: queueing could wait on ourselves.
            String id = (String) m.body().asMap().get(Field.CMD_ID);
            running.remove(id);
            outputSeq.remove(id);
            unacked.put(id, m);
            if (sessionUp) {
                sendReliably(m);
            }
            return;
        }
        try {
            while (!outbox.offer(m, 100, TimeUnit.MILLISECONDS)) {
                wakeup.wake();
                if (!running0) {
                    return;
                }
            }
            wakeup.wake();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void finished(CommandResult r) {
        Message m = Codec.result(r);
        unacked.put(r.commandId(), m);
        sendReliably(m);
    }

    /** On the I/O thread: move queued messages to the socket while it accepts them. */
    /**
     * On the I/O thread: a RESULT must reach the wire even when the socket's queue is full right
     * now (a burst of results, a slow coordinator), so it waits its turn instead of being dropped.
     */
    private void sendReliably(Message m) {
        if (blocked.isEmpty() && pendingSend == null && trySend(m)) {
            return;
        }
        blocked.add(m);
    }

    private void flushOutbox() {
        while (!blocked.isEmpty()) {
            if (!trySend(blocked.peek())) {
                return;
            }
            blocked.poll();
        }
        while (true) {
            if (pendingSend != null) {
                if (!trySend(pendingSend)) {
                    return;
                }
                pendingSend = null;
            }
            Message m = outbox.poll();
            if (m == null) {
                return;
            }
            if (m.cmd() == Cmd.RESULT) {
                String id = (String) m.body().asMap().get(Field.CMD_ID);
                running.remove(id);
                outputSeq.remove(id);
                unacked.put(id, m);
                if (!sessionUp) {
                    continue; // sent with the others after the next WELCOME
                }
            }
            pendingSend = m;
        }
    }

    private boolean trySend(Message m) {
        // The clock is read before the message leaves. Read after, it could show a time the
        // coordinator's reaction caused (NodeAgentClockTest moves its clock when a heartbeat
        // arrives; on a loaded machine this thread was descheduled between send and read), and
        // the next heartbeat would then be due a whole interval late.
        long at = clock.getAsLong();
        boolean ok = Frames.send(socket, null, m);
        if (ok) {
            liveness.sent(at);
        }
        return ok;
    }

    private void send(Message m) {
        if (!trySend(m)) {
            LOG.debug("{}: send of {} would block; dropped (re-sent after reconnect if it matters)",
                    settings.nodeId(), m.cmd());
        }
    }

    /** Waits out a backoff delay, but wakes at once when the agent is closed. */
    private void pause(long ms) {
        long until = clock.getAsLong() + ms;
        try (ZMQ.Poller poller = ctx.createPoller(1)) {
            poller.register(wakeup.source(), ZMQ.Poller.POLLIN);
            while (running0 && clock.getAsLong() < until) {
                poller.poll(Math.min(100, Math.max(1, until - clock.getAsLong())));
                wakeup.drain();
            }
        }
    }

    private void closeSocket() {
        if (watch != null) {
            watch.close();
            watch = null;
        }
        if (socket != null) {
            ctx.destroySocket(socket);
            socket = null;
        }
        sessionUp = false;
        // Held RESULTs are in `unacked` and go again after the next WELCOME; a half-sent OUTPUT is best effort.
        blocked.clear();
        pendingSend = null;
    }

    /** Stops the agent: sends BYE if connected, closes the socket. Running commands are not killed. */
    @Override
    public void close() {
        running0 = false;
        wakeup.wake();
        try {
            if (thread != null && !stopped.await(5, TimeUnit.SECONDS)) {
                LOG.warn("{}: agent thread did not stop within 5 s", settings.nodeId());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Test hook: the ids this agent holds unacknowledged results for. */
    Set<String> unackedIds() {
        return new HashSet<>(unacked.keySet());
    }

    List<String> runningIds() {
        return new ArrayList<>(running);
    }
}
