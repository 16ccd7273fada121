package io.zcl.runner.zmq;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.ZContext;

/**
 * Notices when a JeroMQ I/O thread dies, which JeroMQ 0.6.0 does not survive: its poller catches
 * RuntimeExceptions, but an Error (an {@code OutOfMemoryError} reserving direct memory for a frame,
 * an AssertionError under -ea) ends the thread, and every socket of that context then stays silent
 * for good (the coordinator never talks again, the agent "reconnects" forever on the same dead
 * context).
 *
 * <p>Why a peer can cause that: ZMQ_MAXMSGSIZE bounds each frame, not a message. JeroMQ's
 * {@code V2Decoder} checks a frame's size against it and then allocates the frame (direct memory
 * above 1 KiB), and the pipe makes a multipart message visible to the application only once its
 * last frame arrived, so a message of 20 frames of 31 MiB is buffered whole (620 MiB) before
 * {@link Message#parse} can refuse its frame count. The only hook before the allocation is the
 * socket's MsgAllocator, which sees a size but not the connection or the frame's place in its
 * message, so the total cannot be bounded there. What is left: exit loudly. Rebuilding the
 * context is not an option, because the dead context's frames stay reachable (its reaper thread
 * lives on and a {@code term()} would wait for the dead thread forever), so the process has no
 * memory to start again with.
 *
 * <p>A library user gets an ERROR log line and {@link #failure()}; {@link #exitOnDeath(String)},
 * called by the command-line mains, makes the process print one line and exit with
 * {@link #EXIT_STATUS} so a supervisor (systemd, a container runtime, the operator) restarts it.
 */
public final class IoThreadWatch {

    /** The exit status after an I/O thread died (EX_SOFTWARE). */
    public static final int EXIT_STATUS = 70;

    /** Set by a command-line main: the program name to print before exiting, or null (a library: no exit). */
    private static volatile String exitAs;

    private final String owner;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private IoThreadWatch(String owner) {
        this.owner = owner;
    }

    /**
     * Watches the I/O threads of a context that has no socket yet (JeroMQ sets the handler on the
     * threads it starts with the first socket).
     *
     * @param owner what the context belongs to, for the log line (e.g. "coordinator", "agent node-3")
     */
    public static IoThreadWatch install(ZContext ctx, String owner) {
        IoThreadWatch w = new IoThreadWatch(owner);
        ctx.setUncaughtExceptionHandler((thread, e) -> w.died(thread, e));
        return w;
    }

    /**
     * From now on a dead I/O thread ends the process: one line "PROGRAM: ..." on stderr and exit
     * status {@link #EXIT_STATUS}. For the command-line mains only.
     */
    public static void exitOnDeath(String program) {
        exitAs = program;
    }

    /** Why this context's I/O thread died, or null while it runs. */
    public Throwable failure() {
        return failure.get();
    }

    public boolean dead() {
        return failure.get() != null;
    }

    /** The one line said when the thread died. */
    public String describe() {
        Throwable e = failure.get();
        return e == null ? null : describe(owner, e);
    }

    static String describe(String owner, Throwable e) {
        return "the " + owner + "'s ZeroMQ I/O thread died (" + e + "); it can no longer send or receive, so the "
                + "process exits (status " + EXIT_STATUS + ") to be restarted";
    }

    private void died(Thread thread, Throwable e) {
        if (!failure.compareAndSet(null, e)) {
            return;
        }
        String line = describe(owner, e);
        String program = exitAs;
        if (program == null) {
            // The logger only now: exitOnDeath() runs in main() before a main may have chosen its logging setup.
            Logger log = LoggerFactory.getLogger(IoThreadWatch.class);
            log.error("{} [thread {}]", line, thread.getName(), e);
            return;
        }
        // One line for the user, the stack trace only when asked for (as every zcl error).
        PrintStream err = System.err;
        err.println(program + ": " + line);
        if (Boolean.getBoolean("zcl.debug")) {
            e.printStackTrace(err);
        }
        err.flush();
        // halt, not exit: a shutdown hook that closes the context would wait for the dead thread forever.
        Runtime.getRuntime().halt(EXIT_STATUS);
    }
}
