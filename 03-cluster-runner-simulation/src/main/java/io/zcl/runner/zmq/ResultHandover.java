package io.zcl.runner.zmq;

import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.JournalRecord;
import io.zcl.runner.api.JournalWriter;
import io.zcl.runner.api.OrphanResult;
import io.zcl.runner.api.TestResult;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a RESULT counts as safe, so the coordinator may ACK it and its agent let go of it
 * ({@link ZmqCoordinator#ackAfterHandover()}): when the journal line that accounts for it is
 * durable. For a command the runner waited on, that is the test result of its group (which lists
 * the command ids); for an orphan (a RESULT re-sent to a restarted coordinator), its own
 * {@code orphan_result} record. A journal write that fails ACKs nothing: the agents keep those
 * RESULTs, and a resumed run gets them again.
 */
public final class ResultHandover {

    private static final Logger LOG = LoggerFactory.getLogger(ResultHandover.class);

    private ResultHandover() {
    }

    /** The journal the runner writes to: ACKs a test result's commands once its line is durable. */
    public static JournalWriter ackingJournal(JournalWriter journal, ZmqCoordinator coordinator) {
        Objects.requireNonNull(journal, "journal");
        Objects.requireNonNull(coordinator, "coordinator");
        return new JournalWriter() {
            @Override
            public CompletableFuture<Void> write(JournalRecord record) {
                CompletableFuture<Void> durable = journal.write(record);
                if (record instanceof TestResult r && !r.commandIds().isEmpty()) {
                    durable.thenRun(() -> coordinator.acknowledge(r.commandIds()));
                }
                return durable;
            }

            @Override
            public void flush() {
                journal.flush();
            }

            @Override
            public void close() {
                journal.close();
            }
        };
    }

    /**
     * Journals each orphan RESULT once per command id, then ACKs it. Ids in {@code alreadyJournaled}
     * (a resumed run's journal accounts for them) are ACKed without a second record.
     */
    public static CoordinatorListener orphanRecorder(JournalWriter journal, ZmqCoordinator coordinator,
                                                     Set<String> alreadyJournaled) {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        seen.addAll(alreadyJournaled);
        return new CoordinatorListener() {
            @Override
            public void orphanResult(String nodeId, CommandResult result) {
                String id = result.commandId();
                if (!seen.add(id)) {
                    coordinator.acknowledge(List.of(id));
                    return;
                }
                LOG.info("orphan RESULT {} from {} ({}): journaled as orphan_result", id, nodeId, result.status());
                journal.write(OrphanResult.of(Instant.now(), result)).whenComplete((ok, error) -> {
                    if (error == null) {
                        coordinator.acknowledge(List.of(id));
                    } else {
                        seen.remove(id); // not recorded: the agent keeps it and sends it again
                        LOG.error("orphan RESULT {} from {} not journaled, not acknowledged: {}", id, nodeId,
                                error.getMessage());
                    }
                });
            }
        };
    }
}
