package io.zcl.runner.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.zcl.runner.api.JournalRecord;
import io.zcl.runner.api.JournalWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The journal as a JSON Lines file (format: {@link JournalJson}). Callers hand records to a
 * bounded queue; one writer thread appends each as one line (a write(2) per record, so it is in
 * the OS as soon as it is taken) and fsyncs according to the {@link FsyncPolicy}.
 *
 * <ul>
 *   <li>Backpressure: a full queue makes {@link #write} wait; nothing is ever dropped.</li>
 *   <li>Acknowledgement: a write's future completes when the record is durable under the policy
 *       (after the fsync that covers it; for {@link FsyncPolicy#onlyAtClose()} after its write to
 *       the OS). Futures complete in write order on a separate acknowledgement thread, so a
 *       callback that writes again cannot stall the writer.</li>
 *   <li>Opening an existing file appends to it, after cutting a torn last line left by a crash
 *       ({@link #repairReport()}).</li>
 *   <li>An I/O error (disk full, file gone read-only) stops the writer: every queued and every
 *       later write fails with the same {@link JournalException}, and so do records written but
 *       not yet fsynced, because they are not known to be durable.</li>
 * </ul>
 */
public final class JsonlJournalWriter implements JournalWriter {

    /** Deep enough to absorb a burst of results from a large round, small enough to bound memory. */
    public static final int DEFAULT_QUEUE_CAPACITY = 1024;

    private static final Logger log = LoggerFactory.getLogger(JsonlJournalWriter.class);

    private enum State { OPEN, CLOSING, CLOSED, FAILED }

    /** A record to append, or (record == null) a request to fsync everything before it. */
    private record Entry(JournalRecord record, CompletableFuture<Void> done) {
        boolean isSyncRequest() {
            return record == null;
        }
    }

    private final Path file;
    private final AppendTarget target;
    private final FsyncPolicy policy;
    private final int capacity;
    private final RepairReport repair;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    private State state = State.OPEN;
    private JournalException failure;

    private final ExecutorService acks;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile JournalException closeFailure;

    // Touched by the writer thread only.
    private final List<CompletableFuture<Void>> unsynced = new ArrayList<>();
    private Entry inFlight;
    private long oldestUnsyncedNanos;
    private long written;

    /** Opens (creating or appending to) a journal that fsyncs every record. */
    public static JsonlJournalWriter open(Path file) {
        return open(file, FsyncPolicy.everyRecord(), DEFAULT_QUEUE_CAPACITY);
    }

    public static JsonlJournalWriter open(Path file, FsyncPolicy policy) {
        return open(file, policy, DEFAULT_QUEUE_CAPACITY);
    }

    /**
     * Opens a journal for appending, first cutting a torn last line (logged and available from
     * {@link #repairReport()}).
     *
     * @throws JournalException when the file cannot be checked or opened, or another writer holds it
     */
    public static JsonlJournalWriter open(Path file, FsyncPolicy policy, int queueCapacity) {
        RepairReport repair;
        try {
            repair = TornTailRepair.repair(file);
        } catch (IOException e) {
            throw new JournalException("journal " + file + ": cannot check its last line: " + describe(e), e);
        }
        if (repair.repaired()) {
            log.warn("{}", repair);
        }
        AppendTarget target;
        try {
            target = new FileAppendTarget(file);
        } catch (IOException e) {
            throw new JournalException("journal " + file + ": cannot open for appending: " + describe(e), e);
        }
        return new JsonlJournalWriter(file, target, policy, queueCapacity, repair);
    }

    JsonlJournalWriter(Path file, AppendTarget target, FsyncPolicy policy, int queueCapacity, RepairReport repair) {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queue capacity must be >= 1, got " + queueCapacity);
        }
        this.file = Objects.requireNonNull(file, "file");
        this.target = Objects.requireNonNull(target, "target");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.capacity = queueCapacity;
        this.repair = repair;
        String name = String.valueOf(file.getFileName());
        this.acks = Executors.newSingleThreadExecutor(daemon("journal-ack-" + name));
        Thread writer = daemon("journal-writer-" + name).newThread(this::drain);
        writer.start();
    }

    public Path file() {
        return file;
    }

    public FsyncPolicy policy() {
        return policy;
    }

    /** What opening did to a torn tail; {@link RepairReport#repaired()} is false when nothing was cut. */
    public RepairReport repairReport() {
        return repair;
    }

    @Override
    public CompletableFuture<Void> write(JournalRecord record) {
        Objects.requireNonNull(record, "record");
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            enqueue(new Entry(record, done));
        } catch (JournalException e) {
            return CompletableFuture.failedFuture(e);
        }
        return done;
    }

    @Override
    public void flush() {
        CompletableFuture<Void> synced = new CompletableFuture<>();
        lock.lock();
        try {
            if (state == State.CLOSING || state == State.CLOSED) {
                return;
            }
        } finally {
            lock.unlock();
        }
        enqueue(new Entry(null, synced));
        try {
            synced.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof JournalException je ? je : new JournalException(e.getMessage(), e.getCause());
        }
    }

    /**
     * Writes what is queued, fsyncs, closes the file. Throws the writer's {@link JournalException}
     * if it failed at any point, including that last fsync (which matters most under
     * {@link FsyncPolicy#onlyAtClose()}), so a caller that ignored the futures still learns that
     * the journal is incomplete.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (state == State.OPEN) {
                state = State.CLOSING;
                notEmpty.signalAll();
                notFull.signalAll();
            }
        } finally {
            lock.unlock();
        }
        stopped.join();
        acks.shutdown();
        boolean interrupted = false;
        while (!acks.isTerminated()) {
            try {
                acks.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (closeFailure != null) {
            // A new exception with the same one-line message, not the writer's failure itself: a
            // try-with-resources whose body already threw that failure (a write that hit it) adds
            // close()'s exception to it as suppressed, and adding an exception to itself throws
            // "Self-suppression not permitted", which hid the real cause (issue 15 item 11).
            throw new JournalException(closeFailure.getMessage(), closeFailure);
        }
    }

    private void enqueue(Entry entry) {
        lock.lock();
        try {
            while (state == State.OPEN && queue.size() >= capacity) {
                notFull.await();
            }
            if (state == State.FAILED) {
                throw failure;
            }
            if (state != State.OPEN) {
                throw new JournalException("journal " + file + " is closed");
            }
            queue.add(entry);
            notEmpty.signal();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JournalException("interrupted while waiting for room in the journal queue; record not written", e);
        } finally {
            lock.unlock();
        }
    }

    /** The writer thread. */
    private void drain() {
        try {
            while (true) {
                Entry entry;
                boolean moreQueued;
                boolean closing;
                lock.lock();
                try {
                    while (queue.isEmpty() && state == State.OPEN) {
                        if (unsynced.isEmpty()) {
                            notEmpty.await();
                        } else {
                            long wait = syncDeadlineNanos() - System.nanoTime();
                            if (wait <= 0) {
                                break;
                            }
                            notEmpty.awaitNanos(wait);
                        }
                    }
                    entry = queue.poll();
                    if (entry != null) {
                        notFull.signal();
                    }
                    moreQueued = !queue.isEmpty();
                    closing = state != State.OPEN;
                } finally {
                    lock.unlock();
                }
                if (entry == null) {
                    sync();
                    if (closing) {
                        break;
                    }
                } else {
                    inFlight = entry;
                    if (entry.isSyncRequest()) {
                        sync();
                        acks.execute(() -> entry.done().complete(null));
                    } else {
                        append(entry);
                        // Look at the queue again: records that arrived while this one was being
                        // written join the same fsync (group commit) instead of forcing one now.
                        if (dueForSync(moreQueued || queuedNow())) {
                            sync();
                        }
                    }
                    inFlight = null;
                }
            }
            target.close();
            lock.lock();
            try {
                state = State.CLOSED;
            } finally {
                lock.unlock();
            }
        } catch (IOException e) {
            closeFailure = fail(e);
        } catch (InterruptedException e) {
            closeFailure = fail(e);
        } catch (RuntimeException | Error e) {
            closeFailure = fail(e);
            throw e;
        } finally {
            stopped.complete(null);
        }
    }

    private void append(Entry entry) throws IOException {
        byte[] line;
        try {
            line = JournalJson.toLine(entry.record());
        } catch (JsonProcessingException e) {
            // One bad record is the caller's bug, not a broken disk: refuse it and keep going.
            JournalException error = new JournalException("record cannot be written as JSON: " + e.getOriginalMessage(), e);
            acks.execute(() -> entry.done().completeExceptionally(error));
            return;
        }
        target.append(ByteBuffer.wrap(line));
        written++;
        if (policy.mode() == FsyncPolicy.Mode.CLOSE) {
            acks.execute(() -> entry.done().complete(null));
            return;
        }
        if (unsynced.isEmpty()) {
            oldestUnsyncedNanos = System.nanoTime();
        }
        unsynced.add(entry.done());
    }

    private boolean queuedNow() {
        lock.lock();
        try {
            return !queue.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    private boolean dueForSync(boolean moreQueued) {
        return switch (policy.mode()) {
            case RECORDS -> unsynced.size() >= policy.records() || !moreQueued;
            case INTERVAL -> System.nanoTime() >= syncDeadlineNanos();
            case CLOSE -> false;
        };
    }

    private long syncDeadlineNanos() {
        return oldestUnsyncedNanos + (policy.mode() == FsyncPolicy.Mode.INTERVAL ? policy.interval().toNanos() : 0);
    }

    private void sync() throws IOException {
        target.force();
        if (!unsynced.isEmpty()) {
            List<CompletableFuture<Void>> durable = List.copyOf(unsynced);
            unsynced.clear();
            acks.execute(() -> durable.forEach(f -> f.complete(null)));
        }
    }

    /** Stops for good: fails the unsynced, the queued and (through state) every later write. */
    private JournalException fail(Throwable cause) {
        JournalException error = new JournalException("journal " + file + ": write failed after " + written
                + " records; nothing more will be written: " + describe(cause), cause);
        List<CompletableFuture<Void>> toFail = new ArrayList<>(unsynced);
        unsynced.clear();
        if (inFlight != null) {
            toFail.add(inFlight.done());
            inFlight = null;
        }
        lock.lock();
        try {
            state = State.FAILED;
            failure = error;
            queue.forEach(e -> toFail.add(e.done()));
            queue.clear();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            target.close();
        } catch (IOException | RuntimeException closeError) {
            error.addSuppressed(closeError);
        }
        log.error("{}", error.getMessage());
        acks.execute(() -> toFail.forEach(f -> f.completeExceptionally(error)));
        return error;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
