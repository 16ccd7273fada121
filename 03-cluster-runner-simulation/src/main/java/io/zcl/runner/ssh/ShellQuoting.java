package io.zcl.runner.ssh;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * POSIX shell quoting. SSH carries one command string, not an argv: the server hands it to the
 * user's login shell ({@code $SHELL -c string}), so every argument must be quoted to arrive as
 * exactly one word with every byte intact. Single quotes are the one quoting in which nothing is
 * special; an embedded single quote is closed, escaped and reopened: {@code it's -> 'it'\''s'}.
 */
public final class ShellQuoting {

    /**
     * Words made only of these need no quotes; leaving them bare keeps logged commands readable.
     * No '=': a bare {@code A=B} in command position would be an assignment, not a program.
     */
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./:@%+,-]+");

    private ShellQuoting() {
    }

    /** One argument as a shell word that the shell turns back into exactly {@code arg}. */
    public static String quote(String arg) {
        Objects.requireNonNull(arg, "arg");
        if (SAFE.matcher(arg).matches()) {
            return arg;
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    /** The argv as one command line: each argument quoted, separated by spaces. */
    public static String join(List<String> argv) {
        StringBuilder line = new StringBuilder();
        for (String arg : argv) {
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(quote(arg));
        }
        return line.toString();
    }
}
