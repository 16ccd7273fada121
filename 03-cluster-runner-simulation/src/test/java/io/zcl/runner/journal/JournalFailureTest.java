package io.zcl.runner.journal;

import io.zcl.runner.api.TestResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/** A journal that cannot write says so on every future, never drops silently. */
class JournalFailureTest {

    @TempDir
    Path dir;

    @Test
    void diskFullFailsTheWriteAndEveryLaterOne() {
        Path devFull = Path.of("/dev/full");
        assumeThat(Files.isWritable(devFull)).as("/dev/full (always-full device) exists").isTrue();

        JsonlJournalWriter journal = JsonlJournalWriter.open(devFull, FsyncPolicy.everyRecord(), 4);
        assertThat(journal.write(Records.result(0))).failsWithin(Duration.ofSeconds(10))
                .withThrowableThat().havingCause().isInstanceOf(JournalException.class)
                .withMessageContaining("journal /dev/full: write failed after 0 records")
                .withMessageContaining("No space left on device");
        assertThat(journal.write(Records.result(1))).isCompletedExceptionally();
        assertThatThrownBy(journal::flush).isInstanceOf(JournalException.class).hasMessageContaining("No space left");
        assertThatThrownBy(journal::close).isInstanceOf(JournalException.class);
    }

    @Test
    void aFailureFailsTheQueuedAndTheWrittenButNotYetSyncedRecords() throws Exception {
        CountingTarget target = new CountingTarget(dir.resolve("journal.jsonl"));
        target.failAfterAppends = 3;
        target.gate.close();
        JsonlJournalWriter journal = new JsonlJournalWriter(target.file, target, FsyncPolicy.everyRecords(100), 100,
                RepairReport.clean(target.file));
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            acks.add(journal.write(Records.result(i)));
        }
        target.gate.open();

        for (CompletableFuture<Void> ack : acks) {
            assertThat(ack).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                    .havingCause().withMessageContaining("write failed after 3 records");
        }
        assertThatThrownBy(journal::close).isInstanceOf(JournalException.class);
        // The three appended lines are in the file, but none was acknowledged: they were never fsynced.
        assertThat(JournalReader.read(target.file).testResults()).extracting(TestResult::round).containsExactly(0, 1, 2);
    }
}
