package io.zcl.runner.zmq;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.api.OutputListener;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.ErrorCode;
import io.zcl.runner.zmq.Protocol.Field;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * The coordinator side of ZCR1: one ROUTER socket that every agent dials into. It keeps a session
 * per node (who, which agent instance, liveness, what the node has), sends RUN, collects OUTPUT
 * and RESULT, ACKs every RESULT, and hands out a {@link NodeExecutor} per node.
 *
 * <p>One I/O thread owns the socket. {@link NodeExecutor#run} from any thread queues a request
 * and pokes a wake-up pipe, so callers never touch the socket.
 *
 * <p>A command in flight on a node that goes silent is not failed at once: the node may come
 * back (a network blip) and re-send the RESULT it kept. It is failed as NODE_LOST when the node's
 * agent comes back as a new instance (it restarted and lost the command), or when the node stays
 * away longer than the grace period.
 */
public final class ZmqCoordinator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ZmqCoordinator.class);

    /** How many finished command ids are remembered to recognise a re-sent RESULT as a duplicate. */
    private static final int REMEMBERED_FINISHED = 100_000;

    /**
     * Most node sessions kept. Without a cluster file (restrictToNodes) anyone may say HELLO with a
     * new node_id; past this many, a HELLO from a new node is refused with NOT_ALLOWED.
     */
    static final int MAX_SESSIONS = 65_536;

    /** Messages handled per loop turn before timers run again. */
    private static final int RECEIVE_BATCH = 256;

    /**
     * The longest one poll may sleep, whatever the timers say. A JeroMQ socket wakes its poller
     * through an edge-triggered signal; CI once saw a HELLO sit unread through a 10 s poll. Looking
     * again every 250 ms bounds such a stall at the cost of four idle wake-ups a second.
     */
    static final long MAX_POLL_MS = 250;

    /**
     * @param bind         endpoint to bind, e.g. tcp://*:5555 or tcp://127.0.0.1:* (ephemeral)
     * @param heartbeatMs  heartbeat interval, sent to agents in WELCOME
     * @param liveness     missed intervals before a node is declared lost
     * @param lostGraceMs  how long commands on a lost node wait for it to come back before they
     *                     complete as NODE_LOST
     */
    public record Settings(String bind, int heartbeatMs, int liveness, long lostGraceMs) {
        public Settings {
            Objects.requireNonNull(bind, "bind");
            if (heartbeatMs <= 0 || liveness <= 0 || lostGraceMs < 0) {
                throw new IllegalArgumentException("heartbeat, liveness must be positive and grace >= 0");
            }
        }

        public static Settings defaults(String bind) {
            return new Settings(bind, Protocol.DEFAULT_HEARTBEAT_MS, Protocol.DEFAULT_LIVENESS, 10_000);
        }
    }

    /** Counters for metrics and tests. */
    public record Stats(long runsSent, long resultsReceived, long duplicateResults, long orphanResults,
                        long protocolErrors, long nodesLost, long messagesIn, long messagesOut) {
    }

    private final class Session {
        final String nodeId;
        byte[] identity;
        String instance;
        SystemConfiguration system;
        Liveness liveness;
        boolean up;
        long lostAtMs;
        /** Under CURVE: the allow-list name of the key this session's connection authenticated with. */
        String keyName;

        Session(String nodeId) {
            this.nodeId = nodeId;
        }
    }

    private static final class Pending {
        final String nodeId;
        final Command command;
        final OutputListener listener;
        final boolean stream;
        final CompletableFuture<CommandResult> future = new CompletableFuture<>();
        final Instant submitted = Instant.now();
        long submittedAtMs;
        String sentToInstance;

        Pending(String nodeId, Command command, OutputListener listener) {
            this.nodeId = nodeId;
            this.command = command;
            this.listener = listener;
            this.stream = listener != OutputListener.NONE;
        }
    }

    private final Settings settings;
    private final ZContext ctx;
    private final boolean ownsContext;
    private final IoThreadWatch ioWatch;
    private final LongSupplier clock;
    private final Wakeup wakeup = new Wakeup();
    private final ConcurrentLinkedQueue<Runnable> requests = new ConcurrentLinkedQueue<>();
    private final List<CoordinatorListener> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch started = new CountDownLatch(1);

    // I/O-thread state
    private final Map<String, Session> sessions = new HashMap<>();
    private final Map<ByteBuffer, Session> byIdentity = new HashMap<>();
    private final Map<String, Pending> pending = new HashMap<>();
    private final LinkedHashMap<String, Boolean> finished = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_FINISHED;
        }
    };

    // Read from any thread
    private final Map<String, SystemConfiguration> upNodes = new ConcurrentHashMap<>();
    private final Map<String, Long> lastHeardMs = new ConcurrentHashMap<>();
    private final Map<String, Pending> pendingById = new ConcurrentHashMap<>();
    private final AtomicLong runsSent = new AtomicLong();
    private final AtomicLong resultsReceived = new AtomicLong();
    private final AtomicLong duplicateResults = new AtomicLong();
    private final AtomicLong orphanResults = new AtomicLong();
    private final ProtocolErrors errors = new ProtocolErrors();
    private final AtomicLong nodesLost = new AtomicLong();
    private final AtomicLong messagesIn = new AtomicLong();
    private final AtomicLong messagesOut = new AtomicLong();
    private volatile int awaitingAckCount;

    private volatile boolean running = true;
    private volatile boolean ackAfterHandover;
    /** RESULTs received and not yet ACKed (ack-after-handover mode): command id -> node id. I/O thread. */
    private final Map<String, String> awaitingAck = new HashMap<>();
    private volatile Set<String> allowedNodes = Set.of();
    private volatile long forgetLostAfterMs = 60_000;
    private volatile String endpoint;
    private volatile RuntimeException startFailure;
    private ZMQ.Socket router;
    private Thread thread;
    private volatile Curve.Server curve;
    private volatile ZapAuthenticator.Registration zap;

    public ZmqCoordinator(Settings settings) {
        this(settings, null, MonotonicClock::millis);
    }

    public ZmqCoordinator(Settings settings, ZContext ctx, LongSupplier clock) {
        this.settings = settings;
        this.ownsContext = ctx == null;
        this.ctx = ctx == null ? new ZContext(1) : ctx;
        // A shared context is its owner's to watch; ours is watched before its first socket starts the thread.
        this.ioWatch = ctx == null ? IoThreadWatch.install(this.ctx, "coordinator") : null;
        this.clock = clock;
    }

    /**
     * Why the coordinator's own ZeroMQ I/O thread died (it then stops: see {@link IoThreadWatch}),
     * or null. Always null with a shared context.
     */
    public Throwable transportFailure() {
        return ioWatch == null ? null : ioWatch.failure();
    }

    private boolean ioThreadDead() {
        return ioWatch != null && ioWatch.dead();
    }

    /** Only these node ids may say HELLO (the cluster file's nodes); others get ERROR NOT_ALLOWED. */
    public ZmqCoordinator restrictToNodes(Set<String> nodeIds) {
        allowedNodes = Set.copyOf(nodeIds);
        return this;
    }

    /**
     * A node lost this long, with no command waiting for it, is forgotten (its session freed), so
     * HELLOs with ever new node ids cannot grow memory without bound. Default 60 s, and never
     * before the lost-grace period.
     */
    public ZmqCoordinator forgetLostNodesAfter(Duration d) {
        forgetLostAfterMs = d.toMillis();
        return this;
    }

    /** Sizes of the coordinator's tables, read on its I/O thread (for tests and metrics). */
    public record Footprint(int sessions, int sessionsUp, int pending, int rememberedFinished) {
    }

    /** The coordinator's table sizes now; waits up to 5 s for the I/O thread to answer. */
    public Footprint footprint() {
        CompletableFuture<Footprint> f = new CompletableFuture<>();
        submit(() -> f.complete(new Footprint(sessions.size(),
                (int) sessions.values().stream().filter(x -> x.up).count(), pending.size(), finished.size())));
        try {
            return f.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("coordinator I/O thread did not answer within 5 s", e);
        }
    }

    /** Protocol errors seen, in total and by ERROR code (read from any thread; for /metrics). */
    public ProtocolErrors protocolErrors() {
        return errors;
    }

    /**
     * ACK a RESULT only when the application says it is safe ({@link #acknowledge}), not on
     * receipt: until then the agent keeps the RESULT and re-sends it after a reconnect, so a
     * coordinator that dies between receipt and journal loses nothing. A re-sent RESULT for a
     * command already acknowledged is ACKed at once. Call before {@link #start()}.
     */
    public ZmqCoordinator ackAfterHandover() {
        ackAfterHandover = true;
        return this;
    }

    /**
     * In {@link #ackAfterHandover()} mode: these commands' RESULTs are safely recorded, ACK them so
     * their agents let go. Ids this coordinator is not waiting on are ignored. Any thread.
     */
    public void acknowledge(Collection<String> commandIds) {
        List<String> ids = List.copyOf(commandIds);
        submit(() -> {
            for (String id : ids) {
                String nodeId = awaitingAck.remove(id);
                awaitingAckCount = awaitingAck.size();
                Session s = nodeId == null ? null : sessions.get(nodeId);
                if (s != null && s.up) {
                    send(s, Message.of(Cmd.ACK, Map.of(Field.CMD_ID, id)));
                }
                // A node away now re-sends the RESULT after its next HELLO; that duplicate is ACKed at once.
            }
        });
    }

    /** RESULTs received but not yet acknowledged ({@link #ackAfterHandover()} mode). */
    public int awaitingAck() {
        return awaitingAckCount;
    }

    /**
     * Accept only CURVE agents whose public key is in the server's allow-list. Before start().
     * The same {@link Curve.Server#secure} sets up any other server socket (the event stream).
     */
    public ZmqCoordinator secure(Curve.Server server) {
        this.curve = server;
        return this;
    }

    /** The CURVE settings, or null when the coordinator speaks plaintext. */
    public Curve.Server curve() {
        return curve;
    }

    /** CURVE handshakes refused (unknown key or not CURVE); 0 without CURVE. */
    public long handshakesRefused() {
        ZapAuthenticator.Registration r = zap;
        return r == null ? 0 : r.refused();
    }

    /** CURVE handshakes accepted; 0 without CURVE. */
    public long handshakesAccepted() {
        ZapAuthenticator.Registration r = zap;
        return r == null ? 0 : r.accepted();
    }

    /** The ZContext the coordinator's sockets live in (a CURVE server socket must share its ZAP handler). */
    public ZContext context() {
        return ctx;
    }

    public ZmqCoordinator addListener(CoordinatorListener listener) {
        listeners.add(listener);
        return this;
    }

    /** Binds and starts the I/O thread. Returns the bound endpoint (with the real port). */
    public String start() {
        thread = new Thread(this::loop, "coordinator");
        thread.setDaemon(true);
        thread.start();
        try {
            if (!started.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("coordinator did not start within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        }
        if (startFailure != null) {
            throw startFailure;
        }
        return endpoint;
    }

    /** The bound endpoint, e.g. tcp://127.0.0.1:41234. */
    public String endpoint() {
        return endpoint;
    }

    public Settings settings() {
        return settings;
    }

    /** Nodes with a live session now. */
    public Set<String> upNodes() {
        return Set.copyOf(upNodes.keySet());
    }

    /** What a connected node reported in HELLO. */
    public Optional<SystemConfiguration> systemConfig(String nodeId) {
        return Optional.ofNullable(upNodes.get(nodeId));
    }

    /** Waits until all the given nodes have a live session. Returns the ones still missing. */
    public Set<String> awaitNodes(Collection<String> nodeIds, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Set<String> missing = new HashSet<>(nodeIds);
            missing.removeAll(upNodes.keySet());
            if (missing.isEmpty() || System.nanoTime() >= deadline) {
                return missing;
            }
            Thread.sleep(10);
        }
    }

    public Stats stats() {
        return new Stats(runsSent.get(), resultsReceived.get(), duplicateResults.get(), orphanResults.get(),
                errors.total(), nodesLost.get(), messagesIn.get(), messagesOut.get());
    }

    /** Milliseconds since each node that ever said HELLO was last heard from (the event stream's heartbeat age). */
    public Map<String, Long> lastHeardAgoMs() {
        long now = clock.getAsLong();
        Map<String, Long> ages = new java.util.TreeMap<>();
        lastHeardMs.forEach((node, at) -> ages.put(node, Math.max(0, now - at)));
        return ages;
    }

    /** Commands sent and not yet answered. */
    public int inFlight() {
        return pendingById.size();
    }

    /** The executor for one node. It works whether or not the node is connected yet. */
    public NodeExecutor executor(String nodeId) {
        return new ZmqNodeExecutor(nodeId);
    }

    private final class ZmqNodeExecutor implements NodeExecutor {
        private final String nodeId;

        ZmqNodeExecutor(String nodeId) {
            this.nodeId = nodeId;
        }

        @Override
        public String nodeId() {
            return nodeId;
        }

        @Override
        public CompletableFuture<CommandResult> run(Command command, OutputListener listener) {
            if (!running) {
                return CompletableFuture.failedFuture(new IllegalStateException("coordinator is closed"));
            }
            Pending p = new Pending(nodeId, command, listener == null ? OutputListener.NONE : listener);
            if (pendingById.putIfAbsent(command.id(), p) != null) {
                return CompletableFuture.failedFuture(
                        new IllegalArgumentException("command id " + command.id() + " is already in flight"));
            }
            submit(() -> dispatch(p));
            return p.future;
        }

        @Override
        public boolean cancel(String commandId) {
            Pending p = pendingById.get(commandId);
            if (p == null || !p.nodeId.equals(nodeId)) {
                return false;
            }
            submit(() -> {
                Session s = sessions.get(nodeId);
                if (s != null && s.up) {
                    send(s, Message.of(Cmd.CANCEL, Map.of(Field.CMD_ID, commandId)));
                }
            });
            return true;
        }
    }

    private void submit(Runnable r) {
        requests.add(r);
        wakeup.wake();
    }

    // ------------------------------------------------------------------ I/O thread

    private void loop() {
        // Load the body codec now: its first use costs ~1 s on a cold JVM, which would make the
        // first agents time out waiting for WELCOME.
        Codec.warmUp();
        try {
            router = ctx.createSocket(SocketType.ROUTER);
            router.setLinger(0);
            router.setRouterMandatory(true);
            router.setMaxMsgSize(Protocol.MAX_FRAME_BYTES);
            router.setRcvHWM(100_000);
            router.setSndHWM(100_000);
            if (curve != null) {
                zap = curve.secure(ctx, router, "agent");
            }
            router.bind(settings.bind());
            endpoint = router.getLastEndpoint();
        } catch (RuntimeException e) {
            if (zap != null) {
                ctx.destroySocket(router);
                zap.close();
            }
            startFailure = new IllegalStateException("cannot bind " + settings.bind() + ": " + e.getMessage(), e);
            started.countDown();
            stopped.countDown();
            return;
        }
        started.countDown();
        try (Readiness ready = new Readiness(List.of(router), List.of(wakeup.source()))) {
            boolean moreToRead = false;
            while (running && !ioThreadDead()) {
                ready.await(moreToRead ? 0 : nextTimerMs());
                if (ready.selected(wakeup.source())) {
                    wakeup.drain();
                }
                Runnable r;
                while ((r = requests.poll()) != null) {
                    r.run();
                }
                moreToRead = Readiness.readable(router) && receiveAll();
                timers(clock.getAsLong());
            }
        } catch (RuntimeException e) {
            LOG.error("coordinator loop failed", e);
        } finally {
            String why = ioThreadDead() ? ioWatch.describe() : "coordinator stopped";
            new ArrayList<>(pending.values()).forEach(p -> complete(p, lost(p, why)));
            ctx.destroySocket(router);
            if (zap != null) {
                zap.close(); // only now: with no ZAP handler JeroMQ would admit any key
            }
            wakeup.close();
            if (ownsContext && !ioThreadDead()) { // term() would wait for the dead I/O thread forever
                ctx.close();
            }
            stopped.countDown();
        }
    }

    private long nextTimerMs() {
        long now = clock.getAsLong();
        long next = settings.heartbeatMs();
        for (Session s : sessions.values()) {
            if (s.up) {
                next = Math.min(next, s.liveness.msUntilNextEvent(now));
            }
        }
        for (Pending p : pending.values()) {
            long away = awaySince(p);
            if (away != Long.MAX_VALUE) {
                next = Math.min(next, away + settings.lostGraceMs() - now);
            }
        }
        return Math.max(1, Math.min(MAX_POLL_MS, next));
    }

    /** The ZAP user id of the message {@link #receiveOne()} returned last: the name its CURVE key is allowed under. */
    private String lastKeyName;

    /**
     * One multipart message, or null when none is waiting. Read frame by frame (not with
     * ZMsg.recvMsg) to keep the frames' metadata: under CURVE, "User-Id" is the name the ZAP
     * handler allowed the peer's key under, which HELLO checks against the node id.
     */
    private ZMsg receiveOne() {
        zmq.Msg part = router.recvMsg(ZMQ.DONTWAIT);
        if (part == null) {
            return null;
        }
        ZMsg msg = new ZMsg();
        String keyName = null;
        while (true) {
            msg.add(part.data());
            if (keyName == null && part.getMetadata() != null) {
                keyName = part.getMetadata().get(zmq.io.Metadata.USER_ID);
            }
            if (!part.hasMore()) {
                break;
            }
            part = router.recvMsg(0); // the rest of a multipart message has arrived with its first frame
            if (part == null) {
                break;
            }
        }
        lastKeyName = keyName;
        return msg;
    }

    /**
     * Under CURVE an agent may only say HELLO as the node its key is allowed for: the key file's
     * name (without .key) must be the node id, or the node id, '+' and a label (node-1+2026.key,
     * for a rotation). Without it, any allowed key could speak for every node of the cluster.
     */
    static boolean keyMayActAs(String keyName, String nodeId) {
        return keyName != null && (keyName.equals(nodeId) || keyName.startsWith(nodeId + "+"));
    }

    /** Reads what is waiting, at most one batch, so timers and heartbeats still run under a flood. */
    private boolean receiveAll() {
        ZMsg msg;
        int budget = RECEIVE_BATCH;
        while (budget-- > 0 && (msg = receiveOne()) != null) {
            messagesIn.incrementAndGet();
            byte[] identity = msg.pop().getData();
            Session session = byIdentity.get(ByteBuffer.wrap(identity));
            if (session != null) {
                session.liveness.heard(clock.getAsLong());
                lastHeardMs.put(session.nodeId, clock.getAsLong());
            }
            Message m;
            try {
                m = Message.parse(msg);
                if (m.cmd().code() >= 0x10 && m.cmd() != Cmd.ERROR) {
                    throw new ProtocolException(ErrorCode.UNKNOWN_COMMAND, m.cmd() + " is sent to agents, not by them");
                }
                if (session == null && m.cmd() != Cmd.HELLO) {
                    if (m.cmd() != Cmd.BYE && m.cmd() != Cmd.ERROR) {
                        // After a coordinator restart agents still talk over their old connection.
                        errors.recordRefusal(ErrorCode.HELLO_REQUIRED);
                        if (!sendTo(identity, Message.error(ErrorCode.HELLO_REQUIRED, "no session: send HELLO first"))) {
                            errors.recordUnsent(LOG, HexFormat.of().formatHex(identity), ErrorCode.HELLO_REQUIRED);
                        }
                    }
                    continue;
                }
                handle(identity, session, m);
            } catch (ProtocolException e) {
                String peer = session != null ? session.nodeId : HexFormat.of().formatHex(identity);
                errors.record(LOG, peer, e.code(), e.getMessage());
                listeners.forEach(l -> l.protocolError(peer, e.code(), e.getMessage()));
                if (!sendTo(identity, Message.error(e.code(), e.getMessage()))) {
                    errors.recordUnsent(LOG, peer, e.code());
                }
            } catch (RuntimeException e) {
                // A handler bug must not take the I/O thread (and every node's session) down with it.
                errors.recordInternal(LOG, session != null ? session.nodeId : HexFormat.of().formatHex(identity), e);
            }
        }
        return budget < 0;
    }

    private void handle(byte[] identity, Session session, Message m) throws ProtocolException {
        Body b = m.body();
        switch (m.cmd()) {
            case HELLO -> hello(identity, b);
            case HEARTBEAT -> {
                // liveness already updated
            }
            case OUTPUT -> {
                Pending p = pending.get(b.string(Field.CMD_ID));
                if (p != null && p.nodeId.equals(session.nodeId)) {
                    String stream = b.string(Field.STREAM);
                    OutputListener.Stream s = switch (stream) {
                        case "stdout" -> OutputListener.Stream.STDOUT;
                        case "stderr" -> OutputListener.Stream.STDERR;
                        default -> throw new ProtocolException(ErrorCode.BAD_BODY,
                                "stream must be stdout or stderr, got '" + stream + "'");
                    };
                    p.listener.onOutput(p.command.id(), s, b.bytes(Field.DATA));
                }
            }
            case RESULT -> result(session, b);
            case BYE -> nodeLost(session, "agent said BYE: " + b.optString(Field.REASON, ""));
            case ERROR -> errors.peerReported(LOG, session.nodeId, b.optString(Field.CODE, "?"),
                    b.optString(Field.REASON, ""));
            default -> throw new ProtocolException(ErrorCode.UNKNOWN_COMMAND, "unexpected " + m.cmd());
        }
    }

    private void hello(byte[] identity, Body b) throws ProtocolException {
        long version = b.integer(Field.VERSION);
        if (version != Protocol.VERSION) {
            throw new ProtocolException(ErrorCode.BAD_VERSION, "this coordinator speaks version "
                    + Protocol.VERSION + ", agent sent " + version);
        }
        String nodeId = b.string(Field.NODE_ID);
        if (nodeId.isBlank()) {
            throw new ProtocolException(ErrorCode.BAD_BODY, "node_id must not be blank");
        }
        if (nodeId.length() > 256 || !nodeId.equals(ProtocolErrors.printable(nodeId))) {
            // It goes into logs, the journal and metrics labels: no control characters, no megabytes.
            throw new ProtocolException(ErrorCode.BAD_BODY, "node_id must be at most 256 printable characters");
        }
        Set<String> allowed = allowedNodes;
        if (!allowed.isEmpty() && !allowed.contains(nodeId)) {
            throw new ProtocolException(ErrorCode.NOT_ALLOWED, "node '" + nodeId + "' is not in this cluster");
        }
        if (curve != null && !keyMayActAs(lastKeyName, nodeId)) {
            throw new ProtocolException(ErrorCode.NOT_ALLOWED, "this agent's key is allowed as '" + lastKeyName
                    + "', not as node '" + nodeId + "' (name the key file " + nodeId + ".key or " + nodeId + "+LABEL.key)");
        }
        if (curve != null && !curve.allowed().allowsName(lastKeyName)) {
            // The connection was let in with a key that has since been removed from the allow-list.
            throw new ProtocolException(ErrorCode.NOT_ALLOWED, "this agent's key '" + lastKeyName
                    + "' is no longer in the coordinator's allow-list");
        }
        String instance = b.string(Field.INSTANCE);
        SystemConfiguration system = Codec.system(b.optMap(Field.SYSTEM).isEmpty()
                ? Map.of("hostname", nodeId) : b.optMap(Field.SYSTEM));
        Set<String> agentKnows = new HashSet<>(b.optStringList(Field.RUNNING));
        agentKnows.addAll(b.optStringList(Field.UNACKED));

        if (!sessions.containsKey(nodeId) && sessions.size() >= MAX_SESSIONS) {
            throw new ProtocolException(ErrorCode.NOT_ALLOWED, "this coordinator already has " + MAX_SESSIONS + " nodes");
        }
        Session s = sessions.computeIfAbsent(nodeId, Session::new);
        if (s.identity != null) {
            byIdentity.remove(ByteBuffer.wrap(s.identity), s);
        }
        boolean restarted = s.instance != null && !s.instance.equals(instance);
        // A second HELLO from a live session of the same agent process (it gave up waiting for
        // WELCOME and reconnected) is not news: no second "up" event.
        boolean news = !s.up || restarted;
        s.identity = identity;
        s.instance = instance;
        s.system = system;
        s.keyName = lastKeyName;
        s.liveness = new Liveness(settings.heartbeatMs(), settings.liveness(), clock.getAsLong());
        s.up = true;
        byIdentity.put(ByteBuffer.wrap(identity), s);
        upNodes.put(nodeId, system);
        lastHeardMs.put(nodeId, clock.getAsLong());

        send(s, Message.of(Cmd.WELCOME, Map.of(Field.VERSION, Protocol.VERSION,
                Field.HEARTBEAT_MS, settings.heartbeatMs(), Field.LIVENESS, settings.liveness())));
        if (news) {
            LOG.info("{} up (agent {}{})", nodeId, ProtocolErrors.printable(instance), restarted ? ", restarted" : "");
            listeners.forEach(l -> l.nodeUp(nodeId, system, restarted));
        }

        for (Pending p : new ArrayList<>(pending.values())) {
            if (!p.nodeId.equals(nodeId) || agentKnows.contains(p.command.id())) {
                continue;
            }
            if (p.sentToInstance != null && !p.sentToInstance.equals(instance)) {
                complete(p, lost(p, "agent on " + nodeId + " restarted while the command ran"));
            } else {
                sendRun(s, p); // never sent, or lost in flight: RUN is idempotent by cmd id
            }
        }
    }

    private void result(Session session, Body b) throws ProtocolException {
        CommandResult r = Codec.commandResult(session.nodeId, b);
        Pending p = pending.get(r.commandId());
        boolean fresh = true;
        if (p != null && p.nodeId.equals(session.nodeId)) {
            resultsReceived.incrementAndGet();
            holdAck(session, r);
            complete(p, r);
        } else if (finished.containsKey(r.commandId())) {
            duplicateResults.incrementAndGet();
            fresh = false;
        } else {
            orphanResults.incrementAndGet();
            finished.put(r.commandId(), Boolean.TRUE);
            holdAck(session, r);
            listeners.forEach(l -> l.orphanResult(session.nodeId, r));
        }
        if (ackAfterHandover && (fresh || awaitingAck.containsKey(r.commandId()))) {
            // Not safe yet: the application acknowledges it once it is recorded (acknowledge()).
            awaitingAck.computeIfPresent(r.commandId(), (id, node) -> session.nodeId);
            return;
        }
        // Acknowledged so the agent can let go of it; a duplicate is answered too.
        send(session, Message.of(Cmd.ACK, Map.of(Field.CMD_ID, r.commandId())));
    }

    private void holdAck(Session session, CommandResult r) {
        if (ackAfterHandover) {
            awaitingAck.put(r.commandId(), session.nodeId);
            awaitingAckCount = awaitingAck.size();
        }
    }

    private void dispatch(Pending p) {
        p.submittedAtMs = clock.getAsLong();
        pending.put(p.command.id(), p);
        Session s = sessions.get(p.nodeId);
        if (s != null && s.up) {
            sendRun(s, p);
        }
        // Otherwise it waits for the node's HELLO, or for the grace period to run out (timers).
    }

    private void sendRun(Session s, Pending p) {
        if (send(s, Codec.run(p.command, p.stream))) {
            p.sentToInstance = s.instance;
            runsSent.incrementAndGet();
            listeners.forEach(l -> l.commandStarted(s.nodeId, p.command.id()));
        }
    }

    private void timers(long now) {
        if (curve != null && now - keysCheckedAtMs >= KEY_CHECK_MS) {
            keysCheckedAtMs = now;
            revokeRemovedKeys();
        }
        for (Session s : sessions.values()) {
            if (!s.up) {
                continue;
            }
            if (s.liveness.isDead(now)) {
                nodeLost(s, "silent for " + s.liveness.silenceMs(now) + " ms (liveness "
                        + settings.liveness() + " x " + settings.heartbeatMs() + " ms)");
            } else if (s.liveness.heartbeatDue(now)) {
                send(s, Message.of(Cmd.HEARTBEAT));
            }
        }
        forgetLostSessions(now);
        // Commands on nodes that stayed away past the grace period are lost.
        for (Pending p : new ArrayList<>(pending.values())) {
            Session s = sessions.get(p.nodeId);
            long awaySince = awaySince(p);
            if (awaySince != Long.MAX_VALUE && now - awaySince >= settings.lostGraceMs()) {
                String why = s == null ? "node " + p.nodeId + " never connected"
                        : "node " + p.nodeId + " lost and not back within " + settings.lostGraceMs() + " ms";
                complete(p, lost(p, why));
            }
        }
    }

    /** How often live sessions' keys are checked against the allow-list (a folder listing each time). */
    static final long KEY_CHECK_MS = 1000;
    private long keysCheckedAtMs = Long.MIN_VALUE / 2;

    /**
     * A key removed from the allow-list ends the sessions that authenticated with it, not only
     * future connections (ZAP is asked once per connection). The node is lost as if silent, so its
     * commands fail after the grace period; its next message gets HELLO_REQUIRED, and that HELLO
     * NOT_ALLOWED, which stops the agent.
     */
    private void revokeRemovedKeys() {
        Set<String> allowedNames = curve.allowed().names();
        for (Session s : sessions.values()) {
            if (s.up && s.keyName != null && !allowedNames.contains(s.keyName)) {
                nodeLost(s, "its key '" + s.keyName + "' was removed from the allow-list");
            }
        }
    }

    private void forgetLostSessions(long now) {
        long after = Math.max(forgetLostAfterMs, settings.lostGraceMs());
        Set<String> busy = null;
        for (var it = sessions.values().iterator(); it.hasNext(); ) {
            Session s = it.next();
            if (s.up || now - s.lostAtMs < after) {
                continue;
            }
            if (busy == null) {
                busy = new HashSet<>();
                for (Pending p : pending.values()) {
                    busy.add(p.nodeId);
                }
            }
            if (!busy.contains(s.nodeId)) {
                it.remove();
            }
        }
    }

    /** Since when the command's node has been away (clock ms), or Long.MAX_VALUE while it is up. */
    private long awaySince(Pending p) {
        Session s = sessions.get(p.nodeId);
        return s == null ? p.submittedAtMs : s.up ? Long.MAX_VALUE : s.lostAtMs;
    }

    /** Makes the I/O thread look at its clock now (tests that move a fake clock). */
    void poke() {
        submit(() -> { });
    }

    private void nodeLost(Session s, String reason) {
        s.up = false;
        s.lostAtMs = clock.getAsLong();
        // Only if the identity is still ours: the same connection may have said HELLO as another node since.
        byIdentity.remove(ByteBuffer.wrap(s.identity), s);
        upNodes.remove(s.nodeId);
        nodesLost.incrementAndGet();
        if (reason.startsWith("agent said BYE")) {
            LOG.info("{} left: {}", s.nodeId, reason);
        } else {
            LOG.warn("{} lost: {}", s.nodeId, reason);
        }
        listeners.forEach(l -> l.nodeLost(s.nodeId, reason));
    }

    private CommandResult lost(Pending p, String why) {
        Instant started = p.submitted;
        return CommandResult.failed(p.command.id(), p.nodeId, CommandResult.Status.NODE_LOST, started,
                Duration.between(started, Instant.now()), why);
    }

    private void complete(Pending p, CommandResult r) {
        pending.remove(p.command.id());
        pendingById.remove(p.command.id());
        finished.put(p.command.id(), Boolean.TRUE);
        listeners.forEach(l -> l.commandFinished(p.nodeId, r));
        // Completed here, on the I/O thread: a waiting caller wakes at once (handing off to another
        // thread cost about a millisecond per command on a busy 2-core machine). Callers that chain
        // heavy work use the *Async variants, as PerfTestRunner does.
        p.future.complete(r);
    }

    private boolean send(Session s, Message m) {
        // The clock is read before the message leaves: read after, it could already show a time the
        // peer's answer caused (a test clock moved on receipt), and the next heartbeat would be late.
        long at = clock.getAsLong();
        boolean ok = sendTo(s.identity, m);
        if (ok) {
            s.liveness.sent(at);
        }
        return ok;
    }

    private boolean sendTo(byte[] identity, Message m) {
        boolean ok = Frames.send(router, identity, m);
        if (ok) {
            messagesOut.incrementAndGet();
        }
        return ok;
    }

    @Override
    public void close() {
        running = false;
        wakeup.wake();
        try {
            if (thread != null && !stopped.await(5, TimeUnit.SECONDS)) {
                LOG.warn("coordinator thread did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
