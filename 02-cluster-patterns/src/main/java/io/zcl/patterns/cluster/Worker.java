package io.zcl.patterns.cluster;

import io.zcl.patterns.heartbeat.Backoff;
import io.zcl.patterns.heartbeat.Liveness;
import io.zcl.patterns.protocol.Codec;
import io.zcl.patterns.protocol.Messages.TaskResult;
import io.zcl.patterns.protocol.Messages.TaskSpec;
import io.zcl.patterns.protocol.Protocol;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
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
 * A worker: the Paranoid Pirate worker (zguide ppworker) that runs each task as a real process.
 *
 * <pre>
 *   DEALER  connect  tasks endpoint (default tcp://localhost:5570), identity = worker name
 *   PAIR    bind     inproc://runner-NAME-N   to its own runner thread, which runs the commands
 * </pre>
 *
 * The socket thread never runs a command itself: it hands the task to the runner thread over an
 * inproc PAIR (zguide chapter 2, signaling between threads) and keeps heartbeating, so a task that
 * runs for minutes does not make the worker look dead.
 *
 * <p>When the coordinator has been silent for liveness x interval, the worker closes its socket,
 * waits (1 s, 2 s, 4 s ... 32 s, with jitter) and connects a fresh socket that says READY again.
 * A DISCONNECT from the coordinator ("I do not know you") skips the wait.
 *
 * <p>Chaos, like ppworker's simulated failures: {@code crashAfter} N completes N tasks and dies on
 * receiving the next, holding it; {@code stallAfter} N goes silent on receiving task N+1 (no
 * heartbeats, no reading) for {@code stallMs}, then carries on as a process woken from SIGSTOP would.
 *
 * <p>Run alone: {@code ./zcl example cluster worker --connect tcp://localhost:5570 --name w1 [--crash-after 3]}
 */
public final class Worker implements AutoCloseable {

    /**
     * @param crashAfter  -1 for never
     * @param stallAfter  -1 for never
     * @param stallMs     how long a stall lasts; 0 for until the worker is closed
     * @param haltOnCrash true in a worker process: a crash halts the JVM (as abrupt as kill -9);
     *                    false in the one-process demo, where a crash drops the socket and ends the thread
     */
    public record Settings(String name, String endpoint, long heartbeatMs, int liveness,
                           long reconnectMs, long reconnectMaxMs,
                           int crashAfter, int stallAfter, long stallMs, boolean haltOnCrash,
                           LongSupplier clock, Log log) {

        public static Settings of(String name, String endpoint) {
            return new Settings(name, endpoint, Protocol.HEARTBEAT_MS, Protocol.LIVENESS,
                    Protocol.RECONNECT_MS, Protocol.RECONNECT_MAX_MS, -1, -1, 0, false,
                    Liveness.MONOTONIC_MILLIS, Log.to(System.out, name));
        }

        public Settings withHeartbeat(long intervalMs, int newLiveness) {
            return new Settings(name, endpoint, intervalMs, newLiveness, reconnectMs, reconnectMaxMs,
                    crashAfter, stallAfter, stallMs, haltOnCrash, clock, log);
        }

        public Settings withReconnect(long initialMs, long maxMs) {
            return new Settings(name, endpoint, heartbeatMs, liveness, initialMs, maxMs,
                    crashAfter, stallAfter, stallMs, haltOnCrash, clock, log);
        }

        public Settings withChaos(int newCrashAfter, int newStallAfter, long newStallMs, boolean halt) {
            return new Settings(name, endpoint, heartbeatMs, liveness, reconnectMs, reconnectMaxMs,
                    newCrashAfter, newStallAfter, newStallMs, halt, clock, log);
        }

        public Settings withLog(Log newLog) {
            return new Settings(name, endpoint, heartbeatMs, liveness, reconnectMs, reconnectMaxMs,
                    crashAfter, stallAfter, stallMs, haltOnCrash, clock, newLog);
        }

        public Settings withClock(LongSupplier newClock) {
            return new Settings(name, endpoint, heartbeatMs, liveness, reconnectMs, reconnectMaxMs,
                    crashAfter, stallAfter, stallMs, haltOnCrash, newClock, log);
        }
    }

    private static final AtomicInteger PIPES = new AtomicInteger();

    private final Settings settings;
    private final LongSupplier clock;
    private final Log log;
    private final Backoff backoff;
    private final AtomicInteger tasksDone = new AtomicInteger();
    private final AtomicInteger connects = new AtomicInteger();
    private volatile boolean running = true;
    private volatile long chaosAt = -1;
    private Thread thread;

    private Socket socket;
    private ZMQ.Poller poller;
    private Liveness coordinator;
    private long nextHeartbeatAt;
    private long reconnectAt;
    private int tasksReceived;
    /** A task received at the moment of a stall: held, unanswered, until the stall ends. */
    private ZMsg stalledTask;
    private long stallUntil;
    private final Deque<ZMsg> unsentResults = new ArrayDeque<>();
    /** How long a dropped socket may still flush what was sent on it. */
    private static final int DROP_LINGER_MS = 1000;

    public Worker(Settings settings) {
        this.settings = settings;
        this.clock = settings.clock();
        this.log = settings.log();
        this.backoff = new Backoff(settings.reconnectMs(), settings.reconnectMaxMs());
    }

    public Worker start() {
        thread = new Thread(this::run, "worker-" + settings.name());
        thread.start();
        return this;
    }

    /** Stops the worker: it says DISCONNECT if it can, and its thread ends within a poll timeout. */
    @Override
    public void close() {
        running = false;
        join(TimeUnit.SECONDS.toMillis(5));
    }

    public void join(long millis) {
        if (thread != null) {
            try {
                thread.join(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public String name() {
        return settings.name();
    }

    public int tasksDone() {
        return tasksDone.get();
    }

    /** How many times it has connected and said READY (1 + reconnects). */
    public int connects() {
        return connects.get();
    }

    /** When (by the settings' clock) it crashed or stalled; -1 if it has not. */
    public long chaosAt() {
        return chaosAt;
    }

    public boolean isAlive() {
        return thread != null && thread.isAlive();
    }

    private void run() {
        Codec.warmUp();
        String pipeEndpoint = "inproc://runner-" + settings.name() + "-" + PIPES.incrementAndGet();
        try (ZContext ctx = new ZContext()) {
            Socket pipe = ctx.createSocket(SocketType.PAIR);
            pipe.setLinger(0);
            pipe.bind(pipeEndpoint);
            Thread runner = new Thread(() -> runTasks(ctx, pipeEndpoint), "runner-" + settings.name());
            runner.start();
            try {
                loop(ctx, pipe);
            } finally {
                running = false;
                runner.join(TimeUnit.SECONDS.toMillis(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.info("stopped by an error: %s", e);
        }
    }

    private void loop(ZContext ctx, Socket pipe) {
        connect(ctx);
        try {
            while (running) {
                long now = clock.getAsLong();
                if (stalledTask != null) {
                    // Frozen: no reading, no heartbeats, nothing. The coordinator will give up on us.
                    if (now < stallUntil) {
                        pause(Math.min(stallUntil - now, Protocol.MAX_POLL_MS));
                        continue;
                    }
                    log.info("woke up from the stall; running the task it held");
                    stalledTask.send(pipe);
                    stalledTask = null;
                }
                if (socket == null) {
                    if (now < reconnectAt) {
                        forwardResults(pipe, Math.min(reconnectAt - now, Protocol.MAX_POLL_MS));
                        continue;
                    }
                    connect(ctx);
                }
                if (poller == null) {
                    poller = ctx.createPoller(2);
                    poller.register(socket, ZMQ.Poller.POLLIN);
                    poller.register(pipe, ZMQ.Poller.POLLIN);
                }
                long wakeAt = Math.min(nextHeartbeatAt, coordinator.expiresAt());
                poller.poll(Math.max(0, Math.min(wakeAt - now, Protocol.MAX_POLL_MS)));

                // Read whatever is there rather than trusting poll's flags alone: a read that finds
                // nothing costs little, and JeroMQ can report readiness one turn late.
                if (!readFromCoordinator(ctx, pipe)) {
                    return;
                }
                if (stalledTask != null) {
                    continue;
                }
                forwardResults(pipe, 0);
                now = clock.getAsLong();
                if (socket != null && now >= nextHeartbeatAt) {
                    socket.send(new byte[] {Protocol.HEARTBEAT}, ZMQ.DONTWAIT);
                    nextHeartbeatAt = now + settings.heartbeatMs();
                }
                if (socket != null && stalledTask == null && coordinator.expired(now)) {
                    long delay = backoff.nextDelayMs();
                    log.info("coordinator silent for %d ms: reconnecting in %d ms (attempt %d)",
                            coordinator.silentFor(now), delay, backoff.attempts());
                    dropSocket(ctx);
                    reconnectAt = now + delay;
                }
            }
            if (socket != null) {
                // Goodbye, so the coordinator re-queues our task now instead of after the timeout.
                socket.setLinger(200);
                socket.send(new byte[] {Protocol.DISCONNECT}, ZMQ.DONTWAIT);
            }
        } finally {
            if (poller != null) {
                poller.close();
                poller = null;
            }
        }
    }

    /** Handles what the coordinator sent; false if this worker just crashed on purpose. */
    private boolean readFromCoordinator(ZContext ctx, Socket pipe) {
        ZMsg msg;
        while (socket != null && stalledTask == null && (msg = ZMsg.recvMsg(socket, ZMQ.DONTWAIT)) != null) {
            long now = clock.getAsLong();
            coordinator.heard(now);
            backoff.reset();
            byte command = commandOf(msg);
            if (command == Protocol.TASK) {
                tasksReceived++;
                if (settings.crashAfter() >= 0 && tasksReceived > settings.crashAfter()) {
                    crash(ctx);
                    return false;
                }
                if (settings.stallAfter() >= 0 && tasksReceived == settings.stallAfter() + 1) {
                    chaosAt = now;
                    stallUntil = settings.stallMs() > 0 ? now + settings.stallMs() : Long.MAX_VALUE;
                    log.info("stalling now (--stall-after %d), %s", settings.stallAfter(),
                            settings.stallMs() > 0 ? "for " + settings.stallMs() + " ms" : "until stopped");
                    stalledTask = msg;
                } else {
                    msg.send(pipe);
                }
            } else if (command == Protocol.DISCONNECT) {
                log.info("coordinator does not know us: reconnecting now");
                dropSocket(ctx);
                reconnectAt = now;
                msg.destroy();
            } else {
                msg.destroy();
            }
        }
        return true;
    }

    /** TASK frames are [TASK][task id][spec]; a message without a command frame reads as 0. */
    private static byte commandOf(ZMsg msg) {
        ZFrame first = msg.pop();
        return first != null && first.size() == 1 ? first.getData()[0] : 0;
    }

    private void connect(ZContext ctx) {
        socket = ctx.createSocket(SocketType.DEALER);
        socket.setLinger(0);
        socket.setIdentity(settings.name().getBytes(StandardCharsets.UTF_8));
        socket.connect(settings.endpoint());
        long now = clock.getAsLong();
        coordinator = new Liveness(settings.heartbeatMs(), settings.liveness(), now);
        nextHeartbeatAt = now + settings.heartbeatMs();
        socket.send(new byte[] {Protocol.READY}, ZMQ.DONTWAIT);
        int n = connects.incrementAndGet();
        log.info(n == 1 ? "connect %s, READY" : "new socket, connect %s, READY again", settings.endpoint());
        while (!unsentResults.isEmpty()) {
            unsentResults.poll().send(socket);
        }
    }

    private void dropSocket(ZContext ctx) {
        // The poller holds the old socket: a new connection gets a new poller.
        if (poller != null) {
            poller.close();
            poller = null;
        }
        // A result sent just before the drop may still wait for the I/O thread: with linger 0 closing
        // would discard it. The late result after a stall was lost that way on a loaded machine (the
        // coordinator's DISCONNECT arrived right after it), so FailureRecoveryTest never saw its duplicate.
        // close() does not wait for the linger; a connection that is gone just lets it expire.
        socket.setLinger(DROP_LINGER_MS);
        socket.close();
        socket = null;
    }

    /** Moves finished results from the runner to the coordinator, or holds them while disconnected. */
    private void forwardResults(Socket pipe, long waitMs) {
        if (waitMs > 0) {
            pipe.setReceiveTimeOut((int) waitMs);
            ZMsg first = ZMsg.recvMsg(pipe);
            pipe.setReceiveTimeOut(-1);
            if (first == null) {
                return;
            }
            sendResult(first);
        }
        ZMsg result;
        while ((result = ZMsg.recvMsg(pipe, ZMQ.DONTWAIT)) != null) {
            sendResult(result);
        }
    }

    private void sendResult(ZMsg result) {
        tasksDone.incrementAndGet();
        result.push(new byte[] {Protocol.RESULT});
        if (socket != null) {
            result.send(socket);
        } else {
            unsentResults.add(result);
        }
    }

    private void crash(ZContext ctx) {
        chaosAt = clock.getAsLong();
        log.info("crashing now (--crash-after %d), holding a task it will never return", settings.crashAfter());
        if (settings.haltOnCrash()) {
            System.out.flush();
            Runtime.getRuntime().halt(3);
        }
        // In one process: vanish without a word, as a killed process would.
        dropSocket(ctx);
        running = false;
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** The runner thread: takes [task id][spec] from the pipe, runs it, sends back [task id][result]. */
    private void runTasks(ZContext ctx, String pipeEndpoint) {
        Socket pipe = ctx.createSocket(SocketType.PAIR);
        pipe.setLinger(0);
        pipe.setReceiveTimeOut((int) Protocol.MAX_POLL_MS);
        pipe.connect(pipeEndpoint);
        try {
            while (running) {
                ZMsg task = ZMsg.recvMsg(pipe);
                if (task == null) {
                    continue;
                }
                String taskId = task.popString();
                TaskResult result;
                try {
                    result = CommandRunner.run(Codec.decode(task.pop().getData(), TaskSpec.class), () -> running);
                } catch (IllegalArgumentException | NullPointerException e) {
                    result = new TaskResult(CommandRunner.EXIT_NOT_STARTED, "bad task: " + e.getMessage(), 0);
                }
                task.destroy();
                if (!running) {
                    return;
                }
                ZMsg reply = new ZMsg();
                reply.add(taskId);
                reply.add(Codec.encode(result));
                reply.send(pipe);
            }
        } finally {
            pipe.close();
        }
    }
}
