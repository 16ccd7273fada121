package io.zcl.runner.zmq;

import io.zcl.runner.api.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What an agent agrees to run: which programs (argv[0]), which environment a RUN may add, and
 * which working directories it may name. Checked by {@link NodeAgent} before a command reaches
 * its executor; a refusal comes back as a RESULT with status FAILED_TO_START and the reason.
 *
 * <ul>
 *   <li><b>Programs.</b> By default only the perf tools the runner knows ({@link #PERF_TOOLS}).
 *       A bare name in the list matches only a bare argv[0], which the executor looks up on the
 *       agent's own PATH (never on a PATH the RUN brings: see the next point); a path in the list
 *       matches exactly that path. {@link #anyProgram()} lifts the list (tests, and
 *       {@code zcl agent --allow-any-program}, which warns loudly).</li>
 *   <li><b>Environment.</b> A RUN may not set PATH, any {@code LD_*} / {@code DYLD_*} /
 *       {@code MALLOC_*} variable, or another variable that makes the loader, libc, a shell or an
 *       interpreter load code or configuration from elsewhere ({@link #refusedEnv}). This holds
 *       whatever the program list says.</li>
 *   <li><b>Working directory.</b> A RUN's cwd must lie under one of the allowed roots (by
 *       default the agent's working directory and /tmp). The path is made absolute, {@code ..}
 *       is resolved, and symlinks are resolved where the path exists; the command then runs in
 *       that resolved directory, so what was checked is what is used.</li>
 * </ul>
 *
 * @param programs   argv[0] values allowed (bare names or absolute paths); ignored when allowsAnyProgram
 * @param allowsAnyProgram true to run any program (the environment and cwd rules still hold)
 * @param cwdRoots   directories under which a RUN's cwd may lie
 */
public record CommandPolicy(Set<String> programs, boolean allowsAnyProgram, List<Path> cwdRoots) {

    /**
     * The programs the runner's tests use: the nccl-tests binaries, perftest's InfiniBand
     * benchmarks, gpu_burn, and NVIDIA's dcgmi and nvidia-smi.
     */
    public static final List<String> PERF_TOOLS = List.of(
            "all_reduce_perf", "all_gather_perf", "alltoall_perf", "broadcast_perf", "gather_perf",
            "hypercube_perf", "reduce_perf", "reduce_scatter_perf", "scatter_perf", "sendrecv_perf",
            "ib_write_bw", "ib_read_bw", "ib_send_bw", "ib_write_lat", "ib_read_lat", "ib_send_lat",
            "gpu_burn", "dcgmi", "nvidia-smi");

    /** Environment variables a RUN may not set (compared ignoring case). */
    static final Set<String> REFUSED_ENV = Set.of(
            "PATH", "GCONV_PATH", "GETCONF_DIR", "GLIBC_TUNABLES", "HOSTALIASES", "LOCALDOMAIN", "LOCPATH",
            "NIS_PATH", "NLSPATH", "RESOLV_HOST_CONF", "RES_OPTIONS", "TZDIR",
            "BASH_ENV", "ENV", "IFS", "CDPATH", "SHELLOPTS", "BASHOPTS", "PS4", "PROMPT_COMMAND",
            "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONINSPECT", "PYTHONUSERBASE",
            "PERL5LIB", "PERLLIB", "PERL5OPT", "RUBYLIB", "RUBYOPT", "NODE_OPTIONS", "NODE_PATH",
            "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH",
            "OPENSSL_CONF", "OPENSSL_ENGINES",
            "NCCL_NET_PLUGIN", "NCCL_TUNER_PLUGIN", "NCCL_PROFILER_PLUGIN");

    /** Prefixes of environment variables a RUN may not set (compared ignoring case). */
    static final List<String> REFUSED_ENV_PREFIXES = List.of("LD_", "DYLD_", "MALLOC_", "BASH_FUNC_");

    public CommandPolicy {
        programs = Set.copyOf(Objects.requireNonNull(programs, "programs"));
        cwdRoots = cwdRoots.stream().map(CommandPolicy::canonical).toList();
        if (cwdRoots.isEmpty()) {
            throw new IllegalArgumentException("a command policy needs at least one working-directory root");
        }
    }

    /** The default: the perf tools only, cwd under this process's working directory or /tmp. */
    public static CommandPolicy perfTools() {
        return new CommandPolicy(new LinkedHashSet<>(PERF_TOOLS), false, defaultCwdRoots());
    }

    /** Exactly these programs (no perf tools unless listed), default cwd roots. */
    public static CommandPolicy only(Collection<String> allowed) {
        return new CommandPolicy(new LinkedHashSet<>(allowed), false, defaultCwdRoots());
    }

    /** Any program; the environment and cwd rules still hold. For tests and explicit opt-in. */
    public static CommandPolicy anyProgram() {
        return new CommandPolicy(Set.of(), true, defaultCwdRoots());
    }

    /** The agent's working directory and /tmp. */
    public static List<Path> defaultCwdRoots() {
        return List.of(Path.of(System.getProperty("user.dir")), Path.of("/tmp"));
    }

    /** This policy with more programs allowed. */
    public CommandPolicy allowing(Collection<String> more) {
        Set<String> all = new LinkedHashSet<>(programs);
        all.addAll(more);
        return new CommandPolicy(all, allowsAnyProgram, cwdRoots);
    }

    /** This policy with another working-directory root. */
    public CommandPolicy allowingCwd(Path root) {
        List<Path> roots = new ArrayList<>(cwdRoots);
        roots.add(root);
        return new CommandPolicy(programs, allowsAnyProgram, roots);
    }

    /** Why the command may not run, or null when it may. */
    public String refusal(Command command) {
        String program = command.argv().get(0);
        if (!programAllowed(program)) {
            return "'" + program + "' is not on this agent's allow-list";
        }
        for (String name : command.env().keySet()) {
            if (refusedEnv(name)) {
                return "the RUN sets environment variable " + name + ", which an agent never takes from the "
                        + "coordinator (it changes what program or library is loaded)";
            }
        }
        if (command.cwd() != null) {
            Path cwd = resolveCwd(command.cwd());
            if (cwd == null) {
                return "cwd '" + command.cwd() + "' is not a valid path";
            }
            if (cwdRoots.stream().noneMatch(cwd::startsWith)) {
                return "cwd '" + command.cwd() + "' (" + cwd + ") is outside this agent's allowed roots " + cwdRoots
                        + " (zcl agent --allow-cwd DIR adds one)";
            }
        }
        return null;
    }

    /**
     * The command as it will run: its cwd replaced by the resolved path that {@link #refusal}
     * checked. Call only for a command the policy accepts.
     */
    public Command resolved(Command command) {
        if (command.cwd() == null) {
            return command;
        }
        return new Command(command.id(), command.argv(), command.env(), resolveCwd(command.cwd()).toString(),
                command.timeout());
    }

    boolean programAllowed(String program) {
        if (program.isEmpty() || program.indexOf('\0') >= 0) {
            return false; // a NUL made Path.of throw and stopped the agent's I/O thread (fuzz test)
        }
        return allowsAnyProgram || programs.contains(program);
    }

    /** True when a RUN may not set this environment variable. */
    public static boolean refusedEnv(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        return REFUSED_ENV.contains(upper) || REFUSED_ENV_PREFIXES.stream().anyMatch(upper::startsWith);
    }

    /** Absolute, normalized, symlinks resolved where the path exists; null when not a path at all. */
    static Path resolveCwd(String cwd) {
        try {
            return canonical(Path.of(cwd));
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /**
     * The real path of the longest existing prefix (symlinks resolved), with the rest appended.
     * Normalizing first removes every {@code ..}, so the rest cannot climb out of the real prefix.
     */
    private static Path canonical(Path path) {
        Path p = path.toAbsolutePath().normalize();
        Path existing = p;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return p;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(p)).normalize();
        } catch (IOException e) {
            return p;
        }
    }
}
