package io.zcl.runner.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One command to run on one node: an argv, never a shell string (the agent does not interpret
 * it), so what runs is exactly what the coordinator asked for.
 *
 * @param id      unique per run; RUN and RESULT are idempotent by this id, so a re-sent RUN or
 *                RESULT is recognised rather than executed or counted twice
 * @param argv    program and arguments; argv[0] is looked up on the node's PATH
 * @param env     extra environment variables, added to the node's own
 * @param cwd     working directory on the node, or null for the executor's default
 * @param timeout wall-clock limit; on expiry the process is killed and the result is TIMED_OUT
 */
public record Command(String id, List<String> argv, Map<String, String> env, String cwd, Duration timeout) {

    /** Used when a caller does not say: long enough for a perf test, short enough to notice a hang. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    public Command {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("command id must not be blank");
        }
        argv = List.copyOf(Objects.requireNonNull(argv, "argv"));
        if (argv.isEmpty() || argv.get(0).isBlank()) {
            throw new IllegalArgumentException("command " + id + ": argv must name a program");
        }
        env = env == null ? Map.of() : Map.copyOf(env);
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("command " + id + ": timeout must be positive, got " + timeout);
        }
    }

    /** A command with a fresh random id, no extra environment and the default timeout. */
    public static Command of(String... argv) {
        return new Command(UUID.randomUUID().toString(), List.of(argv), Map.of(), null, DEFAULT_TIMEOUT);
    }

    public Command withTimeout(Duration newTimeout) {
        return new Command(id, argv, env, cwd, newTimeout);
    }

    public Command withEnv(Map<String, String> newEnv) {
        return new Command(id, argv, newEnv, cwd, timeout);
    }

    public Command withId(String newId) {
        return new Command(newId, argv, env, cwd, timeout);
    }
}
