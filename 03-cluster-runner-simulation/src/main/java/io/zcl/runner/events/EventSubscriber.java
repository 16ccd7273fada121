package io.zcl.runner.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zcl.runner.zmq.ConnectRace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
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
 * Follows an {@link EventPublisher}: subscribes to the updates, then to a snapshot topic of its
 * own; keeps the updates that arrive before the snapshot, applies the snapshot, then the kept
 * updates newer than it, then every update in sequence. A gap in the sequence numbers (updates
 * dropped at the high-water mark) asks for a new snapshot under a new topic. When the publisher
 * restarts, the SUB socket reconnects and sends its subscriptions again, which brings a fresh
 * snapshot by itself.
 */
public final class EventSubscriber implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventSubscriber.class);

    /** No message (not even a tick) for this long: the publisher is considered gone. */
    public static final long SILENT_MS = 3 * EventPublisher.TICK_MS;

    /** Updates kept while waiting for a snapshot; more than this and the wait starts over. */
    private static final int MAX_BUFFERED = 100_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Hears about every change; called on the subscriber's thread. */
    public interface Listener {
        /** The state changed: {@code event} is the update applied, or null after a snapshot. */
        void changed(ClusterState state, JsonNode event);
    }

    private final String endpoint;
    private final Consumer<ZMQ.Socket> socketSetup;
    private final Listener listener;
    private final ClusterState state = new ClusterState();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong snapshots = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    private volatile boolean running = true;
    private volatile boolean synced;
    private volatile long lastHeardAt;
    private Thread thread;

    public EventSubscriber(String endpoint, Listener listener) {
        this(endpoint, socket -> { }, listener);
    }

    /** @param socketSetup applied to the SUB socket before it connects (e.g. CURVE client keys) */
    public EventSubscriber(String endpoint, Consumer<ZMQ.Socket> socketSetup, Listener listener) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.socketSetup = Objects.requireNonNull(socketSetup, "socketSetup");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    public EventSubscriber start() {
        thread = new Thread(this::loop, "event-subscriber");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    public String endpoint() {
        return endpoint;
    }

    public ClusterState state() {
        return state;
    }

    /** True once a snapshot arrived and the publisher was heard within {@link #SILENT_MS}. */
    public boolean connected() {
        return synced && io.zcl.runner.zmq.MonotonicClock.millis() - lastHeardAt < SILENT_MS;
    }

    public long snapshots() {
        return snapshots.get();
    }

    /** Gaps in the sequence seen (each one cost a new snapshot). */
    public long gaps() {
        return gaps.get();
    }

    /** How long to wait for a snapshot before asking again. */
    private static final long SNAPSHOT_RETRY_MS = 2000;

    private void loop() {
        try (ZContext ctx = new ZContext(1)) {
            ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
            sub.setLinger(0);
            sub.setRcvHWM(100_000);
            socketSetup.accept(sub);
            ConnectRace.connect(sub, endpoint);
            sub.subscribe(EventPublisher.UPDATES.getBytes(StandardCharsets.UTF_8));
            String snapTopic = newSnapshotTopic(sub, null);
            List<JsonNode> buffered = new ArrayList<>();
            try (ZMQ.Poller poller = ctx.createPoller(1)) {
                poller.register(sub, ZMQ.Poller.POLLIN);
                long snapshotAskedAt = io.zcl.runner.zmq.MonotonicClock.millis();
                while (running) {
                    poller.poll(250);
                    if (!synced && io.zcl.runner.zmq.MonotonicClock.millis() - snapshotAskedAt > SNAPSHOT_RETRY_MS) {
                        // No snapshot yet: the request or the answer was lost (a slow joiner, or a
                        // message JeroMQ's CURVE dropped), so ask again under a new topic.
                        snapTopic = newSnapshotTopic(sub, snapTopic);
                        snapshotAskedAt = io.zcl.runner.zmq.MonotonicClock.millis();
                    }
                    String topic;
                    while (running && (topic = sub.recvStr(ZMQ.DONTWAIT)) != null) {
                        byte[] body = sub.hasReceiveMore() ? sub.recv() : new byte[0];
                        lastHeardAt = io.zcl.runner.zmq.MonotonicClock.millis();
                        JsonNode json;
                        try {
                            json = JSON.readTree(body);
                        } catch (IOException e) {
                            LOG.warn("event stream {}: unreadable message on topic {}: {}", endpoint, topic, e.getMessage());
                            continue;
                        }
                        if (topic.equals(snapTopic)) {
                            // Counted before it is applied: whoever sees the new state (under the
                            // state's lock) then also sees the count. Counted after, a reader could
                            // see the repaired state with the old count (EventStreamTest did, under load).
                            snapshots.incrementAndGet();
                            state.reset(json);
                            synced = true;
                            listener.changed(state, null);
                            for (JsonNode e : buffered) {
                                if (synced && e.path("seq").asLong() > state.seq()) {
                                    snapTopic = update(sub, snapTopic, e);
                                }
                            }
                            buffered.clear();
                        } else if (topic.equals(EventPublisher.UPDATES)) {
                            if (!synced) {
                                buffered.add(json);
                                if (buffered.size() > MAX_BUFFERED) {
                                    buffered.clear();
                                    snapTopic = newSnapshotTopic(sub, snapTopic);
                                }
                            } else {
                                snapTopic = update(sub, snapTopic, json);
                            }
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            if (running) {
                LOG.error("event subscriber failed", e);
            }
        } finally {
            stopped.countDown();
        }
    }

    private static final int HANDSHAKE_EVENTS = ZMQ.EVENT_CONNECTED | ZMQ.EVENT_DISCONNECTED
            | ZMQ.HANDSHAKE_FAILED_AUTH | ZMQ.HANDSHAKE_FAILED_PROTOCOL | ZMQ.HANDSHAKE_FAILED_NO_DETAIL;

    /**
     * Why a monitor hears nothing from {@code endpoint}: connects a separate probe SUB socket with
     * the same setup and watches its ZMTP handshakes (a socket monitor) for up to {@code waitMs}.
     * Returns the likely cause (a refused key, CURVE on one side only, a wrong pinned server key),
     * or null when the probe heard the stream or saw no failed handshake. ZeroMQ retries quietly,
     * so without this a refused monitor only sees silence. (A probe rather than a monitor on the
     * subscriber's own socket: with a JeroMQ socket monitor on its SUB, EventStreamTest's
     * subscribers missed their snapshot in 3 of 6 runs; the cause was not found.)
     */
    public static String diagnose(String endpoint, Consumer<ZMQ.Socket> socketSetup, long waitMs) {
        try (ZContext ctx = new ZContext(1)) {
            ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
            sub.setLinger(0);
            socketSetup.accept(sub);
            boolean curve = sub.getMechanism() == ZMQ.Socket.Mechanism.CURVE;
            String addr = "inproc://zcl-events-handshake-" + UUID.randomUUID();
            if (!sub.monitor(addr, HANDSHAKE_EVENTS)) {
                return null;
            }
            ZMQ.Socket watch = ctx.createSocket(SocketType.PAIR);
            watch.connect(addr);
            sub.connect(endpoint);
            sub.subscribe(EventPublisher.UPDATES.getBytes(StandardCharsets.UTF_8));
            long deadline = io.zcl.runner.zmq.MonotonicClock.millis() + waitMs;
            try (ZMQ.Poller poller = ctx.createPoller(2)) {
                poller.register(sub, ZMQ.Poller.POLLIN);
                poller.register(watch, ZMQ.Poller.POLLIN);
                while (io.zcl.runner.zmq.MonotonicClock.millis() < deadline) {
                    poller.poll(100);
                    if (sub.recv(ZMQ.DONTWAIT) != null) {
                        return null; // the stream reaches this key: not a handshake problem
                    }
                    ZMQ.Event ev;
                    while ((ev = ZMQ.Event.recv(watch, ZMQ.DONTWAIT)) != null) {
                        String why = explain(ev, curve, false);
                        if (why != null) {
                            return why;
                        }
                    }
                }
            } finally {
                sub.monitor(null, 0);
            }
            return null;
        }
    }

    /** A failed handshake in a monitor's words, or null. */
    private static String explain(ZMQ.Event e, boolean curve, boolean heardOnConnection) {
        switch (e.getEvent()) {
            case ZMQ.HANDSHAKE_FAILED_AUTH:
                return "the coordinator refused this monitor's key (ZAP status " + e.getValue() + "): its public key "
                        + "is not in the run's --monitor-keys folder; copy this monitor's NAME.key there";
            case ZMQ.HANDSHAKE_FAILED_PROTOCOL:
            case ZMQ.HANDSHAKE_FAILED_NO_DETAIL:
                return "handshake with the event stream failed (" + e.resolveValue() + "): "
                        + (curve ? "the coordinator's key is probably not the pinned one (--coordinator-key), or the "
                                + "stream is plaintext (run with --insecure: then pass --insecure here too)"
                                : "the event stream probably requires CURVE (pass --curve-secret FILE --coordinator-key FILE)");
            case ZMQ.EVENT_DISCONNECTED:
                if (heardOnConnection) {
                    return null; // an established stream dropped: the subscriber reconnects by itself
                }
                // JeroMQ tells the client neither a wrong server key nor a mechanism mismatch: the
                // publisher hangs up during the handshake.
                return curve
                        ? "the coordinator closed the connection during the CURVE handshake: its key is probably not "
                                + "the pinned one (--coordinator-key), this monitor's key is not allowed "
                                + "(--monitor-keys), or the stream is plaintext (run with --insecure)"
                        : "the coordinator closed the connection during the handshake: the event stream probably "
                                + "requires CURVE (pass --curve-secret FILE --coordinator-key FILE)";
            default:
                return null;
        }
    }

    /** Applies an update in sequence; on a gap asks for a new snapshot and returns its topic. */
    private String update(ZMQ.Socket sub, String snapTopic, JsonNode e) {
        long seq = e.path("seq").asLong();
        if (seq <= state.seq()) {
            return snapTopic; // already in the snapshot
        }
        if (seq != state.seq() + 1) {
            gaps.incrementAndGet();
            LOG.info("event stream {}: gap after {} (got {}); asking for a snapshot", endpoint, state.seq(), seq);
            synced = false;
            return newSnapshotTopic(sub, snapTopic);
        }
        state.apply(e);
        listener.changed(state, e);
        return snapTopic;
    }

    private static String newSnapshotTopic(ZMQ.Socket sub, String old) {
        if (old != null) {
            sub.unsubscribe(old.getBytes(StandardCharsets.UTF_8));
        }
        String topic = EventPublisher.SNAPSHOT_PREFIX + UUID.randomUUID();
        sub.subscribe(topic.getBytes(StandardCharsets.UTF_8));
        return topic;
    }

    @Override
    public void close() {
        running = false;
        try {
            if (thread != null && !stopped.await(5, TimeUnit.SECONDS)) {
                LOG.warn("event subscriber thread did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
