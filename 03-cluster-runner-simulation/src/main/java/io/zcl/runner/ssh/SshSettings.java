package io.zcl.runner.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the runner reaches its nodes over SSH. One set of settings per cluster: every node is
 * logged into as the same user with the same key, and checked against the same known_hosts.
 *
 * @param user              login user on every node
 * @param identityFile      the private key (OpenSSH or PEM format, not passphrase-protected): RSA
 *                          or ECDSA; Ed25519 needs net.i2p.crypto:eddsa or Bouncy Castle on the
 *                          classpath, which this module does not ship
 * @param knownHosts        known_hosts file the nodes' host keys are checked against
 * @param hostKeyPolicy     what to do with a host that known_hosts does not list
 * @param connectTimeout    TCP connect + key exchange + authentication, per node
 * @param maxChannels       commands (session channels) open at once on one connection; more wait
 *                          in arrival order. 10 is OpenSSH's default MaxSessions: going over
 *                          it gets channel opens refused (they are then retried, see
 *                          {@link SshNodeExecutor})
 * @param captureLimitBytes bytes of stdout and of stderr kept in each result; listeners see all
 * @param killGrace         after asking the node to kill a command (timeout, cancel), how long to
 *                          wait for its exit before closing the channel regardless
 * @param keepAlive         interval of SSH keepalives on an idle connection, so a dead node or
 *                          network is noticed without a command; zero turns them off
 */
public record SshSettings(String user, Path identityFile, Path knownHosts, HostKeyPolicy hostKeyPolicy,
                          Duration connectTimeout, int maxChannels, int captureLimitBytes, Duration killGrace,
                          Duration keepAlive) {

    /** OpenSSH's default MaxSessions (sshd_config): channels one connection may have open. */
    public static final int DEFAULT_MAX_CHANNELS = 10;
    /** Same as a ZeroMQ agent's RESULT keeps, so both transports journal the same text. */
    public static final int DEFAULT_CAPTURE_LIMIT = 4 * 1024 * 1024;

    /** What to do when known_hosts has no key for a host. A changed key is always refused. */
    public enum HostKeyPolicy {
        /** Refuse the host (OpenSSH: StrictHostKeyChecking yes). For production clusters. */
        STRICT,
        /** Trust the key on first sight and append it to known_hosts (OpenSSH: accept-new). */
        ACCEPT_NEW
    }

    public SshSettings {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(identityFile, "identityFile");
        Objects.requireNonNull(knownHosts, "knownHosts");
        Objects.requireNonNull(hostKeyPolicy, "hostKeyPolicy");
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(killGrace, "killGrace");
        Objects.requireNonNull(keepAlive, "keepAlive");
        if (keepAlive.isNegative()) {
            throw new IllegalArgumentException("keepAlive must not be negative, got " + keepAlive);
        }
        if (maxChannels < 1) {
            throw new IllegalArgumentException("maxChannels must be >= 1, got " + maxChannels);
        }
        if (captureLimitBytes < 0) {
            throw new IllegalArgumentException("captureLimitBytes must be >= 0, got " + captureLimitBytes);
        }
    }

    /** Strict host keys, 10 s to connect, 10 channels, 4 MiB capture, 5 s kill grace, 15 s keepalive. */
    public static SshSettings defaults(String user, Path identityFile, Path knownHosts) {
        return new SshSettings(user, identityFile, knownHosts, HostKeyPolicy.STRICT, Duration.ofSeconds(10),
                DEFAULT_MAX_CHANNELS, DEFAULT_CAPTURE_LIMIT, Duration.ofSeconds(5), Duration.ofSeconds(15));
    }

    public SshSettings withHostKeyPolicy(HostKeyPolicy policy) {
        return new SshSettings(user, identityFile, knownHosts, policy, connectTimeout, maxChannels, captureLimitBytes,
                killGrace, keepAlive);
    }

    public SshSettings withConnectTimeout(Duration timeout) {
        return new SshSettings(user, identityFile, knownHosts, hostKeyPolicy, timeout, maxChannels, captureLimitBytes,
                killGrace, keepAlive);
    }

    public SshSettings withMaxChannels(int max) {
        return new SshSettings(user, identityFile, knownHosts, hostKeyPolicy, connectTimeout, max, captureLimitBytes,
                killGrace, keepAlive);
    }

    public SshSettings withCaptureLimitBytes(int limit) {
        return new SshSettings(user, identityFile, knownHosts, hostKeyPolicy, connectTimeout, maxChannels, limit,
                killGrace, keepAlive);
    }

    public SshSettings withKillGrace(Duration grace) {
        return new SshSettings(user, identityFile, knownHosts, hostKeyPolicy, connectTimeout, maxChannels,
                captureLimitBytes, grace, keepAlive);
    }

    public SshSettings withKeepAlive(Duration interval) {
        return new SshSettings(user, identityFile, knownHosts, hostKeyPolicy, connectTimeout, maxChannels,
                captureLimitBytes, killGrace, interval);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }
}
