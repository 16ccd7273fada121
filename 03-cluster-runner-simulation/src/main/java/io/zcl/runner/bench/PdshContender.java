package io.zcl.runner.bench;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.api.OutputListener;
import io.zcl.runner.ssh.ShellQuoting;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * pdsh over ssh ({@code pdsh -R ssh}), the parallel shell clusters use by hand: a fresh OpenSSH
 * connection for every command, on the same sshd nodes as the "ssh" and "asyncssh" contenders.
 * A fan-out is one pdsh over every node ({@code -f N}, so all connect at once); a single command
 * is {@code pdsh -w NODE}. There is no connection to set up beforehand or to lose: connect costs
 * nothing here, and a dead node is found by the next command, which fails. Needs Debian's pdsh and
 * openssh-client. The client side CPU is the bench JVM's with the pdsh and ssh processes it reaped.
 */
final class PdshContender extends SshClientContender {

    static final Path PDSH = Path.of("/usr/bin/pdsh");
    static final Path SSH = Path.of("/usr/bin/ssh");

    private Path config;
    private final ExecutorService waiters = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pdsh-wait");
        t.setDaemon(true);
        return t;
    });

    /** Why this contender cannot run here (what to install), or null. */
    static String missing() {
        if (!Files.isExecutable(PDSH) || !Files.isExecutable(SSH)) {
            return "pdsh: " + (Files.isExecutable(PDSH) ? SSH : PDSH) + " not installed: apt-get install pdsh openssh-client";
        }
        return null;
    }

    @Override
    public String name() {
        return "pdsh";
    }

    @Override
    public Duration connect(int nodes) throws Exception {
        startNodes(nodes, missing());
        StringBuilder cfg = new StringBuilder();
        for (String id : sshd.ids) {
            cfg.append("Host ").append(id).append("\n  HostName 127.0.0.1\n  Port ").append(sshd.port(id)).append('\n');
        }
        cfg.append("Host *\n  User ").append(System.getProperty("user.name"))
                .append("\n  IdentityFile ").append(sshd.key)
                .append("\n  IdentitiesOnly yes\n  UserKnownHostsFile ").append(sshd.knownHosts)
                .append("\n  StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n");
        config = sshd.work.resolve("ssh_config");
        Files.writeString(config, cfg.toString());
        // Nothing to connect: every command opens its own connection. Check one works now, unmeasured.
        CommandResult probe = pdsh(List.of(sshd.ids.get(0)), List.of("true"));
        if (probe.exitCode() != 0) {
            throw new IllegalStateException("pdsh -R ssh to " + sshd.ids.get(0) + " failed (exit " + probe.exitCode() + "): "
                    + probe.stderr().strip());
        }
        return Duration.ZERO;
    }

    /** One pdsh over these nodes, waited for; its exit code is the largest remote one (-S). */
    private CommandResult pdsh(List<String> nodes, List<String> argv) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(PDSH.toString(), "-R", "ssh", "-S", "-N", "-f",
                Integer.toString(Math.max(1, nodes.size())), "-w", String.join(",", nodes)));
        cmd.add(ShellQuoting.join(argv));
        ProcessBuilder b = new ProcessBuilder(cmd);
        b.environment().put("PDSH_SSH_ARGS_APPEND", "-F " + config);
        Instant started = Instant.now();
        Process p = b.start();
        p.getOutputStream().close();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()), waiters);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        return new CommandResult("pdsh", String.join(",", nodes), CommandResult.Status.COMPLETED, exit, out,
                new String(err.join(), StandardCharsets.UTF_8), false, started, Duration.between(started, Instant.now()), null);
    }

    private static byte[] readAll(java.io.InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
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
                return CompletableFuture.supplyAsync(() -> {
                    try {
                        CommandResult r = pdsh(List.of(nodeId), command.argv());
                        return new CommandResult(command.id(), nodeId, r.status(), r.exitCode(), r.stdout(), r.stderr(),
                                false, r.started(), r.duration(), null);
                    } catch (IOException e) {
                        return CommandResult.failed(command.id(), nodeId, CommandResult.Status.FAILED_TO_START,
                                Instant.now(), Duration.ZERO, "pdsh: " + e.getMessage());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return CommandResult.failed(command.id(), nodeId, CommandResult.Status.CANCELLED, Instant.now(),
                                Duration.ZERO, "interrupted");
                    }
                }, waiters);
            }

            @Override
            public boolean cancel(String commandId) {
                return false;
            }
        };
    }

    @Override
    public Optional<Duration> fanOut(List<String> argv) throws Exception {
        long t0 = System.nanoTime();
        CommandResult r = pdsh(sshd.ids, argv);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        if (r.exitCode() != 0) {
            throw new IllegalStateException("pdsh fan-out to " + sshd.ids.size() + " nodes: exit " + r.exitCode() + ": "
                    + r.stderr().strip());
        }
        return Optional.of(took);
    }

    @Override
    public Duration killAndDetect() throws Exception {
        long t0 = System.nanoTime();
        sshd.killAll();
        CommandResult r = pdsh(List.of(sshd.ids.get(0)), List.of("true"));
        if (r.exitCode() == 0) {
            throw new IllegalStateException("pdsh still reached " + sshd.ids.get(0) + " after its sshd was killed");
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    @Override
    public OptionalLong clientCpuNanos() {
        return CpuTime.selfWithChildren();
    }

    @Override
    public String detectionNote() {
        return "pdsh holds no connection: the first command after the kill fails (connection refused), which is "
                + "what this figure times";
    }

    @Override
    public void close() {
        waiters.shutdownNow();
        super.close();
    }
}
