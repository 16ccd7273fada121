package io.zcl.runner.ssh;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The first {@code limit} bytes of one output stream, and whether more came: a remote tool that
 * prints gigabytes must not take the coordinator's heap with it (listeners still see every byte).
 * Same rule as the local executor's capture, so results compare across transports.
 */
final class OutputCapture {

    private final int limit;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private boolean truncated;

    OutputCapture(int limit) {
        this.limit = limit;
    }

    synchronized void add(byte[] chunk, int offset, int length) {
        int room = limit - bytes.size();
        if (length > room) {
            truncated = true;
        }
        bytes.write(chunk, offset, Math.max(0, Math.min(room, length)));
    }

    synchronized boolean truncated() {
        return truncated;
    }

    /** The captured bytes as UTF-8; a character split by the limit becomes U+FFFD. */
    synchronized String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
