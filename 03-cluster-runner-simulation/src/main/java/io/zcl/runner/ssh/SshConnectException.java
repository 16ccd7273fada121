package io.zcl.runner.ssh;

import java.io.IOException;

/**
 * A node could not be reached or logged into over SSH. The message is one line meant for an
 * operator: it names the node's address and what went wrong (connection refused, timed out,
 * host key mismatch, unknown host key, authentication refused).
 */
public final class SshConnectException extends IOException {

    /** What kind of failure, for code that reacts differently (a mismatch is never retried). */
    public enum Kind { UNREACHABLE, HOST_KEY_MISMATCH, HOST_KEY_UNKNOWN, AUTH_FAILED, PROTOCOL }

    private final Kind kind;

    public SshConnectException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
