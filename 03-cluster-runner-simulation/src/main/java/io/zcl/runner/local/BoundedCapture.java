package io.zcl.runner.local;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Keeps the first {@code limit} bytes of a stream and remembers whether more came. A perf tool
 * that prints gigabytes (or loops printing) must not take the runner's heap with it; listeners
 * still see every byte.
 */
final class BoundedCapture {

    private final int limit;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private boolean truncated;

    BoundedCapture(int limit) {
        this.limit = limit;
    }

    synchronized void add(byte[] chunk, int length) {
        int room = limit - bytes.size();
        if (length > room) {
            truncated = true;
        }
        bytes.write(chunk, 0, Math.max(0, Math.min(room, length)));
    }

    synchronized boolean truncated() {
        return truncated;
    }

    /** The captured bytes as UTF-8; a character split by the limit becomes U+FFFD. */
    synchronized String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
