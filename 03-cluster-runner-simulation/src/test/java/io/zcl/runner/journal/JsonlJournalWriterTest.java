package io.zcl.runner.journal;

import io.zcl.runner.api.JournalRecord;
import io.zcl.runner.api.TestResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonlJournalWriterTest {

    @TempDir
    Path dir;

    @Test
    void writesOneSnakeCaseJsonObjectPerLineAndReadsItBackTyped() {
        Path file = dir.resolve("journal.jsonl");
        List<JournalRecord> written = List.of(Records.header(), Records.result(1), Records.lost());
        try (JsonlJournalWriter journal = JsonlJournalWriter.open(file)) {
            written.forEach(r -> journal.write(r).join());
        }

        List<String> lines = lines(file);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("{\"type\":\"run_header\",\"run_id\":\"run-1\",\"started_at\":\"2026-11-28T15:30:12.250Z\"");
        assertThat(lines.get(1)).startsWith("{\"type\":\"test_result\"").contains("\"failed_nodes\":[]", "\"duration_ms\":812");
        assertThat(lines.get(2)).startsWith("{\"type\":\"node_event\"").contains("\"kind\":\"LOST\"");
        assertThat(JournalReader.read(file).records()).isEqualTo(written);
    }

    @Test
    void reopeningAppends() {
        Path file = dir.resolve("journal.jsonl");
        try (JsonlJournalWriter journal = JsonlJournalWriter.open(file)) {
            journal.write(Records.result(0)).join();
        }
        try (JsonlJournalWriter journal = JsonlJournalWriter.open(file)) {
            assertThat(journal.repairReport().repaired()).isFalse();
            journal.write(Records.result(1)).join();
        }

        assertThat(JournalReader.read(file).testResults()).extracting(TestResult::round).containsExactly(0, 1);
    }

    @Test
    void tornLastLineIsCutOnOpenAndReported() throws IOException {
        Path file = dir.resolve("journal.jsonl");
        String whole = new String(JournalJson.toLine(Records.result(0)), StandardCharsets.UTF_8);
        String torn = new String(JournalJson.toLine(Records.result(1)), StandardCharsets.UTF_8).substring(0, 40);
        Files.writeString(file, whole + torn);
        assertThat(JournalReader.read(file).badLines()).singleElement()
                .satisfies(bad -> assertThat(bad.reason()).startsWith("torn last line"));

        try (JsonlJournalWriter journal = JsonlJournalWriter.open(file)) {
            assertThat(journal.repairReport()).isEqualTo(new RepairReport(file, 40, "last line has no newline"));
            journal.write(Records.result(2)).join();
        }

        JournalContents contents = JournalReader.read(file);
        assertThat(contents.badLines()).isEmpty();
        assertThat(contents.testResults()).extracting(TestResult::round).containsExactly(0, 2);
    }

    @Test
    void aNewlineTerminatedGarbageTailIsCutToo() throws IOException {
        Path file = dir.resolve("journal.jsonl");
        String whole = new String(JournalJson.toLine(Records.result(0)), StandardCharsets.UTF_8);
        Files.writeString(file, whole + "\0\0\0\0\0\0\0\n");

        try (JsonlJournalWriter journal = JsonlJournalWriter.open(file)) {
            assertThat(journal.repairReport().bytesCut()).isEqualTo(8);
            assertThat(journal.repairReport().reason()).isEqualTo("last line is not a JSON object");
        }
        assertThat(Files.readString(file)).isEqualTo(whole);
    }

    @Test
    void aSingleTornLineIsCutToAnEmptyFile() throws IOException {
        Path file = dir.resolve("journal.jsonl");
        Files.writeString(file, "{\"type\":\"test_re");

        try (JsonlJournalWriter journal = JsonlJournalWriter.open(file)) {
            assertThat(journal.repairReport().bytesCut()).isEqualTo(16);
        }
        assertThat(Files.size(file)).isZero();
    }

    @Test
    void writeAfterCloseFails() {
        JsonlJournalWriter journal = JsonlJournalWriter.open(dir.resolve("journal.jsonl"));
        journal.close();

        assertThat(journal.write(Records.result(0))).failsWithin(Duration.ofSeconds(5))
                .withThrowableThat().havingCause().isInstanceOf(JournalException.class).withMessageContaining("closed");
    }

    @Test
    void aSecondWriterOnTheSameFileIsRefused() {
        Path file = dir.resolve("journal.jsonl");
        try (JsonlJournalWriter first = JsonlJournalWriter.open(file)) {
            assertThatThrownBy(() -> JsonlJournalWriter.open(file))
                    .isInstanceOf(JournalException.class)
                    .hasMessageContaining("already open by another journal writer");
            first.write(Records.result(0)).join();
        }
    }

    @Test
    void aDirectoryIsNotAJournal() {
        assertThatThrownBy(() -> JsonlJournalWriter.open(dir))
                .isInstanceOf(JournalException.class)
                .hasMessageStartingWith("journal " + dir + ": cannot open for appending: ");
    }

    @Test
    void everyNRecordsSharesFsyncsUnderABurstButNeverLeavesALoneRecordWaiting() throws Exception {
        CountingTarget target = new CountingTarget(dir.resolve("journal.jsonl"));
        target.gate.close();
        try (JsonlJournalWriter journal = new JsonlJournalWriter(target.file, target, FsyncPolicy.everyRecords(10), 100,
                RepairReport.clean(target.file))) {
            List<CompletableFuture<Void>> burst = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                burst.add(journal.write(Records.result(i)));
            }
            target.gate.open();
            CompletableFuture.allOf(burst.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            // The writer was held on the first append while 39 more queued: 1 + 39 in batches of at most 10.
            assertThat(target.forces).isBetween(4, 6);

            int before = target.forces;
            journal.write(Records.result(40)).get(10, TimeUnit.SECONDS);
            assertThat(target.forces).isEqualTo(before + 1);
        }
    }

    @Test
    void intervalPolicyAcknowledgesAfterTheTimedFsync() throws Exception {
        CountingTarget target = new CountingTarget(dir.resolve("journal.jsonl"));
        try (JsonlJournalWriter journal = new JsonlJournalWriter(target.file, target, FsyncPolicy.every(Duration.ofMillis(50)),
                16, RepairReport.clean(target.file))) {
            CompletableFuture<Void> done = journal.write(Records.result(0));
            done.get(10, TimeUnit.SECONDS);
            assertThat(target.forces).isEqualTo(1);
        }
    }

    @Test
    void closeOnlyPolicyAcknowledgesAtTheWriteAndFsyncsOnFlushAndClose() throws Exception {
        CountingTarget target = new CountingTarget(dir.resolve("journal.jsonl"));
        JsonlJournalWriter journal = new JsonlJournalWriter(target.file, target, FsyncPolicy.onlyAtClose(), 16,
                RepairReport.clean(target.file));
        journal.write(Records.result(0)).get(10, TimeUnit.SECONDS);
        assertThat(target.forces).isZero();
        assertThat(lines(target.file)).hasSize(1);

        journal.flush();
        assertThat(target.forces).isEqualTo(1);
        journal.write(Records.result(1)).get(10, TimeUnit.SECONDS);
        journal.close();
        assertThat(target.forces).isEqualTo(2);
    }

    @Test
    void fsyncPolicyParsesWhatItPrints() {
        for (FsyncPolicy policy : List.of(FsyncPolicy.everyRecord(), FsyncPolicy.everyRecords(64),
                FsyncPolicy.every(Duration.ofMillis(20)), FsyncPolicy.onlyAtClose())) {
            assertThat(FsyncPolicy.parse(policy.toString())).isEqualTo(policy);
        }
        assertThatThrownBy(() -> FsyncPolicy.parse("sometimes")).hasMessageContaining("expected records:N, ms:T or close");
        assertThatThrownBy(() -> FsyncPolicy.everyRecords(0)).isInstanceOf(IllegalArgumentException.class);
    }

    static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
