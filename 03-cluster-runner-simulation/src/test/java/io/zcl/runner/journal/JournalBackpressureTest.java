package io.zcl.runner.journal;

import io.zcl.runner.api.TestResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A full queue makes writers wait; when the disk catches up every record is there, in order. */
class JournalBackpressureTest {

    private static final int CAPACITY = 2;

    @TempDir
    Path dir;

    @Test
    void aBlockedWriterBlocksProducersAndDropsNothing() throws Exception {
        CountingTarget target = new CountingTarget(dir.resolve("journal.jsonl"));
        target.gate.close();
        AtomicInteger returned = new AtomicInteger();
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        try (JsonlJournalWriter journal = new JsonlJournalWriter(target.file, target, FsyncPolicy.everyRecord(), CAPACITY,
                RepairReport.clean(target.file))) {
            Thread producer = new Thread(() -> {
                for (int i = 0; i < 50; i++) {
                    acks.add(journal.write(Records.result(i)));
                    returned.incrementAndGet();
                }
            }, "producer");
            producer.start();

            // One record held by the writer in append, CAPACITY in the queue, and the producer stuck on the next.
            await().atMost(Duration.ofSeconds(10)).until(() -> target.gate.waiting() == 1
                    && returned.get() == 1 + CAPACITY && producer.getState() == Thread.State.WAITING);
            assertThat(returned.get()).isEqualTo(1 + CAPACITY);

            target.gate.open();
            producer.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(producer.isAlive()).isFalse();
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        }

        assertThat(JournalReader.read(target.file).testResults()).extracting(TestResult::round)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 50).boxed().toList());
    }

    @Test
    void manyProducersThroughATinyQueueKeepEachProducersOrder() throws Exception {
        CountingTarget target = new CountingTarget(dir.resolve("journal.jsonl"));
        int producers = 4;
        int perProducer = 100;
        try (JsonlJournalWriter journal = new JsonlJournalWriter(target.file, target, FsyncPolicy.everyRecords(8), CAPACITY,
                RepairReport.clean(target.file))) {
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int base = p * 1000;
                Thread t = new Thread(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        journal.write(Records.result(base + i));
                    }
                }, "producer-" + p);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(20));
            }
            journal.flush();
        }

        List<Integer> seqs = JournalReader.read(target.file).testResults().stream().map(TestResult::round).toList();
        assertThat(seqs).hasSize(producers * perProducer);
        for (int p = 0; p < producers; p++) {
            int base = p * 1000;
            assertThat(seqs.stream().filter(s -> s / 1000 == base / 1000).toList())
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(base, base + perProducer).boxed().toList());
        }
    }
}
