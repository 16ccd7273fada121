package io.zcl.runner.ssh;

import io.zcl.runner.api.Command;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Turns a {@link Command} (argv, env, cwd) into the one string an SSH exec request carries, and
 * reads a start failure back out of the result.
 *
 * <p>The string is {@code exec env 'K=V'... /bin/sh -c WRAPPER zcl-run CWD ARGV...}, every word
 * quoted with {@link ShellQuoting}. The user's login shell parses it once; {@code env} adds the
 * command's variables (OpenSSH's AcceptEnv usually refuses the SSH "env" request, so the
 * variables travel in the command line instead); {@code /bin/sh} runs {@link #WRAPPER}, which:
 * <ol>
 *   <li>changes to CWD and checks that argv[0] can be found, exiting 127 with a
 *       {@link #START_FAILURE} line on stderr if not (read back as FAILED_TO_START);</li>
 *   <li>starts the program in the background in a new session ({@code setsid}), so the program
 *       and everything it starts form one process group, with stdin from /dev/null;</li>
 *   <li>keeps the channel's stdin for itself: a watcher blocks reading it, and when it ends
 *       (the client sent EOF to stop the command, or the channel or connection closed) the
 *       watcher sends TERM to the whole group and KILL one second later;</li>
 *   <li>waits for the program and exits with its status (128+n when killed by signal n).</li>
 * </ol>
 * SSH itself gives no reliable way to kill a remote command: closing the channel only closes its
 * pipes (the process lives on, and keeps one of the connection's MaxSessions slots until it
 * exits), and OpenSSH's "signal" request reaches at best the login shell's process, not its
 * children; OpenSSH 9.2 logged in as root refuses it altogether ("session signalling requires
 * privilege separation"). Tying the process group's life to the channel's stdin works with any
 * server that runs commands under a POSIX shell, and also cleans up when the coordinator dies or
 * the network drops. Where setsid is missing only the program itself is killed.
 */
public final class RemoteCommand {

    /** First words of the wrapper's stderr line when the program could not be started. */
    public static final String START_FAILURE = "zcl-ssh: cannot start: ";

    /** The wrapper's exit code for a start failure (the shell's own "command not found" code). */
    public static final int START_FAILURE_EXIT = 127;

    /** $0 of the wrapper: what ps shows for it on the node. */
    public static final String WRAPPER_NAME = "zcl-run";

    /**
     * The wrapper: POSIX sh (dash, bash, busybox ash). $1 is the working directory ('' for the
     * login directory), the rest is the argv. The kill runs in its own background job, so the
     * wrapper stopping the watcher once the program has exited cannot cut the TERM-then-KILL
     * short (a child that ignores TERM still gets KILL). Watcher and killer write to /dev/null,
     * so a killer still sleeping does not hold the channel's stdout open.
     */
    public static final String WRAPPER = String.join("\n",
            "if [ -n \"$1\" ]; then cd -- \"$1\" 2>/dev/null || { printf '%s\\n' \"" + START_FAILURE
                    + "cannot change to directory $1\" >&2; exit " + START_FAILURE_EXIT + "; }; fi",
            "shift",
            "case $1 in */*) [ -f \"$1\" ] && [ -x \"$1\" ] ;; *) command -v \"$1\" >/dev/null 2>&1 ;; esac || {"
                    + " printf '%s\\n' \"" + START_FAILURE + "program '$1' not found on PATH $PATH\" >&2; exit "
                    + START_FAILURE_EXIT + "; }",
            "exec 3<&0 0</dev/null",
            "if command -v setsid >/dev/null 2>&1; then setsid \"$@\" 3<&- & else \"$@\" 3<&- & fi",
            "p=$!",
            "{ read -r x <&3; { kill -TERM -$p || kill -TERM $p; sleep 1; kill -KILL -$p || kill -KILL $p; } & }"
                    + " </dev/null >/dev/null 2>&1 &",
            "w=$!",
            "exec 3<&-",
            "wait $p 2>/dev/null; r=$?",
            "kill $w 2>/dev/null",
            "exit $r");

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private RemoteCommand() {
    }

    /**
     * The exec string for a command.
     *
     * @throws IllegalArgumentException for an environment variable name a shell cannot carry
     */
    public static String of(Command command) {
        List<String> words = new ArrayList<>();
        words.add("exec");
        if (!command.env().isEmpty()) {
            words.add("env");
            // sorted, so the same command always gives the same string (readable in logs, testable)
            for (Map.Entry<String, String> e : new TreeMap<>(command.env()).entrySet()) {
                if (!ENV_NAME.matcher(e.getKey()).matches()) {
                    throw new IllegalArgumentException("environment variable name '" + e.getKey()
                            + "' is not a valid shell name");
                }
                words.add(ShellQuoting.quote(e.getKey() + "=" + e.getValue()));
            }
        }
        words.add("/bin/sh");
        words.add("-c");
        words.add(ShellQuoting.quote(WRAPPER));
        words.add(WRAPPER_NAME);
        words.add(ShellQuoting.quote(command.cwd() == null ? "" : command.cwd()));
        words.add(ShellQuoting.join(command.argv()));
        return String.join(" ", words);
    }

    /**
     * Why the program did not start, when the exit code and stderr are the wrapper's start
     * failure; empty for a program that ran (whatever its exit code).
     */
    public static Optional<String> startFailure(int exitCode, String stderr) {
        if (exitCode != START_FAILURE_EXIT || !stderr.startsWith(START_FAILURE)) {
            return Optional.empty();
        }
        int end = stderr.indexOf('\n');
        return Optional.of(stderr.substring(START_FAILURE.length(), end < 0 ? stderr.length() : end));
    }
}
