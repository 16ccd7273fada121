package io.zcl.patterns.cluster;

import io.zcl.patterns.heartbeat.Liveness;
import io.zcl.patterns.protocol.Codec;
import io.zcl.patterns.protocol.Messages.Event;
import io.zcl.patterns.protocol.Messages.Snapshot;
import io.zcl.patterns.protocol.Messages.WorkerRow;
import io.zcl.patterns.protocol.Protocol;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZFrame;
import org.zeromq.ZMQ;
import org.zeromq.ZMQ.Socket;
import org.zeromq.ZMsg;

/**
 * The monitor: a live table of the cluster, correct even when it joins late (zguide Clone pattern).
 *
 * <pre>
 *   SUB     connect  events   (default tcp://localhost:5571)  every event, then periodic snapshots
 *   DEALER  connect  snapshot (default tcp://localhost:5572)  ["SNAPSHOT"] -> ["SNAPSHOT"][state]
 * </pre>
 *
 * Order matters: subscribe first, then ask for the snapshot, and only then read the events that
 * queued up meanwhile, dropping those the snapshot already holds (seq &lt;= its seq). Asking first
 * and subscribing after would lose whatever happened in between; reading events before the
 * snapshot would show a half-empty cluster. A gap in seq or a new coordinator epoch means: ask
 * again. The coordinator publishes a snapshot every heartbeat, so a silent event stream means it
 * (or our connection) is gone: the monitor then starts over with fresh sockets.
 *
 * <p>Run alone: {@code ./zcl example cluster monitor --events tcp://localhost:5571 --snapshot tcp://localhost:5572}
 */
public final class Monitor implements AutoCloseable {

    /**
     * @param table     where the table is printed, or null for none
     * @param logEvents also log each worker joined/lost line (off in the demo: the coordinator says it)
     * @param silenceMs after this long without a single event (the coordinator publishes a snapshot
     *                  every heartbeat), the monitor reconnects and asks for a new snapshot
     */
    public record Settings(String eventsEndpoint, String snapshotEndpoint, long printEveryMs,
                           PrintStream table, boolean logEvents, long silenceMs, LongSupplier clock, Log log) {

        public static Settings of(String eventsEndpoint, String snapshotEndpoint) {
            return new Settings(eventsEndpoint, snapshotEndpoint, 1000, System.out, true,
                    Protocol.LIVENESS * Protocol.HEARTBEAT_MS, Liveness.MONOTONIC_MILLIS, Log.to(System.out, "monitor"));
        }

        public Settings quiet() {
            return new Settings(eventsEndpoint, snapshotEndpoint, printEveryMs, null, false, silenceMs, clock, Log.quiet());
        }

        public Settings withPrinting(long everyMs, PrintStream out, boolean events) {
            return new Settings(eventsEndpoint, snapshotEndpoint, everyMs, out, events, silenceMs, clock, log);
        }

        /** Matches the coordinator's heartbeat: silent for liveness x interval means gone. */
        public Settings withHeartbeat(long intervalMs, int liveness) {
            return new Settings(eventsEndpoint, snapshotEndpoint, printEveryMs, table, logEvents,
                    intervalMs * liveness, clock, log);
        }
    }

    /** How long to wait for a snapshot reply before asking again (e.g. the coordinator is not up yet). */
    private static final long SNAPSHOT_RETRY_MS = 2000;

    private final Settings settings;
    private final Log log;
    private final ClusterView view = new ClusterView();
    private final CountDownLatch firstSnapshot = new CountDownLatch(1);
    private final AtomicInteger staleDropped = new AtomicInteger();
    private final AtomicInteger snapshotsReceived = new AtomicInteger();
    private volatile Snapshot first;
    private volatile boolean running = true;
    private Thread thread;
    private Socket events;
    private Socket snapshots;
    private long lastHeardAt;

    public Monitor(Settings settings) {
        this.settings = settings;
        this.log = settings.log();
    }

    public Monitor start() {
        thread = new Thread(this::run, "monitor");
        thread.start();
        return this;
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The first snapshot this monitor applied, waiting for it up to {@code timeout}; null if none came. */
    public Snapshot awaitFirstSnapshot(Duration timeout) throws InterruptedException {
        return firstSnapshot.await(timeout.toMillis(), TimeUnit.MILLISECONDS) ? first : null;
    }

    public List<WorkerRow> rows() {
        synchronized (view) {
            return view.rows();
        }
    }

    public long seq() {
        synchronized (view) {
            return view.seq();
        }
    }

    public int tasksDone() {
        synchronized (view) {
            return view.tasksDone();
        }
    }

    /** Events dropped because the snapshot already held them. */
    public int staleDropped() {
        return staleDropped.get();
    }

    public int snapshotsReceived() {
        return snapshotsReceived.get();
    }

    public String render() {
        synchronized (view) {
            return view.render();
        }
    }

    private void run() {
        Codec.warmUp();
        try (ZContext ctx = new ZContext()) {
            loop(ctx);
        } catch (RuntimeException e) {
            log.info("stopped by an error: %s", e);
        }
    }

    /** (Re)creates both sockets. Subscribing comes first, so no event after the snapshot is missed. */
    private void connect(ZContext ctx) {
        if (events != null) {
            events.close();
            snapshots.close();
        }
        events = ctx.createSocket(SocketType.SUB);
        events.setLinger(0);
        events.setReceiveTimeOut((int) Protocol.MAX_POLL_MS);
        events.connect(settings.eventsEndpoint());
        events.subscribe(ZMQ.SUBSCRIPTION_ALL);
        snapshots = ctx.createSocket(SocketType.DEALER);
        snapshots.setLinger(0);
        snapshots.setReceiveTimeOut((int) Protocol.MAX_POLL_MS);
        snapshots.connect(settings.snapshotEndpoint());
    }

    private void loop(ZContext ctx) {
        LongSupplier clock = settings.clock();
        connect(ctx);
        boolean awaitingSnapshot = true;
        boolean askNow = true;
        long askedAt = 0;
        long nextPrintAt = 0;
        boolean changed = false;
        lastHeardAt = clock.getAsLong();
        while (running) {
            long now = clock.getAsLong();
            if (awaitingSnapshot) {
                if (!askNow && now - askedAt >= SNAPSHOT_RETRY_MS) {
                    // No reply: the coordinator is not up yet, or this connection never got through.
                    // Like a Lazy Pirate client, start over with fresh sockets rather than wait on these.
                    connect(ctx);
                    askNow = true;
                }
                if (askNow) {
                    snapshots.send(Protocol.SNAPSHOT_REQUEST);
                    askedAt = now;
                    askNow = false;
                }
                // Events stay queued in the SUB socket meanwhile: nothing is read from it yet.
                Snapshot snapshot = receiveSnapshot(snapshots, 0);
                if (snapshot != null) {
                    awaitingSnapshot = false;
                    lastHeardAt = clock.getAsLong();
                    onSnapshot(snapshot);
                    changed = true;
                    nextPrintAt = 0;
                }
                continue;
            }
            switch (readEvents(events)) {
                case APPLIED -> changed = true;
                case GAP, OTHER_EPOCH, NO_SNAPSHOT -> {
                    awaitingSnapshot = true;
                    askNow = true;
                }
                case STALE -> {
                }
            }
            // A late reply to a repeated request: applied only if not older than the view.
            Snapshot late = receiveSnapshot(snapshots, ZMQ.DONTWAIT);
            if (late != null) {
                synchronized (view) {
                    view.applyPeriodic(late);
                }
            }
            now = clock.getAsLong();
            if (!awaitingSnapshot && now - lastHeardAt >= settings.silenceMs()) {
                // The coordinator publishes a snapshot every heartbeat: silence means it is gone,
                // or our subscription is. Either way, start over and ask for the state again.
                log.info("no events for %d ms: reconnecting and asking for a new snapshot", now - lastHeardAt);
                connect(ctx);
                awaitingSnapshot = true;
                askNow = true;
            }
            if (changed && settings.table() != null && now >= nextPrintAt) {
                settings.table().print(render());
                settings.table().flush();
                changed = false;
                nextPrintAt = now + settings.printEveryMs();
            }
        }
    }

    /** flags 0 waits up to the socket's receive timeout; ZMQ.DONTWAIT does not wait. */
    private Snapshot receiveSnapshot(Socket snapshots, int flags) {
        ZMsg reply = ZMsg.recvMsg(snapshots, flags);
        if (reply == null) {
            return null;
        }
        try {
            ZFrame command = reply.pop();
            ZFrame body = reply.pop();
            if (command == null || body == null
                    || !Protocol.SNAPSHOT_REQUEST.equals(command.getString(StandardCharsets.UTF_8))) {
                return null;
            }
            return Codec.decode(body.getData(), Snapshot.class);
        } catch (IllegalArgumentException e) {
            log.info("dropped a malformed snapshot: %s", e.getMessage());
            return null;
        } finally {
            reply.destroy();
        }
    }

    private void onSnapshot(Snapshot snapshot) {
        synchronized (view) {
            view.applySnapshot(snapshot);
        }
        snapshotsReceived.incrementAndGet();
        if (first == null) {
            first = snapshot;
            log.info("snapshot at seq %d: %d workers, %d/%d tasks done", snapshot.seq(),
                    snapshot.workers().size(), snapshot.tasksDone(), snapshot.tasksTotal());
            firstSnapshot.countDown();
        }
    }

    /**
     * Applies what is queued. Stops early at a gap or a new epoch, which need a fresh snapshot;
     * the rest of the queue is then read after it, and the stale part dropped by seq.
     */
    private ClusterView.Applied readEvents(Socket events) {
        ClusterView.Applied last = ClusterView.Applied.STALE;
        for (int i = 0; i < 1000; i++) {
            // The first read waits up to the receive timeout: it is this loop's only pause.
            ZMsg msg = ZMsg.recvMsg(events, i == 0 ? 0 : ZMQ.DONTWAIT);
            if (msg == null) {
                break;
            }
            lastHeardAt = settings.clock().getAsLong();
            try {
                String topic = msg.popString();
                ZFrame body = msg.pop();
                if (body == null) {
                    continue;
                }
                if (Protocol.TOPIC_SNAPSHOT.equals(topic)) {
                    boolean sameEpoch;
                    synchronized (view) {
                        sameEpoch = view.applyPeriodic(Codec.decode(body.getData(), Snapshot.class));
                    }
                    if (!sameEpoch) {
                        return ClusterView.Applied.OTHER_EPOCH;
                    }
                    last = ClusterView.Applied.APPLIED;
                    continue;
                }
                Event event = Codec.decode(body.getData(), Event.class);
                ClusterView.Applied applied;
                synchronized (view) {
                    applied = view.apply(event);
                }
                switch (applied) {
                    case APPLIED -> {
                        last = applied;
                        if (settings.logEvents() && (topic.equals(Protocol.TOPIC_JOINED) || topic.equals(Protocol.TOPIC_LOST))) {
                            log.info("%s %s%s", event.worker(), topic.equals(Protocol.TOPIC_JOINED) ? "joined" : "lost",
                                    event.task() == null ? "" : " holding " + event.task());
                        }
                    }
                    case STALE -> staleDropped.incrementAndGet();
                    default -> {
                        log.info("event seq %d does not follow %d (%s): asking for a new snapshot",
                                event.seq(), seq(), applied);
                        return applied;
                    }
                }
            } catch (IllegalArgumentException e) {
                log.info("dropped a malformed event: %s", e.getMessage());
            } finally {
                msg.destroy();
            }
        }
        return last;
    }
}
