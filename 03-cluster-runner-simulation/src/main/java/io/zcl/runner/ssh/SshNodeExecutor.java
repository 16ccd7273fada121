package io.zcl.runner.ssh;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.CommandResult.Status;
import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.api.OutputListener;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelListener;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs commands on one node over SSH: ONE connection (a MINA {@link ClientSession}) and one
 * session channel ({@link ChannelExec}) per command, as the Python runner does with asyncssh.
 *
 * <ul>
 *   <li>Connecting is lazy (the first command, or {@link #connect()}); a connection that dropped
 *       is replaced by the next command, and commands still waiting for a channel move to the
 *       new one. A connection failure (refused, timed out, host key mismatch, key not accepted)
 *       fails the waiting commands with FAILED_TO_START and the reason.</li>
 *   <li>The argv, env and cwd travel as one shell-quoted string run under a small wrapper
 *       ({@link RemoteCommand}): a missing program or directory is FAILED_TO_START, and the
 *       remote process group dies when the channel's stdin ends.</li>
 *   <li>stdout and stderr go to the listener as they arrive (from the SSH I/O thread) and are
 *       captured up to {@link SshSettings#captureLimitBytes()} each.</li>
 *   <li>Timeout or cancel: the client sends EOF on the channel's stdin, the wrapper kills the
 *       process group (TERM, KILL after 1 s) and exits, and the result is TIMED_OUT or
 *       CANCELLED; if the node does not answer within {@link SshSettings#killGrace()} the
 *       channel is closed anyway (which also ends the wrapper's stdin).</li>
 *   <li>MaxSessions: at most {@link SshSettings#maxChannels()} channels are open at once; more
 *       commands wait in arrival order. If the server still refuses a channel (OpenSSH answers
 *       an open over its MaxSessions with failure reason 2, "open failed"), the command goes
 *       back to its place in the queue, the limit is lowered to the most channels the server
 *       did accept at once on this connection, and the open is retried when a channel closes or
 *       after a short back-off (10 ms doubling to 250 ms). Never lower than that peak: sshd
 *       frees a slot only once the process on it has exited, a little after our channel closed,
 *       so a refusal right after a close says nothing about the limit.</li>
 *   <li>The connection dropping while a command runs gives NODE_LOST: its outcome is unknown
 *       (though the wrapper will have killed it, as its stdin ended).</li>
 * </ul>
 */
public final class SshNodeExecutor implements NodeExecutor, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SshNodeExecutor.class);

    /**
     * How long to wait for output to end after the exit status arrived. It stays open past exit
     * only when a background child inherited it; the result should not wait for that.
     */
    private static final Duration OUTPUT_GRACE = Duration.ofSeconds(2);
    /** Refusals in a row with none of our channels open: the server refuses sessions, not load. */
    private static final int MAX_LONELY_REFUSALS = 20;
    private static final long MIN_BACKOFF_MS = 10;
    private static final long MAX_BACKOFF_MS = 250;

    private enum State { WAITING, OPENING, RUNNING, FINISHED }

    private enum Kill { NONE, TIMEOUT, CANCEL }

    private final String nodeId;
    private final String host;
    private final int port;
    private final SshConnector connector;
    private final boolean ownsConnector;
    private final SshSettings settings;
    private final Map<String, Execution> active = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();

    private final Object lock = new Object();
    // Guarded by lock: the connection, the queue and the channel accounting.
    private ClientSession session;
    private CompletableFuture<ClientSession> connecting;
    private final PriorityQueue<Execution> waiting = new PriorityQueue<>(Comparator.comparingLong(e -> e.seq));
    private int opening;
    private int running;
    /** Most channels the server accepted at once on this connection: its MaxSessions is at least this. */
    private int peakRunning;
    /** What the server's refusals taught about its MaxSessions on this connection. */
    private int learnedLimit = Integer.MAX_VALUE;
    private int lonelyRefusals;
    private long backoffMs = MIN_BACKOFF_MS;
    private boolean retryScheduled;
    private long connections;
    private long refusedOpens;
    private volatile boolean closed;
    private volatile SshConnectionListener connectionListener = SshConnectionListener.NONE;

    /**
     * An executor on a shared connector (one per cluster); closing the executor leaves the
     * connector open.
     */
    public SshNodeExecutor(String nodeId, String host, int port, SshConnector connector) {
        this(nodeId, host, port, connector, false);
    }

    private SshNodeExecutor(String nodeId, String host, int port, SshConnector connector, boolean ownsConnector) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.host = Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, got " + port);
        }
        this.port = port;
        this.connector = Objects.requireNonNull(connector, "connector");
        this.ownsConnector = ownsConnector;
        this.settings = connector.settings();
    }

    /** A standalone executor with its own connector, closed with it. */
    public static SshNodeExecutor open(String nodeId, String host, int port, SshSettings settings) {
        return new SshNodeExecutor(nodeId, host, port, new SshConnector(settings), true);
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    /** "user@host:port", as error messages name the node. */
    public String address() {
        return settings.user() + "@" + host + ":" + port;
    }

    /**
     * Opens the connection now (if it is not open) and waits for it.
     *
     * @throws SshConnectException when the node cannot be reached or logged into
     */
    public void connect() throws SshConnectException {
        CompletableFuture<ClientSession> f;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("executor for " + nodeId + " is closed");
            }
            if (liveSession() != null) {
                return;
            }
            f = startConnect();
        }
        try {
            f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SshConnectException s) {
                throw s;
            }
            throw new SshConnectException(SshConnectException.Kind.PROTOCOL, "cannot connect to " + address() + ": "
                    + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshConnectException(SshConnectException.Kind.UNREACHABLE, "interrupted while connecting to "
                    + address(), e);
        }
    }

    /** Where connection up/lost events go (replaces the previous listener). */
    public void setConnectionListener(SshConnectionListener listener) {
        this.connectionListener = listener == null ? SshConnectionListener.NONE : listener;
    }

    /** True while the connection is open and logged in. */
    public boolean isConnected() {
        synchronized (lock) {
            return liveSession() != null;
        }
    }

    /** Connections opened so far: 1 after the first command, +1 per reconnect. */
    public long connectionCount() {
        synchronized (lock) {
            return connections;
        }
    }

    /** Channel opens the server refused (over its MaxSessions) and that were queued again. */
    public long refusedOpens() {
        synchronized (lock) {
            return refusedOpens;
        }
    }

    /** Commands whose channel is open now. */
    public int running() {
        synchronized (lock) {
            return running;
        }
    }

    /** Most channels open at once on the current connection. */
    public int peakRunning() {
        synchronized (lock) {
            return peakRunning;
        }
    }

    /** Commands accepted and not finished: waiting, opening and running. */
    public int active() {
        return active.size();
    }

    /** Drops the connection at once (what a network failure does); the next command reconnects. */
    public void disconnect() {
        ClientSession s;
        synchronized (lock) {
            s = session;
            session = null;
        }
        if (s != null) {
            s.close(true);
        }
    }

    /**
     * Runs the command. A command id that is still active returns the same future (a re-sent RUN
     * is not run twice); once finished, the id may be reused.
     */
    @Override
    public CompletableFuture<CommandResult> run(Command command, OutputListener listener) {
        Objects.requireNonNull(command, "command");
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("executor for " + nodeId + " is closed"));
        }
        Execution execution = new Execution(command, listener == null ? OutputListener.NONE : listener,
                sequence.incrementAndGet());
        Execution existing = active.putIfAbsent(command.id(), execution);
        if (existing != null) {
            return existing.result;
        }
        try {
            execution.remote = RemoteCommand.of(command);
        } catch (IllegalArgumentException e) {
            execution.finish(CommandResult.failed(command.id(), nodeId, Status.FAILED_TO_START, Instant.now(),
                    Duration.ZERO, e.getMessage()));
            return execution.result;
        }
        synchronized (lock) {
            if (closed) {
                execution.state = State.FINISHED;
            } else {
                waiting.add(execution);
            }
        }
        if (execution.state == State.FINISHED) {
            execution.finish(CommandResult.failed(command.id(), nodeId, Status.CANCELLED, Instant.now(), Duration.ZERO,
                    "cancelled: executor closed"));
            return execution.result;
        }
        pump();
        return execution.result;
    }

    @Override
    public boolean cancel(String commandId) {
        Execution execution = active.get(commandId);
        return execution != null && execution.kill(Kill.CANCEL);
    }

    /**
     * Stops every command (waiting ones finish CANCELLED without starting, running ones are
     * killed on the node as the channel's stdin ends) and closes the connection.
     */
    @Override
    public void close() {
        List<Execution> waitingNow;
        ClientSession s;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            waitingNow = new ArrayList<>(waiting);
            waiting.clear();
            s = session;
            session = null;
        }
        for (Execution e : waitingNow) {
            e.finishCancelledBeforeStart("cancelled: executor closed");
        }
        for (Execution e : active.values()) {
            e.markKill(Kill.CANCEL);
        }
        if (s != null) {
            s.close(true); // closes every channel: the close listeners complete their results
        }
        if (ownsConnector) {
            connector.close();
        }
    }

    // ---- connection and queue ----------------------------------------------------------------

    /** The open, logged-in session, or null (forgetting a dead one). Call holding the lock. */
    private ClientSession liveSession() {
        if (session != null && (!session.isOpen() || session.isClosing())) {
            log.info("connection to {} ({}) is gone; the next command reconnects", nodeId, address());
            session = null;
        }
        return session;
    }

    /** Starts a connect unless one is under way. Call holding the lock. */
    private CompletableFuture<ClientSession> startConnect() {
        if (connecting != null) {
            return connecting;
        }
        CompletableFuture<ClientSession> f = new CompletableFuture<>();
        connecting = f;
        try {
            connector.connectPool().execute(() -> {
                ClientSession s = null;
                Throwable failure = null;
                try {
                    s = connector.connect(host, port);
                } catch (SshConnectException | RuntimeException e) {
                    failure = e;
                }
                // state first, then the future: whoever waited on it finds the executor connected
                connected(s, failure);
                if (failure == null) {
                    f.complete(s);
                } else {
                    f.completeExceptionally(failure);
                }
            });
        } catch (RejectedExecutionException e) {
            connecting = null;
            f.completeExceptionally(new IllegalStateException("the SSH connector is closed", e));
        }
        return f;
    }

    private void connected(ClientSession s, Throwable failure) {
        List<Execution> failed = List.of();
        boolean closeIt = false;
        long number = 0;
        synchronized (lock) {
            connecting = null;
            if (failure == null && closed) {
                closeIt = true;
            } else if (failure == null) {
                session = s;
                number = ++connections;
                peakRunning = running;
                learnedLimit = Integer.MAX_VALUE;
                lonelyRefusals = 0;
            } else {
                failed = new ArrayList<>(waiting);
                waiting.clear();
            }
        }
        if (closeIt) {
            s.close(true);
            return;
        }
        if (failure != null) {
            String reason = failure instanceof SshConnectException ? failure.getMessage()
                    : "cannot connect to " + address() + ": " + failure;
            log.warn("{}: {}", nodeId, reason);
            for (Execution e : failed) {
                e.finishNotStarted(Status.FAILED_TO_START, reason);
            }
            return;
        }
        s.addCloseFutureListener(f -> sessionEnded(s));
        connectionListener.connected(nodeId, number);
        pump();
    }

    /** The connection closed: forget it, and report it unless this executor closed it. */
    private void sessionEnded(ClientSession s) {
        synchronized (lock) {
            if (session == s) {
                session = null;
            }
        }
        if (!closed) {
            connectionListener.lost(nodeId, "connection to " + address() + " closed");
        }
    }

    /** Opens channels for waiting commands while there is room; connects first if needed. */
    private void pump() {
        List<Execution> toOpen = new ArrayList<>();
        ClientSession s;
        synchronized (lock) {
            if (closed || waiting.isEmpty()) {
                return;
            }
            s = liveSession();
            if (s == null) {
                startConnect();
                return;
            }
            int limit = Math.min(settings.maxChannels(), learnedLimit);
            while (!waiting.isEmpty() && opening + running < limit) {
                Execution e = waiting.poll();
                e.state = State.OPENING;
                opening++;
                toOpen.add(e);
            }
        }
        for (Execution e : toOpen) {
            e.open(s);
        }
    }

    /** Retries a refused open after a back-off, in case no channel of ours closes to trigger it. */
    private void scheduleRetry() {
        synchronized (lock) {
            if (retryScheduled || closed) {
                return;
            }
            retryScheduled = true;
            long delay = backoffMs;
            backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            try {
                connector.timers().schedule(() -> {
                    synchronized (lock) {
                        retryScheduled = false;
                    }
                    pump();
                }, delay, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                retryScheduled = false;
            }
        }
    }

    private Future<?> schedule(Runnable task, Duration delay) {
        try {
            return connector.timers().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(null);
        }
    }

    // ---- one command ----------------------------------------------------------------------

    /** One command from queued to finished. Its mutable fields are guarded by {@code this}. */
    private final class Execution {

        final Command command;
        final OutputListener listener;
        final long seq;
        final CompletableFuture<CommandResult> result = new CompletableFuture<>();
        final OutputCapture out = new OutputCapture(settings.captureLimitBytes());
        final OutputCapture err = new OutputCapture(settings.captureLimitBytes());
        String remote;
        volatile State state = State.WAITING;
        ChannelExec channel;
        OpenFuture openFuture;
        boolean counted;
        Kill kill = Kill.NONE;
        boolean killSent;
        boolean outputStillOpen;
        boolean listenerFailed;
        Instant started;
        long t0;
        Future<?> timeoutTask;
        Future<?> graceTask;

        Execution(Command command, OutputListener listener, long seq) {
            this.command = command;
            this.listener = listener;
            this.seq = seq;
        }

        void open(ClientSession s) {
            ChannelExec ch;
            try {
                ch = s.createExecChannel(remote);
            } catch (IOException | RuntimeException e) {
                openFailed(null, e);
                return;
            }
            ch.setOut(new Sink(OutputListener.Stream.STDOUT, out));
            ch.setErr(new Sink(OutputListener.Stream.STDERR, err));
            ch.addChannelListener(new ChannelListener() {
                @Override
                public void channelStateChanged(Channel c, String hint) {
                    if ("exit-status".equals(hint) || "exit-signal".equals(hint)) {
                        exited(ch);
                    }
                }
            });
            ch.addCloseFutureListener(f -> closed(ch));
            OpenFuture f;
            synchronized (this) {
                channel = ch;
                try {
                    f = ch.open();
                } catch (IOException | RuntimeException e) {
                    f = null;
                    openFailedLater(ch, e);
                }
                openFuture = f;
            }
            if (f != null) {
                f.addListener(done -> {
                    if (done.isOpened()) {
                        opened(ch);
                    } else {
                        openFailed(ch, done.getException());
                    }
                });
            }
        }

        private void openFailedLater(ChannelExec ch, Throwable e) {
            // called holding this; finish outside of it
            CompletableFuture.runAsync(() -> openFailed(ch, e), connector.connectPool());
        }

        /** The channel is open: the wrapper is starting on the node. Idempotent. */
        void opened(ChannelExec ch) {
            boolean killNow;
            synchronized (this) {
                if (channel != ch || counted || state == State.FINISHED) {
                    return;
                }
                counted = true;
                state = State.RUNNING;
                started = Instant.now();
                t0 = System.nanoTime();
                timeoutTask = schedule(() -> kill(Kill.TIMEOUT), command.timeout());
                killNow = kill != Kill.NONE;
            }
            synchronized (lock) {
                opening--;
                running++;
                peakRunning = Math.max(peakRunning, running);
                lonelyRefusals = 0;
                backoffMs = MIN_BACKOFF_MS;
            }
            if (killNow) {
                sendKill();
            }
        }

        void openFailed(ChannelExec ch, Throwable e) {
            synchronized (this) {
                if (ch != null && channel != ch || state != State.OPENING) {
                    return;
                }
                state = State.WAITING;
                channel = null;
            }
            boolean requeued = false;
            String reason = null;
            synchronized (lock) {
                opening--;
                boolean sessionAlive = liveSession() != null;
                if (closed) {
                    reason = "cancelled: executor closed";
                } else if (e instanceof SshChannelOpenException refused && sessionAlive) {
                    // The server has fewer session slots than we assumed (MaxSessions): wait for one.
                    refusedOpens++;
                    if (running == 0) {
                        lonelyRefusals++;
                    }
                    if (lonelyRefusals > MAX_LONELY_REFUSALS) {
                        reason = "the server at " + address() + " refuses to open a session channel: "
                                + refused.getMessage();
                    } else {
                        int learned = Math.max(1, Math.max(running, peakRunning));
                        if (learned < learnedLimit && learned < settings.maxChannels()) {
                            log.info("{}: the server refused a channel with {} open; using at most {} channels "
                                    + "(its MaxSessions)", nodeId, running, learned);
                        }
                        learnedLimit = Math.min(learnedLimit, learned);
                        waiting.add(this);
                        requeued = true;
                    }
                } else if (!sessionAlive) {
                    waiting.add(this); // the connection dropped: pump() reconnects
                    requeued = true;
                } else {
                    reason = "cannot open a channel to " + address() + ": " + e;
                }
            }
            boolean killed;
            synchronized (this) {
                killed = kill != Kill.NONE;
            }
            if (requeued) {
                if (killed) {
                    synchronized (lock) {
                        waiting.remove(this);
                    }
                    finishCancelledBeforeStart("cancelled before it started");
                    return;
                }
                scheduleRetry();
                pump();
                return;
            }
            if (closed) {
                finishCancelledBeforeStart(reason);
            } else {
                finishNotStarted(Status.FAILED_TO_START, reason);
            }
        }

        /** The wrapper exited; the channel closes once output ends, or after the grace period. */
        void exited(ChannelExec ch) {
            synchronized (this) {
                if (graceTask != null || state == State.FINISHED) {
                    return;
                }
                graceTask = schedule(() -> {
                    synchronized (this) {
                        outputStillOpen = true;
                    }
                    ch.close(false);
                }, OUTPUT_GRACE);
            }
        }

        /** The channel is closed: whatever happened, this is where the result is made. */
        void closed(ChannelExec ch) {
            OpenFuture f;
            synchronized (this) {
                f = openFuture;
            }
            if (f == null || !f.isOpened()) {
                return; // never opened: openFailed() handles it
            }
            opened(ch); // the close may be seen before the open listener ran
            Kill how;
            boolean stillOpen;
            synchronized (this) {
                if (channel != ch || state == State.FINISHED) {
                    return;
                }
                how = kill;
                stillOpen = outputStillOpen;
                cancelTimers();
            }
            synchronized (lock) {
                running--;
            }
            ClientSession own = ch.getClientSession();
            boolean sessionAlive = own.isOpen() && !own.isClosing();
            Duration duration = Duration.ofNanos(System.nanoTime() - t0);
            Integer exit = ch.getExitStatus();
            String signal = ch.getExitSignal();
            boolean truncated = out.truncated() || err.truncated();
            String stdout = out.text();
            String stderr = err.text();
            CommandResult r;
            if (how == Kill.TIMEOUT) {
                r = new CommandResult(command.id(), nodeId, Status.TIMED_OUT, -1, stdout, stderr, truncated, started,
                        duration, "timed out after " + command.timeout().toMillis() + " ms; killed"
                        + (exit == null ? " (the node did not confirm within " + settings.killGrace().toMillis()
                        + " ms; channel closed)" : ""));
            } else if (how == Kill.CANCEL) {
                r = new CommandResult(command.id(), nodeId, Status.CANCELLED, -1, stdout, stderr, truncated, started,
                        duration, closed ? "cancelled: executor closed" : "cancelled");
            } else if (exit != null) {
                String startFailure = RemoteCommand.startFailure(exit, stderr).orElse(null);
                if (startFailure != null) {
                    r = CommandResult.failed(command.id(), nodeId, Status.FAILED_TO_START, started, duration,
                            startFailure);
                } else {
                    r = new CommandResult(command.id(), nodeId, Status.COMPLETED, exit, stdout, stderr, truncated,
                            started, duration, stillOpen ? "output still open " + OUTPUT_GRACE.toMillis()
                            + " ms after exit (a background process holds it); captured so far" : null);
                }
            } else if (signal != null) {
                r = new CommandResult(command.id(), nodeId, Status.COMPLETED, 128 + signalNumber(signal), stdout, stderr,
                        truncated, started, duration, "the remote shell was killed by SIG" + signal);
            } else if (!sessionAlive) {
                r = new CommandResult(command.id(), nodeId, Status.NODE_LOST, -1, stdout, stderr, truncated, started,
                        duration, "connection to " + address() + " lost while the command ran");
            } else {
                r = new CommandResult(command.id(), nodeId, Status.FAILED_TO_START, -1, stdout, stderr, truncated,
                        started, duration, "the server at " + address()
                        + " closed the channel without an exit status (exec refused?)");
            }
            finish(r);
            pump();
        }

        /** Marks the command as to be killed; true when it was still unfinished. */
        boolean kill(Kill how) {
            State now;
            synchronized (this) {
                if (state == State.FINISHED) {
                    return false;
                }
                if (kill == Kill.NONE) {
                    kill = how;
                }
                now = state;
            }
            if (now == State.WAITING) {
                boolean removed;
                synchronized (lock) {
                    removed = waiting.remove(this);
                }
                if (removed) {
                    finishCancelledBeforeStart("cancelled before it started");
                }
            } else if (now == State.RUNNING) {
                sendKill();
            }
            // OPENING: opened() sees the kill and sends it
            return true;
        }

        void markKill(Kill how) {
            synchronized (this) {
                if (kill == Kill.NONE && state != State.FINISHED) {
                    kill = how;
                }
            }
        }

        /** EOF on the channel's stdin: the wrapper kills the process group and exits. */
        private void sendKill() {
            ChannelExec ch;
            synchronized (this) {
                if (killSent || channel == null) {
                    return;
                }
                killSent = true;
                ch = channel;
                // A graceful close: MINA's immediate close does not tell the server, whose process would live on.
                graceTask = schedule(() -> ch.close(false), settings.killGrace());
            }
            try {
                OutputStream stdin = ch.getInvertedIn();
                if (stdin != null) {
                    stdin.close();
                }
            } catch (IOException | RuntimeException e) {
                log.debug("{}: sending EOF to stop command {} failed; closing its channel", nodeId, command.id(), e);
                ch.close(false);
            }
        }

        private void cancelTimers() {
            if (timeoutTask != null) {
                timeoutTask.cancel(false);
            }
            if (graceTask != null) {
                graceTask.cancel(false);
            }
        }

        void finishCancelledBeforeStart(String reason) {
            finishNotStarted(Status.CANCELLED, reason);
        }

        void finishNotStarted(Status status, String reason) {
            finish(CommandResult.failed(command.id(), nodeId, status, Instant.now(), Duration.ZERO, reason));
        }

        void finish(CommandResult r) {
            synchronized (this) {
                if (state == State.FINISHED && result.isDone()) {
                    return;
                }
                state = State.FINISHED;
                cancelTimers();
            }
            // removed before completing, so a cancel() seen after the result returns false
            active.remove(command.id(), this);
            result.complete(r);
        }

        void deliver(OutputListener.Stream stream, byte[] chunk) {
            try {
                listener.onOutput(command.id(), stream, chunk);
            } catch (RuntimeException e) {
                // A broken listener must not stop the draining, or the channel's window never reopens.
                synchronized (this) {
                    if (!listenerFailed) {
                        listenerFailed = true;
                        log.warn("output listener failed for command {} on {}; further output is only captured",
                                command.id(), nodeId, e);
                    }
                }
            }
        }

        /** Where MINA writes the channel's data, on its I/O thread. */
        private final class Sink extends OutputStream {
            private final OutputListener.Stream stream;
            private final OutputCapture capture;

            Sink(OutputListener.Stream stream, OutputCapture capture) {
                this.stream = stream;
                this.capture = capture;
            }

            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if (len == 0) {
                    return;
                }
                capture.add(b, off, len);
                deliver(stream, Arrays.copyOfRange(b, off, off + len));
            }
        }
    }

    /** Numbers of the signals SSH names (RFC 4254 section 6.10), for a 128+n exit code. */
    private static int signalNumber(String name) {
        return switch (name) {
            case "HUP" -> 1;
            case "INT" -> 2;
            case "QUIT" -> 3;
            case "ILL" -> 4;
            case "ABRT" -> 6;
            case "FPE" -> 8;
            case "KILL" -> 9;
            case "USR1" -> 10;
            case "SEGV" -> 11;
            case "USR2" -> 12;
            case "PIPE" -> 13;
            case "ALRM" -> 14;
            default -> 15; // TERM, and names SSH does not number
        };
    }
}
