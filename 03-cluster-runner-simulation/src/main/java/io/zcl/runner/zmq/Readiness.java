package io.zcl.runner.zmq;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.zeromq.ZMQ;

/**
 * Waits until a ZeroMQ socket or a plain channel has input, on one {@link Selector} whose
 * registrations are made once. JeroMQ's {@code ZMQ.Poller} re-registers its items and runs a
 * non-blocking select before every blocking one: two {@code epoll_wait} calls, a HashMap and a
 * pass over every key per wake-up. The agent wakes about three times per command (RUN, its RESULT
 * from the runner thread, ACK), and that poll was the largest share of its loop's CPU
 * (docs/performance.md, "Where the agent's CPU goes").
 *
 * <p>A socket is waited on through its ZMQ_FD ({@code getFD()}), which only says that the socket has
 * commands to process, not that a message waits: input is read from {@code getEvents()}, and a
 * socket that still holds unread input makes {@link #await} return at once, because ZMQ_FD does not
 * signal again for input already announced. One thread only, like the sockets.
 */
final class Readiness implements AutoCloseable {

    private final Selector selector;
    private final List<ZMQ.Socket> sockets;
    private final List<SelectableChannel> channels;
    private final boolean[] selected;
    private long spuriousWakes;

    /**
     * @param sockets  ZeroMQ sockets, waited on for input
     * @param channels non-blocking channels (a wake-up pipe), waited on for input
     */
    Readiness(List<ZMQ.Socket> sockets, List<? extends SelectableChannel> channels) {
        this.sockets = List.copyOf(sockets);
        this.channels = List.copyOf(channels);
        this.selected = new boolean[channels.size()];
        try {
            selector = Selector.open();
            for (ZMQ.Socket s : this.sockets) {
                s.getFD().register(selector, SelectionKey.OP_READ);
            }
            for (int i = 0; i < this.channels.size(); i++) {
                this.channels.get(i).register(selector, SelectionKey.OP_READ, i);
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot set up the socket wait", e);
        }
    }

    /**
     * Waits up to {@code timeoutMs} for input (0: only looks) on any socket or channel; returns at once
     * when a socket already holds some. Afterwards {@link #readable} and {@link #selected} tell which.
     *
     * <p>A socket's ZMQ_FD can be readable before the socket admits to any input: JeroMQ's Signaler
     * writes its byte and only then counts it, and a reader that looks in between sees nothing to
     * read, so the byte stays and a level-triggered select reports it again at once. When the writer
     * (the I/O thread) is descheduled in that window, which on a loaded machine lasts milliseconds,
     * selecting again spins: strace of the agent under load showed runs of 100 to 190 select calls
     * that found nothing, and JeroMQ's own poll spins the same way. So a wake-up that finds nothing
     * yields, then backs off (50 us doubling up to 1 ms) until the writer has counted its signal.
     */
    void await(long timeoutMs) {
        java.util.Arrays.fill(selected, false);
        if (timeoutMs <= 0) {
            checkNow();
            return;
        }
        long deadline = System.nanoTime() + Math.max(1, timeoutMs) * 1_000_000L;
        int spurious = 0;
        while (true) {
            for (ZMQ.Socket s : sockets) {
                if (readable(s)) {
                    return;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                if (selector.select(Math.max(1, left / 1_000_000L)) == 0) {
                    return; // timed out, or woken by close
                }
                if (recordSelected()) {
                    return;
                }
            } catch (ClosedSelectorException e) {
                return; // closed while stopping: nothing more to wait for
            } catch (IOException e) {
                throw new UncheckedIOException("waiting on the sockets failed", e);
            }
            for (ZMQ.Socket s : sockets) {
                if (readable(s)) {
                    return;
                }
            }
            spuriousWakes++;
            backOff(spurious++);
        }
    }

    /** Without waiting: which channels are ready now (the sockets are asked with {@link #readable}). */
    private void checkNow() {
        try {
            if (selector.selectNow() > 0) {
                recordSelected();
            }
        } catch (ClosedSelectorException e) {
            // closed while stopping
        } catch (IOException e) {
            throw new UncheckedIOException("checking the sockets failed", e);
        }
    }

    /** Marks the channels among the selected keys (sockets carry no index) and clears them; true if any. */
    private boolean recordSelected() {
        boolean channel = false;
        for (SelectionKey k : selector.selectedKeys()) {
            if (k.attachment() instanceof Integer i) {
                selected[i] = true;
                channel = true;
            }
        }
        selector.selectedKeys().clear();
        return channel;
    }

    /**
     * The pause after the {@code n}-th (from 0) consecutive wake-up that found nothing: a yield,
     * then 50 us doubling up to 1 ms, so a signal not yet counted is not spun on.
     */
    static void backOff(int n) {
        if (n == 0) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(Math.min(1_000_000L, 50_000L << Math.min(n - 1, 5)));
        }
    }

    /** Wake-ups that found a socket's signal not yet counted (see {@link #await}), for tests and profiles. */
    long spuriousWakes() {
        return spuriousWakes;
    }

    /** The socket has a message to read now. */
    static boolean readable(ZMQ.Socket s) {
        return (s.getEvents() & ZMQ.Poller.POLLIN) != 0;
    }

    /** The channel (given at construction) was ready in the last {@link #await}. */
    boolean selected(SelectableChannel channel) {
        int i = channels.indexOf(channel);
        return i >= 0 && selected[i];
    }

    /** Cancels the registrations (the sockets and channels stay open: their owners close them). */
    @Override
    public void close() {
        if (selector == null) {
            return;
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing useful to do while closing
        }
    }
}
