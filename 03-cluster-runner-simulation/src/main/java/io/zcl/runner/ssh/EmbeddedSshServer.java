package io.zcl.runner.ssh;

import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An SSH server in this JVM (Apache MINA SSHD) standing for one simulated node: it listens on
 * 127.0.0.1, accepts one public key, and runs each exec request as {@code /bin/sh -c <command>}
 * in a real process whose environment is the node's (its emulated-tool profile and fault, and
 * the tools folder first on PATH). For tests and the in-process demo; {@link OpenSshServers}
 * runs real OpenSSH the same way.
 *
 * <p>Behaves like OpenSSH where the runner can tell: a command's stdin is the channel (EOF from
 * the client closes it), the channel closes once the process exited and its output ended, the
 * exit status is the process's, closing the channel closes the pipes but kills nothing, and {@link Settings#maxSessions()} refuses channels beyond it as OpenSSH's MaxSessions
 * does (channel open failure, reason 2). Stopping the server kills what is still running.
 * One difference: MINA hands "signal" requests to the command, and this server passes
 * TERM/INT/HUP and KILL to the process it started, where OpenSSH 9.2 (root login) refuses them;
 * the runner does not rely on either.
 */
public final class EmbeddedSshServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedSshServer.class);

    /** Session channels open on one connection, to enforce maxSessions. */
    private static final AttributeKey<AtomicInteger> OPEN_SESSIONS = new AttributeKey<>();

    /**
     * @param port          port on 127.0.0.1; 0 picks a free one
     * @param hostKey       the server's host key; null generates one (keep it to restart the
     *                      "same" node on the same port)
     * @param authorizedKey the one client key accepted (any user name)
     * @param env           the node's environment on top of this JVM's
     * @param pathPrefix    a folder put first on PATH (the emulated tools), or null
     * @param home          HOME and working directory of commands, or null for this JVM's
     * @param maxSessions   session channels per connection, as sshd_config MaxSessions; 0 = no limit
     */
    public record Settings(int port, KeyPair hostKey, PublicKey authorizedKey, Map<String, String> env, Path pathPrefix,
                           Path home, int maxSessions) {
        public Settings {
            Objects.requireNonNull(authorizedKey, "authorizedKey");
            env = env == null ? Map.of() : Map.copyOf(env);
            if (maxSessions < 0) {
                throw new IllegalArgumentException("maxSessions must be >= 0, got " + maxSessions);
            }
        }

        /** Any free port, a new host key, no extra environment, no session limit. */
        public static Settings forKey(PublicKey authorizedKey) {
            return new Settings(0, null, authorizedKey, Map.of(), null, null, 0);
        }

        public Settings withPort(int newPort) {
            return new Settings(newPort, hostKey, authorizedKey, env, pathPrefix, home, maxSessions);
        }

        public Settings withHostKey(KeyPair key) {
            return new Settings(port, key, authorizedKey, env, pathPrefix, home, maxSessions);
        }

        public Settings withEnv(Map<String, String> newEnv, Path newPathPrefix) {
            return new Settings(port, hostKey, authorizedKey, newEnv, newPathPrefix, home, maxSessions);
        }

        public Settings withHome(Path newHome) {
            return new Settings(port, hostKey, authorizedKey, env, pathPrefix, newHome, maxSessions);
        }

        public Settings withMaxSessions(int max) {
            return new Settings(port, hostKey, authorizedKey, env, pathPrefix, home, max);
        }
    }

    private final Settings settings;
    private final KeyPair hostKey;
    private final SshServer server;
    private final ExecutorService pumps = Executors.newCachedThreadPool(SshConnector.daemonThreads("embedded-sshd-io"));
    private final Set<Process> processes = ConcurrentHashMap.newKeySet();
    private final AtomicInteger started = new AtomicInteger();

    private EmbeddedSshServer(Settings settings) {
        this.settings = settings;
        this.hostKey = settings.hostKey() != null ? settings.hostKey() : SshKeys.generate();
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(settings.port());
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        PublicKey authorized = settings.authorizedKey();
        server.setPublickeyAuthenticator((user, key, session) -> authorized.equals(key));
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
        server.setChannelFactories(List.of(new SessionFactory()));
        server.setCommandFactory((channel, command) -> new ShellCommand(command));
        CoreModuleProperties.TCP_NODELAY.set(server, true);
        // Like sshd: an idle connection stays up; the client's keepalives are answered.
        CoreModuleProperties.IDLE_TIMEOUT.set(server, Duration.ZERO);
    }

    /** Starts a server; the port is known when this returns. */
    public static EmbeddedSshServer start(Settings settings) {
        EmbeddedSshServer s = new EmbeddedSshServer(Objects.requireNonNull(settings, "settings"));
        try {
            s.server.start();
        } catch (IOException e) {
            s.close();
            throw new UncheckedIOException("cannot start the embedded SSH server on 127.0.0.1:" + settings.port(), e);
        }
        return s;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return server.getPort();
    }

    public KeyPair hostKey() {
        return hostKey;
    }

    public Settings settings() {
        return settings;
    }

    /** The known_hosts line of this server. */
    public String knownHostsLine() {
        return SshKeys.knownHostsLine(host(), port(), hostKey.getPublic());
    }

    /** Processes started since this server started (one per command). */
    public int commandsStarted() {
        return started.get();
    }

    /** Processes still running. */
    public int running() {
        processes.removeIf(p -> !p.isAlive());
        return processes.size();
    }

    /** Stops listening, drops every connection and kills whatever it started that still runs. */
    @Override
    public void close() {
        try {
            server.stop(true);
        } catch (IOException e) {
            log.debug("stopping the embedded SSH server failed", e);
        }
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        pumps.shutdownNow();
    }

    /** Session channels with OpenSSH's MaxSessions rule. */
    private final class SessionFactory implements ChannelFactory {
        @Override
        public String getName() {
            return "session";
        }

        @Override
        public Channel createChannel(Session session) {
            return new ChannelSession() {
                @Override
                protected OpenFuture doInit(Buffer buffer) {
                    int max = settings.maxSessions();
                    if (max > 0) {
                        AtomicInteger open = session.computeAttributeIfAbsent(OPEN_SESSIONS, k -> new AtomicInteger());
                        if (open.incrementAndGet() > max) {
                            open.decrementAndGet();
                            DefaultOpenFuture refused = new DefaultOpenFuture(this, futureLock);
                            // OpenSSH 9 answers over MaxSessions with reason 2 (MINA words the message itself)
                            refused.setException(new SshChannelOpenException(getChannelId(),
                                    SshConstants.SSH_OPEN_CONNECT_FAILED, "open failed"));
                            service.unregisterChannel(this);
                            return refused;
                        }
                        addCloseFutureListener(f -> open.decrementAndGet());
                    }
                    return super.doInit(buffer);
                }
            };
        }
    }

    /** One exec request: {@code /bin/sh -c command} as a process wired to the channel. */
    private final class ShellCommand implements Command {

        private final String command;
        private InputStream in;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;
        private volatile Process process;

        ShellCommand(String command) {
            this.command = command;
        }

        @Override
        public void setInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
            this.err = err;
        }

        @Override
        public void setExitCallback(ExitCallback callback) {
            this.exit = callback;
        }

        @Override
        public void start(ChannelSession channel, Environment env) throws IOException {
            ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", command);
            Map<String, String> e = builder.environment();
            e.putAll(settings.env());
            if (settings.pathPrefix() != null) {
                String path = e.get("PATH");
                e.put("PATH", path == null || path.isEmpty() ? settings.pathPrefix().toString()
                        : settings.pathPrefix() + File.pathSeparator + path);
            }
            if (settings.home() != null) {
                e.put("HOME", settings.home().toString());
                builder.directory(settings.home().toFile());
            }
            Process p = builder.start();
            process = p;
            processes.add(p);
            started.incrementAndGet();
            env.addSignalListener((ch, signal) -> {
                switch (signal) {
                    case KILL -> p.destroyForcibly();
                    case TERM, INT, HUP -> p.destroy();
                    default -> log.debug("signal {} not forwarded to {}", signal, p.pid());
                }
            });
            var stdout = pumps.submit(() -> copy(p.getInputStream(), out, false));
            var stderr = pumps.submit(() -> copy(p.getErrorStream(), err, false));
            pumps.submit(() -> copy(in, p.getOutputStream(), true));
            pumps.submit(() -> {
                try {
                    int code = p.waitFor();
                    // the channel closes only after the output ended, as with sshd
                    stdout.get();
                    stderr.get();
                    exit.onExit(code);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                } catch (Exception ex) {
                    exit.onExit(255, String.valueOf(ex.getMessage()));
                } finally {
                    processes.remove(p);
                }
            });
        }

        /** The channel closed (client close or connection drop): close the pipes, as sshd does. */
        @Override
        public void destroy(ChannelSession channel) {
            Process p = process;
            if (p != null) {
                closeQuietly(p.getOutputStream());
                closeQuietly(p.getInputStream());
                closeQuietly(p.getErrorStream());
            }
        }

        /** Copies until EOF or an error; closes {@code to} when asked (the process's stdin at the client's EOF). */
        private Void copy(InputStream from, OutputStream to, boolean closeTo) {
            byte[] buffer = new byte[32 * 1024];
            try {
                for (int n = from.read(buffer); n >= 0; n = from.read(buffer)) {
                    if (n > 0) {
                        to.write(buffer, 0, n);
                        to.flush();
                    }
                }
            } catch (IOException e) {
                // the channel or the process went away: this stream simply ends
            } finally {
                if (closeTo) {
                    closeQuietly(to);
                }
            }
            return null;
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
