package io.zcl.patterns.cluster;

import io.zcl.patterns.cluster.TaskLedger.Outcome;
import io.zcl.patterns.cluster.TaskLedger.Task;
import io.zcl.patterns.heartbeat.Liveness;
import io.zcl.patterns.lru.ReadyQueue;
import io.zcl.patterns.protocol.Codec;
import io.zcl.patterns.protocol.Messages.Event;
import io.zcl.patterns.protocol.Messages.Snapshot;
import io.zcl.patterns.protocol.Messages.TaskResult;
import io.zcl.patterns.protocol.Messages.WorkerRow;
import io.zcl.patterns.protocol.Protocol;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZFrame;
import org.zeromq.ZMQ;
import org.zeromq.ZMQ.Socket;
import org.zeromq.ZMsg;

/**
 * The coordinator: a Paranoid Pirate queue (zguide ppqueue) that hands tasks to workers.
 *
 * <pre>
 *   ROUTER  bind  tasks     (default tcp://*:5570)  workers' DEALERs: READY, HEARTBEAT, TASK, RESULT
 *   PUB     bind  events    (default tcp://*:5571)  monitors' SUBs: worker/task events, snapshots
 *   ROUTER  bind  snapshot  (default tcp://*:5572)  monitors' DEALERs: "SNAPSHOT" request/reply
 * </pre>
 *
 * One thread owns all three sockets. Each turn of its loop: read what arrived, declare silent
 * workers dead (their task goes back to the queue), re-queue a task whose lease ran out (its
 * timeout plus liveness x interval without a result), give pending tasks to idle workers in
 * least-recently-used order, and heartbeat every live worker once per interval. The poll timeout
 * is the time to the next of those deadlines, so a dead worker is noticed within a millisecond or
 * so of its expiry, without busy-waiting.
 *
 * <p>Run alone: {@code ./zcl example cluster coordinator --bind tcp://*:5570 --events tcp://*:5571 --snapshot tcp://*:5572}
 */
public final class Coordinator implements AutoCloseable {

    /**
     * @param snapshotEveryMs how often a full snapshot is published on the event socket, so
     *                        monitors see heartbeat ages move and heal any missed event
     */
    public record Settings(String tasksBind, String eventsBind, String snapshotBind,
                           long heartbeatMs, int liveness, long snapshotEveryMs,
                           LongSupplier clock, Log log) {

        public static Settings defaults() {
            return new Settings(Protocol.DEFAULT_TASKS_BIND, Protocol.DEFAULT_EVENTS_BIND,
                    Protocol.DEFAULT_SNAPSHOT_BIND, Protocol.HEARTBEAT_MS, Protocol.LIVENESS,
                    Protocol.HEARTBEAT_MS, Liveness.MONOTONIC_MILLIS, Log.to(System.out, "coordinator"));
        }

        /** Three ephemeral ports on loopback: for tests and the one-process demo. */
        public static Settings loopback() {
            String any = "tcp://127.0.0.1:*";
            return defaults().withEndpoints(any, any, any);
        }

        public Settings withEndpoints(String tasks, String events, String snapshot) {
            return new Settings(tasks, events, snapshot, heartbeatMs, liveness, snapshotEveryMs, clock, log);
        }

        public Settings withHeartbeat(long intervalMs, int newLiveness) {
            return new Settings(tasksBind, eventsBind, snapshotBind, intervalMs, newLiveness, intervalMs, clock, log);
        }

        public Settings withLog(Log newLog) {
            return new Settings(tasksBind, eventsBind, snapshotBind, heartbeatMs, liveness, snapshotEveryMs, clock, newLog);
        }
    }

    /** A result that counted. */
    public record Accepted(String taskId, String worker, TaskResult result) {
    }

    /** What the coordinator has done so far; safe to read from any thread. */
    public record Report(int tasks, int done, int duplicatesDropped, int requeued, int workersLost,
                         List<Accepted> accepted) {
    }

    private static final class WorkerState {
        final String name;
        Liveness liveness;
        String task;
        /** When the task's lease runs out: its timeout plus liveness x interval. */
        long taskDeadline;
        int done;
        boolean alive = true;

        WorkerState(String name, Liveness liveness) {
            this.name = name;
            this.liveness = liveness;
        }
    }

    private final Settings settings;
    private final LongSupplier clock;
    private final Log log;
    private final TaskLedger ledger = new TaskLedger();
    private final ReadyQueue<String> ready = new ReadyQueue<>();
    private final Map<String, WorkerState> workers = new LinkedHashMap<>();
    private final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Accepted> accepted = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Task> submitted = new ConcurrentLinkedQueue<>();
    private final CountDownLatch bound = new CountDownLatch(1);
    private final CountDownLatch allDone = new CountDownLatch(1);
    private final long epoch = System.currentTimeMillis();
    private volatile boolean running = true;
    private volatile RuntimeException failure;
    private volatile String tasksEndpoint;
    private volatile String eventsEndpoint;
    private volatile String snapshotEndpoint;
    private volatile int workersLost;
    private volatile int duplicatesDropped;
    private volatile int requeued;
    private volatile int doneCount;
    private volatile int total;
    private long seq;
    private Thread thread;

    public Coordinator(Settings settings, List<Task> tasks) {
        this.settings = settings;
        this.clock = settings.clock();
        this.log = settings.log();
        tasks.forEach(ledger::add);
        this.total = ledger.total();
    }

    /** Called on the coordinator's thread for every event it publishes; register before start(). */
    public Coordinator onEvent(Consumer<Event> listener) {
        listeners.add(listener);
        return this;
    }

    /**
     * Adds a task while running, from any thread. The loop picks it up on its next turn (within
     * {@link Protocol#MAX_POLL_MS}); only the loop thread ever touches the ledger.
     */
    public void submit(Task task) {
        submitted.add(task);
    }

    /** Binds the three sockets and starts the loop; returns once they are bound (or throws). */
    public Coordinator start() {
        thread = new Thread(this::run, "coordinator");
        thread.start();
        try {
            if (!bound.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("coordinator did not bind within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        }
        if (failure != null) {
            throw failure;
        }
        return this;
    }

    /** The bound task endpoint, with the real port when bound to "*". */
    public String tasksEndpoint() {
        return tasksEndpoint;
    }

    public String eventsEndpoint() {
        return eventsEndpoint;
    }

    public String snapshotEndpoint() {
        return snapshotEndpoint;
    }

    /** Waits until every task has a counted result; false on timeout or if the loop failed. */
    public boolean awaitAllDone(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (allDone.await(Protocol.MAX_POLL_MS, TimeUnit.MILLISECONDS)) {
                return true;
            }
            if (failure != null || !thread.isAlive()) {
                return false;
            }
        }
        return false;
    }

    public Report report() {
        return new Report(total, doneCount, duplicatesDropped, requeued, workersLost,
                List.copyOf(accepted));
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

    private void run() {
        Codec.warmUp();
        try (ZContext ctx = new ZContext()) {
            Socket tasks = ctx.createSocket(SocketType.ROUTER);
            Socket events = ctx.createSocket(SocketType.PUB);
            Socket snapshots = ctx.createSocket(SocketType.ROUTER);
            for (Socket s : List.of(tasks, events, snapshots)) {
                s.setLinger(0);
            }
            // A worker that reconnects under the same name takes its name over at once, instead of
            // being refused while the ROUTER still holds the old, dead connection.
            tasks.setRouterHandover(true);
            try {
                tasks.bind(settings.tasksBind());
                events.bind(settings.eventsBind());
                snapshots.bind(settings.snapshotBind());
                tasksEndpoint = tasks.getLastEndpoint();
                eventsEndpoint = events.getLastEndpoint();
                snapshotEndpoint = snapshots.getLastEndpoint();
            } catch (RuntimeException e) {
                failure = new IllegalStateException("coordinator cannot bind: " + e.getMessage(), e);
                return;
            } finally {
                bound.countDown();
            }
            log.info("bound tasks %s, events %s, snapshot %s; heartbeat %d ms x liveness %d; %d tasks",
                    tasksEndpoint, eventsEndpoint, snapshotEndpoint, settings.heartbeatMs(),
                    settings.liveness(), ledger.total());
            loop(ctx, tasks, events, snapshots);
        } catch (RuntimeException e) {
            failure = e;
            log.info("stopped by an error: %s", e);
        }
    }

    private void loop(ZContext ctx, Socket tasks, Socket events, Socket snapshots) {
        try (ZMQ.Poller poller = ctx.createPoller(2)) {
            poller.register(tasks, ZMQ.Poller.POLLIN);
            poller.register(snapshots, ZMQ.Poller.POLLIN);
            long now = clock.getAsLong();
            long nextHeartbeat = now + settings.heartbeatMs();
            long nextSnapshot = now + settings.snapshotEveryMs();
            while (running) {
                long wakeAt = Math.min(Math.min(nextHeartbeat, nextSnapshot), earliestExpiry());
                poller.poll(Math.max(0, Math.min(wakeAt - clock.getAsLong(), Protocol.MAX_POLL_MS)));
                receiveFromWorkers(tasks, events);
                answerSnapshotRequests(snapshots);
                for (Task t; (t = submitted.poll()) != null; ) {
                    try {
                        ledger.add(t);
                        total = ledger.total();
                    } catch (IllegalArgumentException e) {
                        log.info("refused a submitted task: %s", e.getMessage());
                    }
                }
                now = clock.getAsLong();
                expireSilentWorkers(events, now);
                dispatch(tasks, events, now);
                if (now >= nextHeartbeat) {
                    for (WorkerState w : workers.values()) {
                        if (w.alive) {
                            send(tasks, w.name, Protocol.HEARTBEAT);
                        }
                    }
                    nextHeartbeat = now + settings.heartbeatMs();
                }
                if (now >= nextSnapshot) {
                    events.sendMore(Protocol.TOPIC_SNAPSHOT);
                    events.send(Codec.encode(snapshot(now)));
                    nextSnapshot = now + settings.snapshotEveryMs();
                }
                if (ledger.total() > 0 && ledger.allDone() && allDone.getCount() > 0) {
                    log.info("all %d tasks done", ledger.total());
                    allDone.countDown();
                }
            }
        }
    }

    private long earliestExpiry() {
        long earliest = Long.MAX_VALUE;
        for (WorkerState w : workers.values()) {
            if (w.alive) {
                earliest = Math.min(earliest, w.liveness.expiresAt());
                if (w.task != null) {
                    earliest = Math.min(earliest, w.taskDeadline);
                }
            }
        }
        return earliest;
    }

    /** Drains what is queued, a bounded batch so heartbeats and expiry still get their turn. */
    private void receiveFromWorkers(Socket tasks, Socket events) {
        for (int i = 0; i < 1000; i++) {
            ZMsg msg = ZMsg.recvMsg(tasks, ZMQ.DONTWAIT);
            if (msg == null) {
                return;
            }
            try {
                onWorkerMessage(tasks, events, msg);
            } catch (RuntimeException e) {
                // A malformed message costs the sender that message, never the coordinator.
                log.info("dropped a malformed message: %s", e.getMessage());
            } finally {
                msg.destroy();
            }
        }
    }

    private void onWorkerMessage(Socket tasks, Socket events, ZMsg msg) {
        long now = clock.getAsLong();
        String name = identityToKey(msg.pop());
        ZFrame commandFrame = msg.pop();
        if (commandFrame == null || commandFrame.size() != 1) {
            throw new IllegalArgumentException("from " + display(name) + ": no one-byte command frame");
        }
        byte command = commandFrame.getData()[0];
        if (name.isEmpty() || name.charAt(0) == 0) {
            // ZeroMQ's own identities start with a zero byte: either a peer that set no name, or the
            // old connection of a worker that has since reconnected under its name (ROUTER handover
            // renames the old pipe). Neither can be given work.
            if (command == Protocol.READY) {
                log.info("refused READY from %s: a worker must set its identity to its name", display(name));
            }
            return;
        }
        WorkerState worker = workers.get(name);
        if (worker != null && worker.alive) {
            worker.liveness.heard(now);
        } else {
            worker = null;
        }
        switch (command) {
            case Protocol.READY -> onReady(events, name, worker, now);
            case Protocol.HEARTBEAT -> {
                if (worker == null) {
                    // A worker we do not know (we restarted, or declared it dead): tell it to start over.
                    log.info("heartbeat from unknown worker %s: sending DISCONNECT", display(name));
                    send(tasks, name, Protocol.DISCONNECT);
                }
            }
            case Protocol.RESULT -> onResult(events, name, worker, msg);
            case Protocol.DISCONNECT -> {
                if (worker != null) {
                    lose(events, worker, now, "said goodbye");
                }
            }
            default -> throw new IllegalArgumentException("from " + display(name) + ": unknown command "
                    + Protocol.commandName(command));
        }
    }

    private void onReady(Socket events, String name, WorkerState known, long now) {
        WorkerState worker = workers.get(name);
        if (known != null) {
            // READY from a live worker means it reconnected and forgot what it was doing.
            requeue(events, known);
            ready.remove(name);
            log.info("%s re-registered", display(name));
        } else if (worker == null) {
            worker = new WorkerState(name, new Liveness(settings.heartbeatMs(), settings.liveness(), now));
            workers.put(name, worker);
            log.info("%s joined (%d live)", display(name), liveCount());
        } else {
            worker.alive = true;
            worker.task = null;
            worker.liveness = new Liveness(settings.heartbeatMs(), settings.liveness(), now);
            log.info("%s joined again (%d live)", display(name), liveCount());
        }
        ready.ready(name);
        publish(events, Protocol.TOPIC_JOINED, display(name), null, 0);
    }

    private void onResult(Socket events, String name, WorkerState worker, ZMsg msg) {
        ZFrame idFrame = msg.pop();
        if (idFrame == null) {
            throw new IllegalArgumentException("RESULT from " + display(name) + " without a task id");
        }
        String taskId = idFrame.getString(StandardCharsets.UTF_8);
        ZFrame body = msg.pop();
        TaskResult result = Codec.decode(body == null ? null : body.getData(), TaskResult.class);
        Outcome outcome = ledger.complete(taskId, result);
        switch (outcome) {
            case ACCEPTED -> {
                accepted.add(new Accepted(taskId, display(name), result));
                doneCount = ledger.doneCount();
                WorkerState counted = workers.get(name);
                if (counted != null) {
                    counted.done++;
                }
                publish(events, Protocol.TOPIC_DONE, display(name), taskId, 0);
            }
            case DUPLICATE -> {
                duplicatesDropped = ledger.duplicatesDropped();
                log.info("dropped a duplicate result for %s from %s (already counted)", taskId, display(name));
            }
            case UNKNOWN -> log.info("dropped a result for unknown task %s from %s", taskId, display(name));
        }
        // A result for the task it holds makes a worker idle again; a late result for an older task
        // (sent after a reconnect) does not, or the worker would be queued twice.
        if (worker != null && taskId.equals(worker.task)) {
            worker.task = null;
            ready.ready(name);
        }
    }

    private void expireSilentWorkers(Socket events, long now) {
        for (WorkerState w : workers.values()) {
            if (w.alive && w.liveness.expired(now)) {
                lose(events, w, now, "silent for " + w.liveness.silentFor(now) + " ms");
            } else if (w.alive && w.task != null && now >= w.taskDeadline) {
                // The worker is alive but its result never came: the worker enforces the same
                // timeout and always answers, so the result was lost on the way. Run it again.
                log.info("%s: no result for %s within its lease; re-queueing it", display(w.name), w.task);
                requeue(events, w);
                ready.ready(w.name);
            }
        }
    }

    private void lose(Socket events, WorkerState w, long now, String why) {
        w.alive = false;
        ready.remove(w.name);
        workersLost++;
        String task = w.task;
        log.info("%s lost: %s%s", display(w.name), why, task == null ? "" : "; re-queueing " + task);
        publish(events, Protocol.TOPIC_LOST, display(w.name), task, w.liveness.silentFor(now));
        requeue(events, w);
    }

    private void requeue(Socket events, WorkerState w) {
        if (w.task != null && ledger.requeue(w.task, w.name)) {
            requeued = ledger.requeuedCount();
            publish(events, Protocol.TOPIC_REQUEUED, display(w.name), w.task, 0);
        }
        w.task = null;
    }

    private void dispatch(Socket tasks, Socket events, long now) {
        while (ledger.hasPending() && !ready.isEmpty()) {
            String name = ready.next().orElseThrow();
            Task task = ledger.dispatch(name).orElseThrow();
            WorkerState worker = workers.get(name);
            worker.task = task.id();
            worker.taskDeadline = now + task.spec().timeoutMs() + settings.heartbeatMs() * settings.liveness();
            ZMsg msg = new ZMsg();
            msg.add(name.getBytes(StandardCharsets.ISO_8859_1));
            msg.add(new byte[] {Protocol.TASK});
            msg.add(task.id());
            msg.add(Codec.encode(task.spec()));
            msg.send(tasks);
            publish(events, Protocol.TOPIC_DISPATCHED, display(name), task.id(), 0);
        }
    }

    private void answerSnapshotRequests(Socket snapshots) {
        for (int i = 0; i < 100; i++) {
            ZMsg request = ZMsg.recvMsg(snapshots, ZMQ.DONTWAIT);
            if (request == null) {
                return;
            }
            ZFrame identity = request.pop();
            ZFrame command = request.pop();
            if (identity != null && command != null
                    && Protocol.SNAPSHOT_REQUEST.equals(command.getString(StandardCharsets.UTF_8))) {
                ZMsg reply = new ZMsg();
                reply.add(identity);
                reply.add(Protocol.SNAPSHOT_REQUEST);
                reply.add(Codec.encode(snapshot(clock.getAsLong())));
                reply.send(snapshots);
            }
            request.destroy();
        }
    }

    private Snapshot snapshot(long now) {
        List<WorkerRow> rows = new ArrayList<>();
        for (WorkerState w : workers.values()) {
            String state = !w.alive ? "lost" : w.task != null ? "busy" : "ready";
            rows.add(new WorkerRow(display(w.name), state, w.task, w.done,
                    w.alive ? w.liveness.silentFor(now) : -1));
        }
        return new Snapshot(epoch, seq, rows, ledger.total(), ledger.doneCount(),
                ledger.pendingCount(), ledger.inFlightCount());
    }

    private void publish(Socket events, String topic, String worker, String task, long silentMs) {
        seq++;
        Event event = new Event(topic, epoch, seq, clock.getAsLong(), worker, task, silentMs);
        events.sendMore(topic);
        events.send(Codec.encode(event));
        for (Consumer<Event> listener : listeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                log.info("event listener failed: %s", e);
            }
        }
    }

    private static void send(Socket socket, String name, byte command) {
        socket.sendMore(name.getBytes(StandardCharsets.ISO_8859_1));
        socket.send(new byte[] {command});
    }

    private int liveCount() {
        return (int) workers.values().stream().filter(w -> w.alive).count();
    }

    /** ISO-8859-1 maps every byte to one char and back, so any identity survives as a map key. */
    private static String identityToKey(ZFrame identity) {
        if (identity == null) {
            throw new IllegalArgumentException("no identity frame");
        }
        return new String(identity.getData(), StandardCharsets.ISO_8859_1);
    }

    /** Worker names are printable ASCII; a peer that set no identity gets ZeroMQ's binary one, shown in hex. */
    private static String display(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return "0x" + HexFormat.of().formatHex(key.getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        return key;
    }
}
