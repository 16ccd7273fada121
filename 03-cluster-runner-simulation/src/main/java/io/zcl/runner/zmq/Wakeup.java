package io.zcl.runner.zmq;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;

/**
 * Wakes a socket-owning I/O thread from other threads. ZeroMQ sockets must stay on one thread,
 * so other threads put work in a queue and poke this pipe; the I/O thread polls the pipe's
 * source next to its sockets (a JeroMQ Poller accepts any SelectableChannel).
 */
final class Wakeup implements AutoCloseable {

    private final Pipe pipe;
    private final ByteBuffer one = ByteBuffer.allocate(1);
    private final ByteBuffer drain = ByteBuffer.allocate(256);

    Wakeup() {
        try {
            pipe = Pipe.open();
            pipe.source().configureBlocking(false);
            pipe.sink().configureBlocking(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open wake-up pipe", e);
        }
    }

    Pipe.SourceChannel source() {
        return pipe.source();
    }

    /** From any thread. A full pipe already means "wake up", so a failed write is fine. */
    void wake() {
        synchronized (one) {
            one.clear();
            try {
                pipe.sink().write(one);
            } catch (IOException ignored) {
                // closed during shutdown: nobody is left to wake
            }
        }
    }

    /** On the I/O thread, after the poller reported the source readable. */
    void drain() {
        try {
            // A read that does not fill the buffer emptied the pipe: no second read to learn that.
            do {
                drain.clear();
            } while (pipe.source().read(drain) == drain.capacity());
        } catch (IOException ignored) {
            // closed during shutdown
        }
    }

    @Override
    public void close() {
        try {
            pipe.sink().close();
            pipe.source().close();
        } catch (IOException ignored) {
            // nothing useful to do while closing
        }
    }
}
