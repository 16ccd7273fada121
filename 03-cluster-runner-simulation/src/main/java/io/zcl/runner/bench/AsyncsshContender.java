package io.zcl.runner.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.api.OutputListener;
import io.zcl.runner.ssh.ShellQuoting;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Python's asyncssh, the library the team's runner uses today, on the same OpenSSH nodes as the
 * "ssh" contender: one open connection per node, each command its own asyncio task, so a fan-out
 * runs on every node at once. The bench drives it over pipes (asyncssh_driver.py, JSON lines);
 * the pipe costs microseconds against the milliseconds of a command. Its client side CPU is the
 * Python process's. Needs /usr/bin/python3 with Debian's python3-asyncssh.
 */
final class AsyncsshContender extends SshClientContender {

    static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Process python;
    private OutputStream toPython;
    private Thread reader;
    private Path driver;
    private final Map<String, CompletableFuture<CommandResult>> pending = new ConcurrentHashMap<>();
    private final Map<String, Instant> startedAt = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<JsonNode> connected = new LinkedBlockingQueue<>();
    private volatile CountDownLatch firstLost = new CountDownLatch(1);
    private final AtomicLong ids = new AtomicLong();

    /** Why this contender cannot run here (what to install), or null. */
    static String missing() {
        if (!Files.isExecutable(PYTHON)) {
            return "asyncssh: no " + PYTHON + ": apt-get install python3 python3-asyncssh";
        }
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import asyncssh").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                return "asyncssh: " + PYTHON + " cannot import asyncssh: apt-get install python3-asyncssh";
            }
        } catch (IOException e) {
            return "asyncssh: cannot run " + PYTHON + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "asyncssh: interrupted";
        }
        return null;
    }

    @Override
    public String name() {
        return "asyncssh";
    }

    @Override
    public Duration connect(int nodes) throws Exception {
        startNodes(nodes, missing());
        driver = sshd.work.resolve("asyncssh_driver.py");
        try (InputStream in = AsyncsshContender.class.getResourceAsStream("asyncssh_driver.py")) {
            Files.write(driver, in.readAllBytes());
        }
        python = new ProcessBuilder(PYTHON.toString(), driver.toString(), sshd.key.toString(), sshd.knownHosts.toString(),
                System.getProperty("user.name")).redirectError(sshd.work.resolve("asyncssh.log").toFile()).start();
        toPython = python.getOutputStream();
        reader = new Thread(this::readReplies, "asyncssh-replies");
        reader.setDaemon(true);
        reader.start();

        ObjectNode req = JSON.createObjectNode().put("op", "connect");
        for (String id : sshd.ids) {
            req.withArray("nodes").addObject().put("id", id).put("host", "127.0.0.1").put("port", sshd.port(id));
        }
        long t0 = System.nanoTime();
        send(req);
        JsonNode done = connected.poll(120, TimeUnit.SECONDS);
        Duration setup = Duration.ofNanos(System.nanoTime() - t0);
        if (done == null) {
            throw new IllegalStateException("asyncssh did not connect to " + nodes + " nodes within 120 s; see "
                    + sshd.work.resolve("asyncssh.log"));
        }
        if (!done.path("errors").isEmpty()) {
            throw new IllegalStateException("asyncssh: " + done.path("errors").size() + " connections failed, e.g. "
                    + done.path("errors").get(0).asText());
        }
        return setup;
    }

    private synchronized void send(JsonNode line) {
        try {
            toPython.write((JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8));
            toPython.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the asyncssh driver is gone", e);
        }
    }

    private void readReplies() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(python.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode m = JSON.readTree(line);
                switch (m.path("op").asText()) {
                    case "connected" -> connected.add(m);
                    case "lost" -> firstLost.countDown();
                    case "done" -> finish(m);
                    default -> { }
                }
            }
        } catch (IOException e) {
            // the driver died: fail what is left below
        }
        pending.forEach((id, f) -> f.completeExceptionally(new IllegalStateException("the asyncssh driver exited")));
    }

    private void finish(JsonNode m) {
        String id = m.path("id").asText();
        CompletableFuture<CommandResult> f = pending.remove(id);
        Instant started = startedAt.remove(id);
        if (f == null) {
            return;
        }
        String node = id.substring(0, id.lastIndexOf('#'));
        Duration took = Duration.between(started, Instant.now());
        if (m.has("error")) {
            f.complete(CommandResult.failed(id, node, CommandResult.Status.NODE_LOST, started, took, m.path("error").asText()));
        } else {
            f.complete(new CommandResult(id, node, CommandResult.Status.COMPLETED, m.path("exit").asInt(),
                    m.path("stdout").asText(), m.path("stderr").asText(), false, started, took, null));
        }
    }

    @Override
    public NodeExecutor executor(String nodeId) {
        return new NodeExecutor() {
            @Override
            public String nodeId() {
                return nodeId;
            }

            @Override
            public CompletableFuture<CommandResult> run(Command command, OutputListener listener) {
                String id = nodeId + "#" + ids.incrementAndGet();
                CompletableFuture<CommandResult> f = new CompletableFuture<>();
                startedAt.put(id, Instant.now());
                pending.put(id, f);
                send(JSON.createObjectNode().put("op", "run").put("id", id).put("node", nodeId)
                        .put("cmd", ShellQuoting.join(command.argv())));
                return f;
            }

            @Override
            public boolean cancel(String commandId) {
                return false;
            }
        };
    }

    @Override
    public Duration killAndDetect() throws Exception {
        firstLost = new CountDownLatch(1);
        long t0 = System.nanoTime();
        sshd.killAll();
        if (!firstLost.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("asyncssh reported no connection closed within 60 s of killing sshd");
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    @Override
    public OptionalLong clientCpuNanos() {
        return python == null ? OptionalLong.empty() : CpuTime.of(python.pid(), true);
    }

    @Override
    public String detectionNote() {
        return "asyncssh sees a killed sshd's connection close at once; like any SSH client it notices a node that "
                + "vanishes without closing it only by keepalives";
    }

    @Override
    public void close() {
        if (python != null) {
            python.destroyForcibly();
        }
        super.close();
    }
}
