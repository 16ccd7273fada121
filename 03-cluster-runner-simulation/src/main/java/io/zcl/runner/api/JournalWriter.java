package io.zcl.runner.api;

import java.util.concurrent.CompletableFuture;

/**
 * Append-only record of a run (Python: AsyncJournalWriterProtocol). Records are written in the
 * order {@link #write} is called.
 */
public interface JournalWriter extends AutoCloseable {

    /**
     * Queues a record. The future completes when the record is durable under the writer's policy
     * (on disk, or acknowledged by a remote collector) and exceptionally if it can never be
     * written; a full queue makes this call wait (backpressure), it never drops a record.
     */
    CompletableFuture<Void> write(JournalRecord record);

    /** Blocks until every record written so far is durable. */
    void flush();

    /** Flushes, then releases the file or connection. Writing after close fails. */
    @Override
    void close();
}
