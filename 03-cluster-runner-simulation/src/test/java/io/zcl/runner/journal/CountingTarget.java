package io.zcl.runner.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** A real journal file with a gate that can hold the writer thread, a failure switch and counters. */
final class CountingTarget implements AppendTarget {

    final Path file;
    final Gate gate = new Gate();
    private final FileAppendTarget delegate;
    volatile int appends;
    volatile int forces;
    /** Fail the append after this many succeeded (-1: never), like a disk filling up. */
    volatile int failAfterAppends = -1;

    CountingTarget(Path file) throws IOException {
        this.file = file;
        this.delegate = new FileAppendTarget(file);
    }

    @Override
    public void append(ByteBuffer line) throws IOException {
        gate.pass();
        if (failAfterAppends >= 0 && appends >= failAfterAppends) {
            throw new IOException("No space left on device");
        }
        delegate.append(line);
        appends++;
    }

    @Override
    public void force() throws IOException {
        delegate.force();
        forces++;
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    /** Blocks threads in {@link #pass()} while closed. */
    static final class Gate {
        private boolean open = true;
        private int waiting;

        synchronized void close() {
            open = false;
        }

        synchronized void open() {
            open = true;
            notifyAll();
        }

        synchronized int waiting() {
            return waiting;
        }

        synchronized void pass() {
            waiting++;
            try {
                while (!open) {
                    wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                waiting--;
            }
        }
    }
}
