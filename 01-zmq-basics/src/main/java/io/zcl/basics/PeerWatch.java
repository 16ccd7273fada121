package io.zcl.basics;

import java.time.Duration;
import org.zeromq.ZContext;
import org.zeromq.ZMQ.Socket;
import org.zeromq.ZMonitor;

/**
 * Counts the peers that finished the ZeroMQ handshake with a socket, through a socket monitor.
 * A PUSH or DEALER spreads messages only over peers already connected, so a sender that starts
 * before its peers have joined gives everything to whichever joined first. Create the watch
 * before binding, so no handshake is missed.
 */
public final class PeerWatch implements AutoCloseable {

    private final ZMonitor monitor;
    private int peers;

    public PeerWatch(ZContext ctx, Socket socket) {
        monitor = new ZMonitor(ctx, socket);
        monitor.add(ZMonitor.Event.HANDSHAKE_PROTOCOL).start();
    }

    /** Waits until {@code expected} peers have connected or {@code timeout} passed; returns how many did. */
    public int await(int expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (peers < expected) {
            long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMillis <= 0) {
                break;
            }
            if (monitor.nextEvent((int) Math.min(leftMillis, Integer.MAX_VALUE)) != null) {
                peers++;
            }
        }
        return peers;
    }

    @Override
    public void close() {
        monitor.close();
    }
}
