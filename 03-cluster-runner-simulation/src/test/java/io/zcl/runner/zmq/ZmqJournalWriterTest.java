package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.api.NodeEvent;
import io.zcl.runner.journal.JournalContents;
import io.zcl.runner.journal.JournalReader;
import io.zcl.runner.journal.JsonlJournalWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ZmqJournalWriterTest {

    @TempDir
    Path dir;

    private static NodeEvent event(int i) {
        return new NodeEvent(Instant.EPOCH.plusSeconds(i), "node-" + i, NodeEvent.Kind.UP, "n" + i);
    }

    @Test
    void everyRecordIsInTheCollectorsFileOnceAndInOrderWhenItsFutureCompletes() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        try (JsonlJournalWriter local = JsonlJournalWriter.open(file);
             JournalCollector collector = new JournalCollector("tcp://127.0.0.1:*", local)) {
            String endpoint = collector.start();
            List<CompletableFuture<Void>> acks = new ArrayList<>();
            try (ZmqJournalWriter remote = new ZmqJournalWriter(endpoint, 64, Duration.ofMillis(500))) {
                for (int i = 0; i < 500; i++) {
                    acks.add(remote.write(event(i))); // more than the 64 in flight: write() waits, never drops
                }
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            }
            assertThat(collector.recordsWritten()).isEqualTo(500);
        }
        JournalContents read = JournalReader.read(file);
        assertThat(read.badLines()).isEmpty();
        assertThat(read.nodeEvents()).extracting(NodeEvent::detail)
                .containsExactly(java.util.stream.IntStream.range(0, 500).mapToObj(i -> "n" + i).toArray(String[]::new));
    }

    @Test
    void recordsWrittenWhileTheCollectorIsDownArriveWhenItComesBack() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        String endpoint;
        try (JsonlJournalWriter local = JsonlJournalWriter.open(file);
             JournalCollector first = new JournalCollector("tcp://127.0.0.1:*", local)) {
            endpoint = first.start();
        }
        try (ZmqJournalWriter remote = new ZmqJournalWriter(endpoint, 64, Duration.ofMillis(200))) {
            CompletableFuture<Void> pending = remote.write(event(1));
            assertThat(pending).isNotDone(); // nobody is there to acknowledge it
            try (JsonlJournalWriter local = JsonlJournalWriter.open(file);
                 JournalCollector second = new JournalCollector(endpoint, local)) {
                second.start();
                pending.get(20, TimeUnit.SECONDS);
            }
        }
        assertThat(JournalReader.read(file).nodeEvents()).extracting(NodeEvent::detail).containsExactly("n1");
    }
}
