package io.zcl.runner.ssh;

import io.zcl.runner.ssh.SshConnectException.Kind;
import io.zcl.runner.ssh.SshSettings.HostKeyPolicy;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.future.AuthFuture;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.core.CoreModuleProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The SSH client side shared by all nodes of a cluster: one MINA {@link SshClient} (its I/O
 * threads serve every connection), the identity key, and host-key checking against known_hosts.
 * {@link #connect} opens and authenticates one connection and turns every way that can fail into
 * an {@link SshConnectException} with a message an operator can act on.
 *
 * <p>Host keys: a host that known_hosts lists with a different key of the offered type is always
 * refused (a reinstalled node, or someone in the middle); a host it does not list with that type
 * is refused or learned (appended to the file) as {@link SshSettings#hostKeyPolicy()} says. Keys
 * of other types do not count, as with OpenSSH: this client offers RSA and ECDSA, not Ed25519.
 */
public final class SshConnector implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SshConnector.class);


    private record HostKeyProblem(Kind kind, String message) {
    }

    private final SshSettings settings;
    /**
     * Why the host key check refused a session, read back when its login then fails. Not a
     * session attribute: closing the session clears those, and it may close first.
     */
    private final Map<ClientSession, HostKeyProblem> hostKeyProblems = new ConcurrentHashMap<>();
    /** Key types known_hosts lists a connecting host with, other than the one it offered. */
    private final Map<ClientSession, Set<String>> otherKeyTypes = new ConcurrentHashMap<>();
    private final SshClient client;
    private final ExecutorService connectPool;
    private final ScheduledExecutorService timers;

    /**
     * Loads the identity key and starts the client.
     *
     * @throws UncheckedIOException when the key file cannot be read or is not a supported key
     */
    public SshConnector(SshSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        List<KeyPair> identity = loadIdentity(settings.identityFile());
        try {
            Path dir = settings.knownHosts().toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the folder of known_hosts " + settings.knownHosts(), e);
        }
        client = SshClient.setUpDefaultClient();
        // Only what the settings say: no ~/.ssh/config, no default identities, no passwords.
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setKeyIdentityProvider(KeyIdentityProvider.wrapKeyPairs(identity));
        client.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        client.setServerKeyVerifier(hostKeyVerifier());
        if (!settings.keepAlive().isZero()) {
            CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, settings.keepAlive());
            // three unanswered keepalives and the connection is closed, as OpenSSH's ServerAliveCountMax
            CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, 3);
        }
        // Request/response traffic of small packets: Nagle's algorithm would hold each one back
        // for the peer's delayed ACK (tens of ms per command).
        CoreModuleProperties.TCP_NODELAY.set(client, true);
        // A runner's connection sits idle between test rounds; only keepalives decide it is dead.
        CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
        client.start();
        connectPool = Executors.newCachedThreadPool(daemonThreads("ssh-connect"));
        timers = Executors.newSingleThreadScheduledExecutor(daemonThreads("ssh-timers"));
    }

    public SshSettings settings() {
        return settings;
    }

    /**
     * Opens one connection and authenticates, within {@link SshSettings#connectTimeout()}.
     *
     * @throws SshConnectException naming host:port and the reason
     */
    public ClientSession connect(String host, int port) throws SshConnectException {
        String where = settings.user() + "@" + host + ":" + port;
        long deadline = System.nanoTime() + settings.connectTimeout().toNanos();
        ConnectFuture connected;
        try {
            connected = client.connect(settings.user(), host, port);
        } catch (IOException e) {
            throw new SshConnectException(Kind.UNREACHABLE, "cannot connect to " + where + ": " + e.getMessage(), e);
        }
        if (!awaitQuietly(connected::await, deadline)) {
            connected.cancel();
            throw new SshConnectException(Kind.UNREACHABLE, "cannot connect to " + where + ": no answer within "
                    + settings.connectTimeout().toMillis() + " ms", null);
        }
        Throwable failure = connected.getException();
        if (failure != null) {
            Throwable root = failure;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String why = root instanceof ConnectException ? "connection refused" : root.toString();
            throw new SshConnectException(Kind.UNREACHABLE, "cannot connect to " + where + ": " + why, failure);
        }
        ClientSession session = connected.getSession();
        AuthFuture auth;
        try {
            auth = session.auth();
        } catch (IOException e) {
            session.close(true);
            HostKeyProblem problem = hostKeyProblems.remove(session);
            if (problem != null) {
                throw new SshConnectException(problem.kind(), problem.message(), e);
            }
            throw new SshConnectException(Kind.PROTOCOL, "cannot log in to " + where + ": " + e.getMessage(), e);
        }
        boolean answered = awaitQuietly(auth::await, deadline);
        HostKeyProblem problem = hostKeyProblems.remove(session);
        otherKeyTypes.remove(session);
        if (!answered) {
            session.close(true);
            throw new SshConnectException(Kind.UNREACHABLE, "cannot log in to " + where + ": no SSH handshake within "
                    + settings.connectTimeout().toMillis() + " ms", null);
        }
        if (!auth.isSuccess()) {
            Throwable cause = auth.getException();
            session.close(true);
            if (problem != null) {
                throw new SshConnectException(problem.kind(), problem.message(), cause);
            }
            if (cause == null || String.valueOf(cause.getMessage()).contains("No more authentication methods")) {
                throw new SshConnectException(Kind.AUTH_FAILED, "authentication failed for " + where + ": the server did not "
                        + "accept the key " + settings.identityFile() + " (is its public key in the node's authorized_keys?)",
                        cause);
            }
            throw new SshConnectException(Kind.PROTOCOL, "cannot log in to " + where + ": " + cause.getMessage(), cause);
        }
        return session;
    }

    /** Runs blocking connects, so a caller's thread never waits on a handshake. */
    ExecutorService connectPool() {
        return connectPool;
    }

    /** Timeouts, kill grace and retry back-off of every executor on this connector. */
    ScheduledExecutorService timers() {
        return timers;
    }

    @Override
    public void close() {
        timers.shutdownNow();
        connectPool.shutdownNow();
        try {
            client.stop();
        } finally {
            try {
                client.close();
            } catch (IOException e) {
                log.debug("closing the SSH client failed", e);
            }
        }
    }

    /**
     * known_hosts checking that keeps the reason of a refusal: MINA only says "server key did not
     * validate", which does not tell an operator what to do.
     */
    private ServerKeyVerifier hostKeyVerifier() {
        Path file = settings.knownHosts();
        ServerKeyVerifier unknownHosts = (session, remote, key) -> {
            Set<String> others = otherKeyTypes.remove(session);
            String otherNote = others == null ? "" : "; it lists the host with " + String.join(", ", others)
                    + " keys only, which this client cannot use or the server did not offer";
            if (settings.hostKeyPolicy() == HostKeyPolicy.ACCEPT_NEW) {
                log.info("learned host key {} {} of {} into {}", KeyUtils.getKeyType(key), KeyUtils.getFingerPrint(key),
                        hostPattern(remote), file);
                return true;
            }
            hostKeyProblems.put(session, new HostKeyProblem(Kind.HOST_KEY_UNKNOWN, "host key of "
                    + hostPattern(remote) + " (" + describe(key) + ") is not in " + file + otherNote
                    + "; the host key policy is STRICT: add it (ssh-keyscan -p " + port(remote) + " -t "
                    + KeyUtils.getKeyType(key) + " " + host(remote) + " >> " + file + ") or use ACCEPT_NEW"));
            return false;
        };
        return new KnownHostsServerKeyVerifier(unknownHosts, file) {
            /**
             * Only entries of the offered key type count, as with OpenSSH: a host that
             * known_hosts lists with an Ed25519 key only (OpenSSH's default; this client cannot
             * use Ed25519, so the server shows it its ECDSA or RSA key) is a host whose ECDSA key
             * is not known yet, not a host whose key changed. MINA would call it a mismatch.
             */
            @Override
            protected boolean acceptKnownHostEntries(ClientSession session, SocketAddress remote, PublicKey serverKey,
                                                     Collection<HostEntryPair> knownHosts) {
                String offered = KeyUtils.getKeyType(serverKey);
                List<HostEntryPair> sameType = new ArrayList<>();
                Set<String> otherTypes = new TreeSet<>();
                for (HostEntryPair entry : knownHosts) {
                    String type = entry.getHostEntry().getKeyEntry().getKeyType();
                    if (offered.equals(type)) {
                        sameType.add(entry);
                    } else if (!findKnownHostEntries(session, remote, List.of(entry)).isEmpty()) {
                        otherTypes.add(type);
                    }
                }
                if (!otherTypes.isEmpty()) {
                    otherKeyTypes.put(session, otherTypes);
                }
                return super.acceptKnownHostEntries(session, remote, serverKey, sameType);
            }

            @Override
            public boolean acceptModifiedServerKey(ClientSession session, SocketAddress remote, KnownHostEntry entry,
                                                   PublicKey expected, PublicKey actual) {
                hostKeyProblems.put(session, new HostKeyProblem(Kind.HOST_KEY_MISMATCH, "host key mismatch for "
                        + hostPattern(remote) + ": " + file + " has " + describe(expected) + " but the server offered "
                        + describe(actual) + "; if the node was reinstalled, remove the old entry with: ssh-keygen -R '"
                        + hostPattern(remote) + "' -f " + file));
                return false;
            }
        };
    }

    /** How known_hosts names a host: "host" on port 22, "[host]:port" otherwise. */
    private static String hostPattern(SocketAddress remote) {
        int port = port(remote);
        return port == 22 ? host(remote) : "[" + host(remote) + "]:" + port;
    }

    private static String host(SocketAddress remote) {
        return remote instanceof InetSocketAddress a ? a.getHostString() : String.valueOf(remote);
    }

    private static int port(SocketAddress remote) {
        return remote instanceof InetSocketAddress a ? a.getPort() : 22;
    }

    private static String describe(PublicKey key) {
        return KeyUtils.getKeyType(key) + " " + KeyUtils.getFingerPrint(key);
    }

    private static List<KeyPair> loadIdentity(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<KeyPair> keys = new ArrayList<>();
            Iterable<KeyPair> loaded = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()), in,
                    null);
            if (loaded != null) {
                loaded.forEach(keys::add);
            }
            if (keys.isEmpty()) {
                throw new UncheckedIOException(new IOException("no private key found in identity file " + file));
            }
            return keys;
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("identity file " + file + " does not exist", e);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            if (e instanceof UncheckedIOException u) {
                throw u;
            }
            throw new UncheckedIOException("cannot load identity file " + file + ": " + e.getMessage()
                    + " (supported: unencrypted RSA or ECDSA keys; Ed25519 needs an EdDSA provider)",
                    e instanceof IOException io ? io : new IOException(e));
        }
    }

    @FunctionalInterface
    private interface Await {
        boolean await(long millis) throws IOException;
    }

    private static boolean awaitQuietly(Await future, long deadlineNanos) {
        long millis = Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000);
        try {
            return future.await(millis);
        } catch (IOException e) {
            return false;
        }
    }

    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
