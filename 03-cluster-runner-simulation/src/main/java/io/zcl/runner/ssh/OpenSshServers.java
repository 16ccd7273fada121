package io.zcl.runner.ssh;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Real OpenSSH servers for simulated nodes: one {@code /usr/sbin/sshd -D -e} process per node,
 * on its own 127.0.0.1 port, running as the current user (root in CI), with a generated host key,
 * one authorized user key and a config written to the node's folder:
 * <pre>
 * ListenAddress 127.0.0.1      Port N            HostKey dir/ssh_host_ecdsa_key
 * AuthorizedKeysFile ...       PasswordAuthentication no   UsePAM no   StrictModes no
 * PermitRootLogin prohibit-password                MaxSessions M   PidFile dir/sshd.pid
 * SetEnv HOME=dir/home PATH=tools:/usr/local/bin:/usr/bin:/bin ZCL_EMU_...=...
 * </pre>
 *
 * <p>Why HOME is the node's own empty folder: sshd runs every command as {@code $SHELL -c cmd},
 * and bash, when it sees it was started by sshd, reads ~/.bashrc even though it is not
 * interactive. A heavy ~/.bashrc (this project's dev machines initialise pyenv in root's, about a
 * second per command) would be timed as SSH overhead. With HOME pointing at an empty folder bash
 * finds no ~/.bashrc; /etc/bash.bashrc returns at once for non-interactive shells on Debian.
 * SetEnv (OpenSSH 7.8+) overrides sshd's defaults, so it is also how each node gets its
 * emulated-tool profile and the tools folder first on PATH.
 */
public final class OpenSshServers implements AutoCloseable {

    /** Where Debian's openssh-server puts the daemon. */
    public static final Path SSHD = Path.of("/usr/sbin/sshd");

    /** OpenSSH's privilege-separation folder; sshd started as root refuses to run without it. */
    private static final Path PRIVSEP_DIR = Path.of("/run/sshd");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /**
     * One node's server.
     *
     * @param nodeId      the node it stands for (its folder name)
     * @param env         variables every command on the node sees (SetEnv)
     * @param pathPrefix  a folder put first on the node's PATH, or null
     * @param maxSessions sshd_config MaxSessions (OpenSSH's default is 10)
     */
    public record NodeSpec(String nodeId, Map<String, String> env, Path pathPrefix, int maxSessions) {
        public NodeSpec {
            Objects.requireNonNull(nodeId, "nodeId");
            env = env == null ? Map.of() : Map.copyOf(env);
            if (maxSessions < 1) {
                throw new IllegalArgumentException("maxSessions must be >= 1, got " + maxSessions);
            }
        }

        public static NodeSpec plain(String nodeId) {
            return new NodeSpec(nodeId, Map.of(), null, 10);
        }
    }

    /** A running sshd. */
    public static final class Node {
        private final NodeSpec spec;
        private final Path dir;
        private final int port;
        private final KeyPair hostKey;
        private Process process;

        private Node(NodeSpec spec, Path dir, int port, KeyPair hostKey) {
            this.spec = spec;
            this.dir = dir;
            this.port = port;
            this.hostKey = hostKey;
        }

        public String nodeId() {
            return spec.nodeId();
        }

        public String host() {
            return "127.0.0.1";
        }

        public int port() {
            return port;
        }

        public PublicKey hostKey() {
            return hostKey.getPublic();
        }

        /** The node's folder: sshd_config, host key, sshd.log, home/. */
        public Path dir() {
            return dir;
        }

        public String knownHostsLine() {
            return SshKeys.knownHostsLine(host(), port, hostKey.getPublic());
        }

        /** The daemon's own pid (the listener), while it runs. */
        public synchronized long pid() {
            return process == null ? -1 : process.pid();
        }

        public synchronized boolean isRunning() {
            return process != null && process.isAlive();
        }
    }

    private final Map<String, Node> nodes = new LinkedHashMap<>();
    /**
     * Kills the daemons if the JVM exits without {@link #close()} (a test run stopped by a
     * timeout): they are separate processes and would otherwise outlive it, listening.
     */
    private final Thread shutdownHook = new Thread(this::stopAll, "sshd-cleanup");

    private OpenSshServers() {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** True when OpenSSH's sshd is installed here. */
    public static boolean available() {
        return Files.isExecutable(SSHD);
    }

    /**
     * Starts one sshd per spec, under {@code workDir/<node id>/}, accepting {@code authorizedKey}.
     * Returns when every server accepts connections.
     *
     * @throws IllegalStateException when sshd is missing or a server does not start (with its log)
     */
    public static OpenSshServers start(Path workDir, List<NodeSpec> specs, PublicKey authorizedKey) {
        if (!available()) {
            throw new IllegalStateException("OpenSSH sshd not installed at " + SSHD + ": apt-get install openssh-server");
        }
        OpenSshServers servers = new OpenSshServers();
        try {
            Path authorized = workDir.resolve("authorized_keys");
            Files.createDirectories(workDir);
            Files.writeString(authorized, SshKeys.publicKeyLine(authorizedKey, "zcl-runner") + "\n");
            ensurePrivsepDir();
            for (NodeSpec spec : specs) {
                Path dir = workDir.resolve(spec.nodeId());
                Files.createDirectories(dir.resolve("home"));
                KeyPair hostKey = SshKeys.generate();
                SshKeys.writePrivateKey(hostKey, spec.nodeId(), dir.resolve("ssh_host_ecdsa_key"));
                Node node = servers.startNode(spec, dir, hostKey, authorized);
                servers.nodes.put(spec.nodeId(), node);
            }
            return servers;
        } catch (IOException | RuntimeException e) {
            servers.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot set up sshd under " + workDir + ": " + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
    }

    public List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    public Node node(String nodeId) {
        Node node = nodes.get(nodeId);
        if (node == null) {
            throw new IllegalArgumentException("no sshd for node '" + nodeId + "'; have " + nodes.keySet());
        }
        return node;
    }

    /** known_hosts lines of every server, one per line. */
    public String knownHosts() {
        StringBuilder sb = new StringBuilder();
        nodes.values().forEach(n -> sb.append(n.knownHostsLine()).append('\n'));
        return sb.toString();
    }

    /**
     * Kills a node's sshd and every session it serves, as a crashed or rebooted node would drop
     * its connections.
     */
    public void stop(String nodeId) {
        Node node = node(nodeId);
        synchronized (node) {
            if (node.process != null) {
                killTree(node.process);
                node.process = null;
            }
        }
    }

    /** Starts a stopped node's sshd again, on the same port with the same host key. */
    public void restart(String nodeId) {
        Node node = node(nodeId);
        stop(nodeId);
        synchronized (node) {
            node.process = launch(node.dir, node.port);
        }
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook does the same
        }
        stopAll();
    }

    private void stopAll() {
        for (Node node : nodes.values()) {
            synchronized (node) {
                if (node.process != null) {
                    killTree(node.process);
                    node.process = null;
                }
            }
        }
    }

    private Node startNode(NodeSpec spec, Path dir, KeyPair hostKey, Path authorized) throws IOException {
        IOException last = null;
        // A free port can be taken between choosing and binding it; try another then.
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            Files.writeString(dir.resolve("sshd_config"), config(spec, dir, port, authorized));
            try {
                Node node = new Node(spec, dir, port, hostKey);
                node.process = launch(dir, port);
                return node;
            } catch (IllegalStateException e) {
                if (!String.valueOf(e.getMessage()).contains("Address already in use")) {
                    throw e;
                }
                last = new IOException(e.getMessage());
            }
        }
        throw last;
    }

    /** Starts sshd on a written config and waits until it accepts connections. */
    private static Process launch(Path dir, int port) {
        Path log = dir.resolve("sshd.log");
        ProcessBuilder builder = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f",
                dir.resolve("sshd_config").toAbsolutePath().toString());
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p;
        try {
            p = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + SSHD + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("sshd for " + dir.getFileName() + " exited with " + p.exitValue() + ": "
                        + readLog(log));
            }
            if (accepts(port)) {
                return p;
            }
            try {
                p.waitFor(20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                killTree(p);
                throw new IllegalStateException("interrupted while starting sshd", e);
            }
        }
        killTree(p);
        throw new IllegalStateException("sshd for " + dir.getFileName() + " did not accept connections on 127.0.0.1:" + port
                + " within " + START_TIMEOUT.toSeconds() + " s: " + readLog(log));
    }

    private static String config(NodeSpec spec, Path dir, int port, Path authorized) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", dir.resolve("home").toAbsolutePath().toString());
        env.put("PATH", spec.pathPrefix() == null ? DEFAULT_PATH : spec.pathPrefix().toAbsolutePath() + ":" + DEFAULT_PATH);
        env.putAll(spec.env());
        List<String> lines = new ArrayList<>(List.of(
                "# written by " + OpenSshServers.class.getName() + " for " + spec.nodeId(),
                "ListenAddress 127.0.0.1",
                "Port " + port,
                "HostKey " + dir.resolve("ssh_host_ecdsa_key").toAbsolutePath(),
                "AuthorizedKeysFile " + authorized.toAbsolutePath(),
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                "PidFile " + dir.resolve("sshd.pid").toAbsolutePath(),
                "MaxSessions " + spec.maxSessions(),
                "PrintMotd no",
                "LogLevel INFO"));
        StringBuilder setEnv = new StringBuilder("SetEnv");
        for (Map.Entry<String, String> e : env.entrySet()) {
            String word = e.getKey() + "=" + e.getValue();
            if (word.contains("\"") || word.contains("\n")) {
                throw new IllegalArgumentException("node " + spec.nodeId() + ": sshd_config cannot carry the value of "
                        + e.getKey() + ": " + e.getValue());
            }
            setEnv.append(" \"").append(word).append('"');
        }
        lines.add(setEnv.toString());
        return String.join("\n", lines) + "\n";
    }

    private static void ensurePrivsepDir() {
        if (Files.isDirectory(PRIVSEP_DIR)) {
            return;
        }
        try {
            Files.createDirectories(PRIVSEP_DIR);
        } catch (IOException e) {
            throw new IllegalStateException("sshd needs " + PRIVSEP_DIR + " (its privilege separation folder) and it "
                    + "cannot be created: " + e.getMessage(), e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String readLog(Path log) {
        try {
            String text = Files.readString(log).strip();
            return text.isEmpty() ? "(no output)" : text;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The listener and its per-connection children (which would otherwise keep sessions alive). */
    private static void killTree(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
