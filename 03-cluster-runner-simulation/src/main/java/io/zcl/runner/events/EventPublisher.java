package io.zcl.runner.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.JournalRecord;
import io.zcl.runner.api.JournalWriter;
import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.api.RunHeader;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.api.TestResult;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.run.PlannedGroup;
import io.zcl.runner.run.Progress;
import io.zcl.runner.run.ProgressListener;
import io.zcl.runner.run.SkippedGroup;
import io.zcl.runner.zmq.CoordinatorListener;
import io.zcl.runner.zmq.Curve;
import io.zcl.runner.zmq.Protocol;
import io.zcl.runner.zmq.ZapAuthenticator;
import io.zcl.runner.zmq.ZmqCoordinator;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Publishes what a coordinator and its run do, for monitors: one XPUB socket, owned by its own
 * thread. Updates go out on topic {@value #UPDATES} with a sequence number; a subscriber that
 * subscribes to a topic of its own starting with {@value #SNAPSHOT_PREFIX} gets the whole state
 * on that topic (the XPUB sees the subscription arrive). Snapshot first, then updates, over one
 * endpoint: the message format is in docs/wire-protocol.md, "Event stream".
 *
 * <p>Fed by the coordinator (it is a {@link CoordinatorListener}), the run's progress (a
 * {@link ProgressListener}) and the journal ({@link #observe} wraps a {@link JournalWriter}).
 * Every callback only queues an event, so the coordinator's I/O thread never waits on a monitor.
 * A slow subscriber loses updates at the high-water mark, sees the gap in the sequence numbers
 * and asks for a new snapshot.
 */
public final class EventPublisher implements CoordinatorListener, ProgressListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);

    /** Topic of every update. */
    public static final String UPDATES = "ev";

    /** A subscription to a topic with this prefix asks for a snapshot on that topic. */
    public static final String SNAPSHOT_PREFIX = "snap.";

    /** How often node liveness, commands in flight and journal figures are published. */
    public static final long TICK_MS = 1000;

    private static final long POLL_MS = 50;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String bind;
    private final Consumer<ZMQ.Socket> socketSetup;
    private final Curve.Server curve;
    private volatile ZapAuthenticator.Registration zap;
    private final ClusterState state = new ClusterState();
    private final ConcurrentLinkedQueue<ObjectNode> queue = new ConcurrentLinkedQueue<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong journalPending = new AtomicLong();
    private final AtomicLong journalWritten = new AtomicLong();
    private final AtomicLong journalDurable = new AtomicLong();
    private final AtomicLong journalLastLagMs = new AtomicLong();
    private final AtomicLong journalMaxLagMs = new AtomicLong();
    private final AtomicLong snapshotsSent = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private volatile ZmqCoordinator coordinator;
    private volatile String transport = "zmq";
    private volatile boolean running = true;
    private volatile String endpoint;
    private volatile RuntimeException startFailure;
    private Thread thread;

    /** @param bind endpoint to bind, e.g. tcp://127.0.0.1:* (ephemeral port) or tcp://*:5560 */
    public EventPublisher(String bind) {
        this(bind, socket -> { });
    }

    /**
     * @param socketSetup applied to the XPUB socket before it binds: the place to make it a CURVE
     *                    server (and set a ZAP domain) when the stream must be authenticated
     */
    public EventPublisher(String bind, Consumer<ZMQ.Socket> socketSetup) {
        this.bind = Objects.requireNonNull(bind, "bind");
        this.socketSetup = Objects.requireNonNull(socketSetup, "socketSetup");
        this.curve = null;
    }

    /**
     * A CURVE event stream: the XPUB is a CURVE server with {@code curve}'s key pair, and only
     * monitors whose public key is in {@code curve}'s allow-list get through the handshake. The
     * publisher's own context gets a ZAP handler, kept bound until the socket is closed (JeroMQ
     * admits any key when no handler is bound).
     */
    public EventPublisher(String bind, Curve.Server curve) {
        this.bind = Objects.requireNonNull(bind, "bind");
        this.socketSetup = socket -> { };
        this.curve = Objects.requireNonNull(curve, "curve");
    }

    /** Whether monitors must speak CURVE with an allow-listed key. */
    public boolean secure() {
        return curve != null;
    }

    /** Monitor handshakes accepted by the allow-list (0 for a plaintext stream). */
    public long monitorsAccepted() {
        ZapAuthenticator.Registration r = zap;
        return r == null ? 0 : r.accepted();
    }

    /** Monitor handshakes refused: unknown key, or no CURVE (0 for a plaintext stream). */
    public long monitorsRefused() {
        ZapAuthenticator.Registration r = zap;
        return r == null ? 0 : r.refused();
    }

    /** Binds and starts the publishing thread; returns the bound endpoint (with the real port). */
    public String start() {
        thread = new Thread(this::loop, "event-publisher");
        thread.setDaemon(true);
        thread.start();
        try {
            if (!started.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("event publisher did not start within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the event publisher", e);
        }
        if (startFailure != null) {
            throw startFailure;
        }
        return endpoint;
    }

    public String endpoint() {
        return endpoint;
    }

    /** Updates published so far. */
    public long published() {
        return published.get();
    }

    /** Snapshots sent so far (one per subscriber that joined or fell behind). */
    public long snapshotsSent() {
        return snapshotsSent.get();
    }

    /** Publishes this coordinator's events and, every tick, its nodes' last-heard ages and commands in flight. */
    public EventPublisher attach(ZmqCoordinator c) {
        this.coordinator = c;
        c.addListener(this);
        return this;
    }

    /** The cluster's nodes and leaves, so monitors can show nodes that never connected. */
    public void cluster(ClusterDescriptor cluster) {
        ObjectNode e = event("cluster");
        e.put("name", cluster.name());
        var nodes = e.putArray("nodes");
        for (NodeDescriptor n : cluster.nodes()) {
            nodes.addObject().put("id", n.id()).put("leaf", n.leaf());
        }
        queue.add(e);
    }

    /**
     * Nodes reached without a coordinator (over SSH, or local processes): they show as up, with
     * {@code how} as the detail. No heartbeat ages or busy state for them: only the coordinator
     * sees those.
     */
    public void nodesReachable(java.util.Collection<String> nodeIds, String how) {
        for (String id : nodeIds) {
            queue.add(event("node_up").put("node", id).put("detail", how).put("heartbeats", false));
        }
    }

    /** A listener that tells {@code first} (may be null), then {@code second}. */
    public static ProgressListener both(ProgressListener first, ProgressListener second) {
        if (first == null || first == ProgressListener.NONE) {
            return second;
        }
        return new ProgressListener() {
            @Override
            public void groupStarted(PlannedGroup group, Progress progress) {
                first.groupStarted(group, progress);
                second.groupStarted(group, progress);
            }

            @Override
            public void groupFinished(TestResult result, Progress progress) {
                first.groupFinished(result, progress);
                second.groupFinished(result, progress);
            }

            @Override
            public void groupSkipped(SkippedGroup skipped, Progress progress) {
                first.groupSkipped(skipped, progress);
                second.groupSkipped(skipped, progress);
            }
        };
    }

    /** The run ended (all steps done, or it stopped). */
    public void runFinished() {
        queue.add(event("run_end"));
        queue.add(tick()); // commands in flight and journal figures as the run ends, not a second later
    }

    /**
     * A journal writer that writes through to {@code journal} and publishes the run header and
     * the journal's lag (records written and not yet durable, time from write to durable).
     */
    public JournalWriter observe(JournalWriter journal) {
        return new JournalWriter() {
            @Override
            public CompletableFuture<Void> write(JournalRecord record) {
                if (record instanceof RunHeader h) {
                    runHeader(h);
                }
                long t0 = System.nanoTime();
                journalWritten.incrementAndGet();
                journalPending.incrementAndGet();
                CompletableFuture<Void> f = journal.write(record);
                f.whenComplete((v, err) -> {
                    journalPending.decrementAndGet();
                    if (err == null) {
                        journalDurable.incrementAndGet();
                    }
                    long lag = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    journalLastLagMs.set(lag);
                    journalMaxLagMs.accumulateAndGet(lag, Math::max);
                });
                return f;
            }

            @Override
            public void flush() {
                journal.flush();
            }

            @Override
            public void close() {
                journal.close();
            }
        };
    }

    private void runHeader(RunHeader h) {
        transport = h.transport();
        ObjectNode e = event("run");
        e.put("run_id", h.runId());
        e.put("transport", h.transport());
        e.put("started_at", h.startedAt().toEpochMilli());
        h.nodes().forEach(e.putArray("nodes")::add);
        var plan = e.putArray("plan");
        h.plan().forEach((k, v) -> plan.add(k.replaceFirst("^\\d+:", "") + " on " + v));
        var settings = e.putObject("settings");
        h.settings().forEach(settings::put);
        queue.add(e);
    }

    // ------------------------------------------------------------------ CoordinatorListener

    @Override
    public void nodeUp(String nodeId, SystemConfiguration system, boolean agentRestarted) {
        queue.add(event("node_up").put("node", nodeId).put("detail", agentRestarted ? "agent restarted" : "agent connected"));
    }

    @Override
    public void nodeLost(String nodeId, String reason) {
        queue.add(event("node_lost").put("node", nodeId).put("reason", reason));
    }

    @Override
    public void commandStarted(String nodeId, String commandId) {
        queue.add(event("cmd_start").put("node", nodeId).put("cmd", commandId));
    }

    @Override
    public void commandFinished(String nodeId, CommandResult result) {
        queue.add(event("cmd_end").put("node", nodeId).put("cmd", result.commandId())
                .put("status", result.status().name()).put("exit", result.exitCode())
                .put("ms", result.duration().toNanos() / 1e6).put("transport", transport));
    }

    @Override
    public void protocolError(String peer, Protocol.ErrorCode code, String reason) {
        queue.add(event("protocol_error").put("peer", peer).put("code", code.name()).put("reason", reason));
    }

    // ------------------------------------------------------------------ ProgressListener

    @Override
    public void groupStarted(PlannedGroup group, Progress progress) {
        ObjectNode e = event("group_start").put("test", group.test()).put("schedule", group.schedule());
        group.nodes().forEach(e.putArray("nodes")::add);
        progress(e, progress);
        queue.add(e);
    }

    @Override
    public void groupFinished(TestResult r, Progress progress) {
        ObjectNode e = event("result").put("test", r.test()).put("schedule", r.schedule());
        progress(e, progress);
        ObjectNode j = e.putObject("result");
        j.put("key", r.key());
        j.put("test", r.test());
        j.put("schedule", r.schedule());
        j.put("round", r.round());
        r.nodes().forEach(j.putArray("nodes")::add);
        j.put("verdict", r.verdict().name());
        j.put("reason", r.reason());
        r.failedNodes().forEach(j.putArray("failed_nodes")::add);
        ObjectNode m = j.putObject("metrics");
        r.metrics().forEach((k, v) -> {
            if (Double.isFinite(v)) {
                m.put(k, v);
            }
        });
        j.put("started_at", r.startedAt() == null ? 0 : r.startedAt().toEpochMilli());
        j.put("duration_ms", r.durationMs());
        j.put("transport", r.transport());
        queue.add(e);
    }

    @Override
    public void groupSkipped(SkippedGroup skipped, Progress progress) {
        ObjectNode e = event("skip").put("test", skipped.group().test()).put("schedule", skipped.group().schedule());
        progress(e, progress);
        queue.add(e);
    }

    private static void progress(ObjectNode e, Progress p) {
        e.putObject("progress").put("total", p.total()).put("done", p.done()).put("running", p.running())
                .put("passed", p.passed()).put("failed", p.failed()).put("errors", p.errors()).put("skipped", p.skipped());
    }

    private static ObjectNode event(String type) {
        ObjectNode e = JSON.createObjectNode();
        e.put("type", type);
        return e;
    }

    // ------------------------------------------------------------------ publishing thread

    private void loop() {
        ZContext ctx = new ZContext(1);
        ZMQ.Socket xpub;
        try {
            xpub = ctx.createSocket(SocketType.XPUB);
            xpub.setLinger(0);
            xpub.setSndHWM(10_000);
            socketSetup.accept(xpub);
            if (curve != null) {
                zap = curve.secure(ctx, xpub, "monitor");
            }
            xpub.bind(bind);
            endpoint = xpub.getLastEndpoint();
        } catch (RuntimeException e) {
            startFailure = new IllegalStateException("cannot bind the event stream on " + bind + ": " + e.getMessage(), e);
            closeSecure(ctx, null);
            started.countDown();
            stopped.countDown();
            return;
        }
        started.countDown();
        long nextTick = 0;
        try (ZMQ.Poller poller = ctx.createPoller(1)) {
            poller.register(xpub, ZMQ.Poller.POLLIN);
            while (running) {
                poller.poll(POLL_MS);
                drain(xpub);
                byte[] sub;
                while ((sub = xpub.recv(ZMQ.DONTWAIT)) != null) {
                    subscription(xpub, sub);
                }
                long now = System.currentTimeMillis();
                if (now >= nextTick) {
                    queue.add(tick());
                    drain(xpub);
                    nextTick = now + TICK_MS;
                }
            }
            drain(xpub);
            xpub.setLinger(500); // the last updates (run_end) still reach connected monitors
        } catch (RuntimeException e) {
            LOG.error("event publisher failed", e);
        } finally {
            closeSecure(ctx, xpub);
            stopped.countDown();
        }
    }

    /** Closes the socket, then releases the ZAP handler (never before: see the class comment), then the context. */
    private void closeSecure(ZContext ctx, ZMQ.Socket xpub) {
        try {
            if (xpub != null) {
                ctx.destroySocket(xpub);
            }
        } finally {
            ZapAuthenticator.Registration r = zap;
            if (r != null) {
                r.close();
            }
            ctx.close();
        }
    }

    private void drain(ZMQ.Socket xpub) {
        ObjectNode e;
        while ((e = queue.poll()) != null) {
            e.put("seq", state.seq() + 1);
            if (!e.has("at")) {
                e.put("at", System.currentTimeMillis());
            }
            state.apply(e);
            send(xpub, UPDATES, e);
            published.incrementAndGet();
        }
    }

    private void subscription(ZMQ.Socket xpub, byte[] frame) {
        // XPUB hands up subscriptions as frames: 1 = subscribe, 0 = unsubscribe, then the topic.
        if (frame.length == 0 || frame[0] != 1) {
            return;
        }
        String topic = new String(frame, 1, frame.length - 1, StandardCharsets.UTF_8);
        if (topic.startsWith(SNAPSHOT_PREFIX) && topic.length() > SNAPSHOT_PREFIX.length()) {
            send(xpub, topic, state.toJson());
            snapshotsSent.incrementAndGet();
        }
    }

    private static void send(ZMQ.Socket xpub, String topic, ObjectNode body) {
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException("cannot encode an event: " + ex.getMessage(), ex);
        }
        // At the high-water mark PUB drops; the subscriber sees the gap and asks for a snapshot.
        xpub.sendMore(topic);
        xpub.send(json, 0);
    }

    private ObjectNode tick() {
        ObjectNode e = event("tick");
        ZmqCoordinator c = coordinator;
        if (c != null) {
            e.put("in_flight", c.inFlight());
            ObjectNode heard = e.putObject("heard_ms_ago");
            for (Map.Entry<String, Long> h : c.lastHeardAgoMs().entrySet()) {
                heard.put(h.getKey(), h.getValue());
            }
        }
        e.putObject("journal").put("pending", journalPending.get()).put("written", journalWritten.get())
                .put("durable", journalDurable.get()).put("last_lag_ms", journalLastLagMs.get())
                .put("max_lag_ms", journalMaxLagMs.get());
        return e;
    }

    @Override
    public void close() {
        running = false;
        try {
            if (thread != null && !stopped.await(5, TimeUnit.SECONDS)) {
                LOG.warn("event publisher thread did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
