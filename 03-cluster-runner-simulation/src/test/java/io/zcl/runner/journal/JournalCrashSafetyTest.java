package io.zcl.runner.journal;

import io.zcl.runner.api.TestResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A writer killed with SIGKILL mid-stream loses nothing it acknowledged and leaves a readable file. */
class JournalCrashSafetyTest {

    private static final int ACKS_BEFORE_KILL = 300;

    @Test
    void killedWriterKeepsEveryAcknowledgedRecord(@TempDir Path dir) throws Exception {
        Path journal = dir.resolve("journal.jsonl");
        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        Process child = new ProcessBuilder(
                ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"),
                JournalCrashChild.class.getName(), journal.toString())
                .redirectError(dir.resolve("child-stderr.txt").toFile())
                .start();
        Thread reader = new Thread(() -> collect(child, acknowledged), "child-stdout");
        try {
            reader.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= ACKS_BEFORE_KILL);
            child.destroyForcibly();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            reader.join(TimeUnit.SECONDS.toMillis(10));
        } finally {
            child.destroyForcibly();
        }

        RepairReport repair;
        try (JsonlJournalWriter reopened = JsonlJournalWriter.open(journal)) {
            repair = reopened.repairReport();
        }
        JournalContents contents = JournalReader.read(journal);

        assertThat(contents.badLines()).as("bad lines after repair (%s)", repair).isEmpty();
        List<Integer> inFile = contents.testResults().stream().map(TestResult::round).toList();
        assertThat(inFile).containsAll(acknowledged);
        assertThat(inFile).as("one writer appends in order, without gaps")
                .isEqualTo(IntStream.range(0, inFile.size()).boxed().collect(Collectors.toList()));
    }

    private static void collect(Process child, Set<Integer> acknowledged) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                // The kill can cut the last printed line; only whole numbers count as acknowledged.
                if (line.matches("\\d+")) {
                    acknowledged.add(Integer.parseInt(line));
                }
            }
        } catch (IOException ignored) {
            // The child is gone; what was read so far is the evidence.
        }
    }
}
