package io.zcl.basics;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * When a role that would otherwise serve forever stops: after a number of messages, after a
 * number of seconds, or when a flag is raised, whichever comes first. Zero means "no limit".
 * Roles check it between receives that have a timeout, so they never block past it for long.
 */
public final class StopWhen {

    private final int messages;
    private final boolean timed;
    private final long deadlineNanos;
    private final BooleanSupplier flag;

    private StopWhen(int messages, int seconds, BooleanSupplier flag) {
        this.messages = messages;
        this.timed = seconds > 0;
        this.deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(seconds, 0));
        this.flag = flag;
    }

    /** Stop after {@code messages} messages or {@code seconds} seconds; 0 disables that limit. */
    public static StopWhen after(int messages, int seconds) {
        return new StopWhen(messages, seconds, () -> false);
    }

    /** Stop when {@code flag} turns true (used by the one-process demos). */
    public static StopWhen raised(BooleanSupplier flag) {
        return new StopWhen(0, 0, flag);
    }

    /** True once this role has handled enough, run long enough, or been told to stop. */
    public boolean reached(int handled) {
        return (messages > 0 && handled >= messages)
                || (timed && System.nanoTime() - deadlineNanos >= 0)
                || flag.getAsBoolean();
    }

    /** Wording for a role's first log line: "runs until stopped (Ctrl-C)", "stops after 5 messages or 30 s". */
    public static String describe(int messages, int seconds) {
        if (messages <= 0 && seconds <= 0) {
            return "runs until stopped (Ctrl-C)";
        }
        String byCount = messages > 0 ? messages + " messages" : "";
        String byTime = seconds > 0 ? seconds + " s" : "";
        return "stops after " + (byCount.isEmpty() ? byTime : byTime.isEmpty() ? byCount : byCount + " or " + byTime);
    }
}
