package io.zcl.patterns.cluster;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * One line per thing that happened, stamped with the wall-clock time so lines from several
 * terminals (one process per role) can be lined up by eye.
 */
public final class Log {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final PrintStream out;
    private final String role;

    private Log(PrintStream out, String role) {
        this.out = out;
        this.role = role;
    }

    public static Log to(PrintStream out, String role) {
        return new Log(out, role);
    }

    /** A log that prints nothing, for tests that only look at behaviour. */
    public static Log quiet() {
        return new Log(null, "");
    }

    public Log forRole(String otherRole) {
        return new Log(out, otherRole);
    }

    public void info(String format, Object... args) {
        if (out != null) {
            out.printf("%s %-11s %s%n", LocalTime.now().format(TIME), role, String.format(format, args));
        }
    }
}
