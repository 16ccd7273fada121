package io.zcl.runner.zmq;

/**
 * The default clock for liveness: milliseconds from {@link System#nanoTime()}, which only moves
 * forward. Wall-clock time ({@code System.currentTimeMillis}) jumps when NTP or an operator sets
 * the clock; a jump forward would make every peer look silent at once and declare them all lost
 * (02-cluster-patterns' Liveness explains it). Only differences of its readings mean anything.
 */
public final class MonotonicClock {

    private MonotonicClock() {
    }

    public static long millis() {
        return System.nanoTime() / 1_000_000;
    }
}
