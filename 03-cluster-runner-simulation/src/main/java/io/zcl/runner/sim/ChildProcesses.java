package io.zcl.runner.sim;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Real processes for fault tests: a main class of this classpath in a child JVM, killed for real
 * (used by the fault tests of this module and of examples/coordinator).
 */
public final class ChildProcesses implements AutoCloseable {

    private final Path logs;
    private final List<Process> started = new ArrayList<>();

    public ChildProcesses(Path logs) throws IOException {
        this.logs = Files.createDirectories(logs);
    }

    /** Starts the main class; its output goes to logs/NAME.log. {@code limitFileKb} > 0 runs it under ulimit -f. */
    public Process java(String name, Class<?> main, long limitFileKb, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        if (limitFileKb > 0) {
            cmd.addAll(List.of("bash", "-c", "ulimit -f " + limitFileKb + " && exec \"$@\"", "bash"));
        }
        cmd.addAll(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        // Through a pipe, copied here: a child under ulimit -f could not write a log file past the limit.
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        started.add(p);
        Path log = logs.resolve(name + ".log");
        Thread copy = new Thread(() -> {
            try (var in = p.getInputStream(); var out = Files.newOutputStream(log)) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // the child is gone
            }
        }, "log-" + name);
        copy.setDaemon(true);
        copy.start();
        return p;
    }

    public String log(String name) throws IOException {
        Path f = logs.resolve(name + ".log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    /** SIGKILL, and wait until the process is gone. */
    public static void kill9(Process p) throws InterruptedException {
        p.destroyForcibly();
        p.waitFor();
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor();
        }
    }
}
