package io.zcl.basics;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * An example's main running in its own JVM, as a user would run a role in another terminal.
 * Output (stdout and stderr together) is collected line by line; waits have deadlines; close()
 * kills the process if it is still running.
 */
final class ChildJvm implements AutoCloseable {

    /** The line a binding role prints, e.g. "server: bound tcp://127.0.0.1:41234, serving ...". */
    static final Pattern BOUND = Pattern.compile("bound (tcp://[0-9.]+:\\d+)");

    private final String name;
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private ChildJvm(String name, Process process) {
        this.name = name;
        this.process = process;
        this.reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException killed) {
                // the process was killed; what was read so far stays in lines
            }
        }, name + "-output");
        reader.setDaemon(true);
        reader.start();
    }

    static ChildJvm start(String name, Class<?> main, String... args) throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ChildJvm(name, new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /** Waits for a line matching {@code pattern}; returns its first group. */
    String awaitMatch(Pattern pattern, Duration timeout) throws InterruptedException {
        String found;
        try {
            found = Awaitility.await(name + " prints " + pattern).atMost(timeout).pollInterval(Duration.ofMillis(20))
                    .until(() -> firstMatch(pattern), match -> match != null || !process.isAlive());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(name + " did not print " + pattern + " within " + timeout + ":\n" + output(), e);
        }
        if (found == null) { // exited: read what is left of its output before judging
            String all = output();
            found = firstMatch(pattern);
            if (found == null) {
                throw new AssertionError(name + " exited (" + process.exitValue() + ") without printing " + pattern
                        + ":\n" + all);
            }
        }
        return found;
    }

    private String firstMatch(Pattern pattern) {
        for (String line : lines) {
            Matcher m = pattern.matcher(line);
            if (m.find()) {
                return m.group(1);
            }
        }
        return null;
    }

    /** Waits for the process to exit; returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " still running after " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    /** Everything printed so far; complete once the process has exited. */
    String output() throws InterruptedException {
        if (!process.isAlive()) {
            reader.join(2000); // the rest of the output is at most a pipe buffer away
        }
        return String.join("\n", lines);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
